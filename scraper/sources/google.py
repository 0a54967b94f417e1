"""Google Careers: no JSON API, so the results pages' embedded `AF_initDataCallback` `ds:1` data blob.

    GET {root}/about/careers/applications/jobs/results/?page=N   (1-based; 20 jobs a page)

The blob is `data:[ jobs[], null, total, page_size ]`, each job a positional array. Positions are
undocumented, so every page and row is checked against the known layout and a mismatch fails loudly
(BadResponse with the URL for a page, ParseError for a row) instead of storing shifted fields:

    [0] id   [1] title   [3] responsibilities [null, html]   [4] qualifications [null, html]
    [7] brand   [9] locations [[display, ...], ...]   [10] about the job [null, html]
    [12] [seconds, nanos] (taken as first posted; unconfirmed)   [15] application/benefit notes
    [19] minimum qualifications again — a repeat of part of [4], skipped so terms are not counted twice

Text is [10] + [3] + [4]; [15] is legal/benefit text and goes to `boilerplate`. Board: the token is a
label ("google"); option `params` adds search parameters (`q`, `location`, `target_level`, `organization`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from scraper.dates import from_epoch_seconds
from scraper.errors import BadResponse, ConfigError, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, each, record_list
from scraper.text import html_to_text, normalize

NAME = "google"
ROOT = "https://www.google.com"
COMPLETE = True
HOST_LIMIT: HostLimit | None = HostLimit(1, 1.0)

RESULTS_PATH = "about/careers/applications/jobs/results/"
PUBLIC_RESULTS = "https://www.google.com/about/careers/applications/jobs/results"
MIN_ROW_LENGTH = 20  # rows seen have 21 entries; [19] is the last one read
TEXT_FIELDS = (10, 3, 4)
BOILERPLATE_FIELD = 15
DATE_FIELD = 12
_DS1 = re.compile(r"""AF_initDataCallback\(\{\s*key:\s*['"]ds:1['"]""")
_DATA = re.compile(r"\bdata:\s*")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The `ds:1` data of every results page, checked page by page."""
    page = 1
    while True:
        url = ctx.url(RESULTS_PATH)
        response = ctx.client.get(url, {**_search_params(board), "page": page})
        try:
            data = results_data(response.text())
        except ParseError as exc:
            raise BadResponse(response.url, f"the results page layout changed: {exc.reason}", response.status) from exc
        yield data
        jobs, total, size = data[0], data[2], data[3] or 20
        if not jobs or page * size >= total:
            return
        page += 1


def _search_params(board: Board) -> dict[str, Any]:
    params = board.options.get("params", {})
    if not isinstance(params, Mapping):
        raise ConfigError(f"board {board.key}: `params` must be a table like {{ q = \"engineer\" }}")
    return dict(params)


def results_data(page_html: str) -> list[Any]:
    """The `ds:1` blob of a results page, checked: `[jobs[], _, total, page_size]` (ParseError otherwise)."""
    found = _DS1.search(page_html)
    start = _DATA.search(page_html, found.end()) if found else None
    if start is None:
        raise ParseError(NAME, "no AF_initDataCallback block with key 'ds:1' and `data:`")
    try:
        data, _ = json.JSONDecoder().raw_decode(page_html, start.end())
    except json.JSONDecodeError as exc:
        raise ParseError(NAME, f"the ds:1 data is not JSON ({exc.msg} at char {exc.pos})") from exc
    except RecursionError:
        raise ParseError(NAME, "the ds:1 data is nested too deeply to read") from None
    if not (isinstance(data, list) and len(data) >= 4 and isinstance(data[0], list)
            and _is_int(data[2]) and (data[3] is None or _is_int(data[3]))):
        raise ParseError(NAME, "the ds:1 data is not [jobs[], _, total, page_size]")
    return data


def parse(doc: Any, board: Board) -> list[Posting]:
    """A results page (its HTML, or the `ds:1` data `fetch` yields) → one Posting per job row."""
    data = results_data(doc) if isinstance(doc, str) else doc
    if not isinstance(data, list) or not data or not isinstance(data[0], list):
        raise ParseError(NAME, "expected the ds:1 data: [jobs[], _, total, page_size]")
    return each(NAME, enumerate(data[0]), lambda numbered: _posting(numbered[1], numbered[0], board))


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each job row on its own (its id, the page data holding only it), so one bad row is skipped alone."""
    data = results_data(doc) if isinstance(doc, str) else doc
    rows = record_list(data[0] if isinstance(data, list) and data else None, None, NAME)
    return [(str(row[0]) if isinstance(row, list) and row and isinstance(row[0], str) else "", [[row], *data[1:]])
            for row in rows]


def check_row(row: Any, number: int = 0) -> None:
    """ParseError unless the row has the known layout (types at every position read)."""
    problem = _row_problem(row)
    if problem:
        raise ParseError(NAME, f"job row {number} does not have the known layout: {problem}")


def _row_problem(row: Any) -> str:
    if not isinstance(row, list) or len(row) < MIN_ROW_LENGTH:
        return f"not a list of {MIN_ROW_LENGTH}+ entries"
    if not isinstance(row[0], str) or not row[0].isdigit():
        return "[0] is not a numeric id"
    if not isinstance(row[1], str) or not row[1].strip():
        return "[1] is not a title"
    for index in (*TEXT_FIELDS, BOILERPLATE_FIELD, 19):
        if row[index] is not None and not _is_html_field(row[index]):
            return f"[{index}] is not [null, html]"
    if row[DATE_FIELD] is not None and not _is_timestamp(row[DATE_FIELD]):
        return f"[{DATE_FIELD}] is not a [seconds, nanos] timestamp"
    if row[9] is not None and not isinstance(row[9], list):
        return "[9] is not a list of locations"
    return ""


def _posting(row: Any, number: int, board: Board) -> Posting:
    check_row(row, number)
    posted_at = _posted(row[DATE_FIELD])
    return Posting(
        source=NAME,
        board=board.token,
        external_id=row[0],
        title=normalize(row[1]),
        text="\n".join(filter(None, (_html(row[index]) for index in TEXT_FIELDS))),
        posted_at=posted_at,
        date_source=f"[{DATE_FIELD}]" if posted_at else "",
        company=board.company or "Google",
        location="; ".join(_locations(row[9])),
        url=f"{PUBLIC_RESULTS}/{row[0]}-{_NON_WORD.sub('-', row[1].lower()).strip('-')}",
        boilerplate=_html(row[BOILERPLATE_FIELD]),
        raw=raw_json(row),
    )


def _posted(timestamp: Any) -> datetime | None:
    return from_epoch_seconds(timestamp[0]) if timestamp else None


def _locations(places: Any) -> list[str]:
    names = [normalize(p[0]) for p in places or [] if isinstance(p, list) and p and isinstance(p[0], str)]
    return [name for name in names if name]


def _html(field: Any) -> str:
    return html_to_text(field[1]) if field else ""


def _is_html_field(value: Any) -> bool:
    return isinstance(value, list) and len(value) >= 2 and value[0] is None and isinstance(value[1], str)


def _is_timestamp(value: Any) -> bool:
    return isinstance(value, list) and len(value) >= 1 and _is_int(value[0]) and all(_is_int(v) for v in value[1:2])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
