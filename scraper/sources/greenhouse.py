"""Greenhouse Job Board API: one GET returns a whole board, every job with its HTML `content`.

`content` is HTML that was entity-escaped once more (`&lt;p&gt;`). Greenhouse appends the board-level
introduction and conclusion to every job inside `div.content-intro` / `div.content-conclusion`; those
blocks are cut out into `boilerplate` so a board-wide "flexible working hours" does not count once per
job. `first_published` is the posting date; `updated_at` is refreshed for whole boards at once, so it
is only a fallback and is recorded as such in `date_source`.

Board option `metadata = { "Business Unit" = "Square" }` keeps only jobs whose metadata entry of that
name has that value (one company's jobs on a parent company's board).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from scraper.dates import first_date
from scraper.errors import ConfigError, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import (
    Board,
    FetchContext,
    as_dict,
    as_list,
    each,
    listed,
    objects,
    one_by_one,
)
from scraper.text import as_str, html_to_text_and_aside, normalize

NAME = "greenhouse"
ROOT = "https://boards-api.greenhouse.io"
COMPLETE = True
HOST_LIMIT: HostLimit | None = None  # one request per board; no documented or observed limit

BOILERPLATE_CLASSES = frozenset({"content-intro", "content-conclusion"})
DATE_FIELDS = ("first_published", "updated_at")  # in order of trust


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The board's jobs with their content, in one request."""
    metadata_filter(board)  # a bad option fails before any request
    url = ctx.url(f"v1/boards/{quote(board.token, safe='')}/jobs")
    yield listed(ctx.client.get_json(url, {"content": "true"}, expect=dict), "jobs", url)


def parse(doc: Any, board: Board) -> list[Posting]:
    """The board response → one Posting per job that passes the board's `metadata` filter."""
    wanted = metadata_filter(board)
    return each(NAME, (job for job in objects(doc, "jobs", NAME) if _matches(job, wanted)), lambda job: _posting(job, board))


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each job on its own (its id, the response holding only it), so one bad job is skipped alone."""
    return one_by_one(doc, "jobs", NAME, "id")


def metadata_filter(board: Board) -> Mapping[str, Any]:
    """The board's `metadata` option (metadata name → required value); empty when not set."""
    wanted = board.options.get("metadata", {})
    if not isinstance(wanted, Mapping):
        raise ConfigError(f"board {board.key}: `metadata` must be a table like {{ \"Business Unit\" = \"Square\" }}")
    return wanted


def split_content(escaped: str | None) -> tuple[str, str]:
    """(job text, board boilerplate) of a job's once-escaped HTML `content`."""
    return html_to_text_and_aside(html.unescape(escaped or ""), BOILERPLATE_CLASSES)


def _matches(job: dict[str, Any], wanted: Mapping[str, Any]) -> bool:
    if not wanted:
        return True
    entries = as_list(job.get("metadata"))
    values = {entry.get("name"): entry.get("value") for entry in entries if isinstance(entry, dict)}
    return all(_has_value(values.get(name), value) for name, value in wanted.items())


def _has_value(actual: Any, wanted: Any) -> bool:
    # multi_select metadata holds a list of values
    return actual == wanted or (isinstance(actual, list) and wanted in actual)


def _posting(job: dict[str, Any], board: Board) -> Posting:
    if job.get("id") is None:
        raise ParseError(NAME, "a job without an `id`")
    text, boilerplate = split_content(as_str(job.get("content")))
    posted_at, date_source = first_date(job, DATE_FIELDS)
    location = as_dict(job.get("location"))
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(job["id"]),
        title=normalize(as_str(job.get("title"))),
        text=text,
        posted_at=posted_at,
        date_source=date_source,
        company=board.company or normalize(as_str(job.get("company_name"))) or board.token,
        location=normalize(as_str(location.get("name"))),
        url=as_str(job.get("absolute_url")),
        boilerplate=boilerplate,
        raw=raw_json(job),
    )
