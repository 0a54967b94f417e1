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
from scraper.errors import ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, each, listed, objects, one_by_one
from scraper.text import as_str, html_to_text, normalize

NAME = "ashby"
ROOT = "https://api.ashbyhq.com"
COMPLETE = True
HOST_LIMIT: HostLimit | None = None  # one request per board; responses are CDN-cached


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The whole board in one request."""
    url = ctx.url(f"posting-api/job-board/{quote(board.token, safe='')}")
    yield listed(ctx.client.get_json(url, {"includeCompensation": "true"}, expect=dict), "jobs", url)


def parse(doc: Any, board: Board) -> list[Posting]:
    """The board response → one Posting per listed job."""
    listed_jobs = (job for job in objects(doc, "jobs", NAME) if job.get("isListed") is not False)
    return each(NAME, listed_jobs, lambda job: _posting(job, board))


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each job on its own (its id, the response holding only it), so one bad job is skipped alone."""
    return one_by_one(doc, "jobs", NAME, "id")


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
