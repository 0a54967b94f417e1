"""Ashby public job-board API: one GET returns a whole board, descriptions included.

Jobs with `isListed: false` are hidden from the public board and skipped. The text comes from
`descriptionHtml` (so block breaks survive), falling back to `descriptionPlain`. `publishedAt` is the
only date Ashby serves (it may move when a job is re-published).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scraper.dates import parse_iso
from scraper.errors import BadResponse, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext
from scraper.text import as_str, html_to_text, normalize

NAME = "ashby"
ROOT = "https://api.ashbyhq.com"
COMPLETE = True
HOST_LIMIT: HostLimit | None = None  # one request per board; responses are CDN-cached


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The whole board in one request."""
    url = ctx.url(f"posting-api/job-board/{quote(board.token, safe='')}")
    data = ctx.client.get_json(url, {"includeCompensation": "true"}, expect=dict)
    if not isinstance(data.get("jobs"), list):
        raise BadResponse(url, "no `jobs` list in the response")
    yield data


def parse(doc: Any, board: Board) -> list[Posting]:
    """The board response → one Posting per listed job."""
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, list) or not all(isinstance(job, dict) for job in jobs):
        raise ParseError(NAME, "expected an object with a `jobs` list of objects")
    try:
        return [_posting(job, board) for job in jobs if job.get("isListed") is not False]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ParseError(NAME, f"unexpected job shape: {exc!r}") from exc


def _posting(job: dict[str, Any], board: Board) -> Posting:
    if not job.get("id"):
        raise ParseError(NAME, "a job without an `id`")
    posted_at = parse_iso(job.get("publishedAt"))
    text = html_to_text(as_str(job.get("descriptionHtml"))) or normalize(as_str(job.get("descriptionPlain")))
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(job["id"]),
        title=normalize(as_str(job.get("title"))),
        text=text,
        posted_at=posted_at,
        date_source="publishedAt" if posted_at else "",
        company=board.company or board.token,
        location=normalize(as_str(job.get("location"))),
        url=as_str(job.get("jobUrl")),
        raw=raw_json(job),
    )
