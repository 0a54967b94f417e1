"""Apple's own job search (`jobs.apple.com`): a CSRF token bootstrap, the search, one detail per position.

    GET  {root}/api/v1/CSRFToken               → header `x-apple-csrf-token` and session cookies
    POST {root}/api/v1/search                  → {res: {searchResults[20], totalRecords}}, `page` 1-based
    GET  {root}/api/v1/jobDetails/{positionId} → {res: {jobSummary, description, responsibilities, ...}}

The token and cookies go with every later call; a 401/403 mid-crawl fetches a fresh token once. The
search returns one row per location, so rows are grouped on `positionId` (one posting, every location).
The list has no text; a position whose list entry (title, posting time) is unchanged since the last
run is yielded `seen_only` without a detail call. `postDateInGMT` is ISO UTC with 3 to 9 fractional
digits. Board options: `query`, and `filters` (the search body's filters, e.g.
`{ locations = ["postLocation-USA"] }`); the token is a label ("apple").
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from scraper.dates import parse_iso
from scraper.errors import BadResponse, ConfigError, FetchError, NotFound, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, as_dict, as_list, each, record_id
from scraper.text import normalize

log = logging.getLogger(__name__)

NAME = "apple"
ROOT = "https://jobs.apple.com"
COMPLETE = True
HOST_LIMIT: HostLimit | None = HostLimit(1, 1.0)

PUBLIC_SITE = "https://jobs.apple.com"
PAGE_SIZE = 20
TOKEN_HEADER = "x-apple-csrf-token"
# One project saw empty results when `format` was left out of the search body.
DATE_FORMAT = {"longDate": "MMMM D, YYYY", "mediumDate": "MMM D, YYYY"}
DETAIL_TEXT_FIELDS = ("jobSummary", "description", "responsibilities", "minimumQualifications",
                      "preferredQualifications")


@dataclass
class AppleSession:
    """The CSRF token every call carries (cookies ride in the client's session); refreshed once on 401/403."""

    ctx: FetchContext
    token: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def bootstrap(self) -> None:
        url = self.ctx.url("api/v1/CSRFToken")
        response = self.ctx.client.get(url)
        token = next((v for k, v in response.headers.items() if k.lower() == TOKEN_HEADER), "")
        if not token:
            raise BadResponse(url, f"no {TOKEN_HEADER} header in the token bootstrap", response.status)
        self.headers = {"X-Apple-CSRF-Token": token, "Accept": "application/json", "browserlocale": "en-us",
                        "locale": "EN_US", "Origin": PUBLIC_SITE, "Referer": f"{PUBLIC_SITE}/en-us/search"}

    def call(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> dict[str, Any]:
        if not self.headers:
            self.bootstrap()
        try:
            return self._send(method, path, body, params)
        except FetchError as exc:
            if exc.status not in (401, 403):
                raise
            log.info("apple: token refused (HTTP %s), fetching a new one", exc.status)
            self.bootstrap()
            return self._send(method, path, body, params)

    def _send(self, method: str, path: str, body: Any, params: dict[str, Any] | None) -> dict[str, Any]:
        url = self.ctx.url(path)
        if method == "POST":
            return self.ctx.client.post_json(url, body, params, expect=dict, headers=self.headers)
        return self.ctx.client.get_json(url, params, expect=dict, headers=self.headers)


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """Per position: `{"rows": its list rows, "detail": jobDetails or None when unchanged}`."""
    session = AppleSession(ctx)
    session.bootstrap()
    known = ctx.known()
    for rows in group_positions(list(_search_rows(session, board))):
        position_id = str(rows[0]["positionId"])
        if known.get(position_id) == fingerprint(rows[0]):
            yield {"rows": rows, "detail": None}
            continue
        detail = _detail(session, position_id)
        if detail is not None:
            yield {"rows": rows, "detail": detail}


def parse(doc: Any, board: Board) -> list[Posting]:
    """One position document → its Posting (`seen_only` when no detail was fetched)."""
    rows = doc.get("rows") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ParseError(NAME, "expected {rows: [search rows], detail} from apple.fetch")
    posting = replace(each(NAME, [rows], lambda rows: _listed(rows, board))[0], raw=raw_json(doc))  # list rows and detail: enough to re-parse
    if doc.get("detail") is None:
        return [replace(posting, seen_only=True)]
    return [replace(posting, text=_detail_text(doc["detail"], posting.external_id))]


def records(doc: Any) -> list[tuple[str, Any]]:
    """A document is one position: itself, with its id, so a bad one is skipped alone."""
    rows = doc.get("rows") if isinstance(doc, dict) else None
    return [(record_id(rows[0] if isinstance(rows, list) and rows else None, "positionId"), doc)]


def group_positions(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Search rows (one per location) grouped by `positionId`, in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get("positionId")), []).append(row)
    return list(groups.values())


def fingerprint(row: dict[str, Any]) -> str:
    """What the list says about a position; a change means its detail is fetched again."""
    return f"{row.get('postDateInGMT')}|{row.get('postingTitle')}"


# -- fetching ------------------------------------------------------------------------------------------

def _search_rows(session: AppleSession, board: Board) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        body = {"query": str(board.options.get("query", "")), "filters": _filters(board),
                "page": page, "locale": "en-us", "sort": "newest", "format": DATE_FORMAT}
        rows, total = _search_page(session, body)
        yield from rows
        if not rows or page * PAGE_SIZE >= total:
            return
        page += 1


def _filters(board: Board) -> dict[str, Any]:
    filters = board.options.get("filters", {})
    if not isinstance(filters, Mapping):
        raise ConfigError(f"board {board.key}: `filters` must be a table like {{ locations = [\"postLocation-USA\"] }}")
    return dict(filters)


def _search_page(session: AppleSession, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    data = session.call("POST", "api/v1/search", body)
    res = as_dict(data.get("res"))
    rows = res.get("searchResults")
    if not isinstance(rows, list) or not all(isinstance(r, dict) and r.get("positionId") for r in rows):
        raise BadResponse(session.ctx.url("api/v1/search"), "no `res.searchResults` rows with a `positionId`")
    total = res.get("totalRecords")
    return rows, total if isinstance(total, int) else 0


def _detail(session: AppleSession, position_id: str) -> dict[str, Any] | None:
    try:
        return session.call("GET", f"api/v1/jobDetails/{quote(position_id)}", params={"locale": "en-us"})
    except NotFound:
        log.info("apple: position %s closed between list and detail", position_id)
        return None


# -- parsing -------------------------------------------------------------------------------------------

def _listed(rows: list[dict[str, Any]], board: Board) -> Posting:
    first = rows[0]
    position_id, title = first.get("positionId"), first.get("postingTitle")
    if not isinstance(position_id, (str, int)) or not isinstance(title, str) or not title.strip():
        raise ParseError(NAME, f"a search row without `positionId` or `postingTitle`: {str(first)[:120]}")
    if any(str(row.get("positionId")) != str(position_id) for row in rows):
        raise ParseError(NAME, f"rows of several positions grouped as {position_id}")
    posted_at = parse_iso(first.get("postDateInGMT"))
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(position_id),
        title=normalize(title),
        text="",
        posted_at=posted_at,
        date_source="postDateInGMT" if posted_at else "",
        company=board.company or "Apple",
        location="; ".join(_location_names(rows)),
        url=_public_url(first, str(position_id)),
        fingerprint=fingerprint(first),
    )


def _location_names(rows: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for row in rows:
        for place in as_list(row.get("locations")):
            name = normalize(place.get("name")) if isinstance(place, dict) and isinstance(place.get("name"), str) else ""
            if name and name not in names:
                names.append(name)
    return names


def _public_url(row: dict[str, Any], position_id: str) -> str:
    slug = row.get("transformedPostingTitle")
    return f"{PUBLIC_SITE}/en-us/details/{position_id}" + (f"/{slug}" if isinstance(slug, str) and slug else "")


def _detail_text(detail: Any, position_id: str) -> str:
    res = detail.get("res") if isinstance(detail, dict) else None
    if not isinstance(res, dict):
        raise ParseError(NAME, f"position {position_id}: the detail has no `res` object")
    if res.get("positionId") is not None and str(res["positionId"]) != position_id:
        raise ParseError(NAME, f"position {position_id}: the detail is for position {res['positionId']}")
    parts = [res[name] for name in DETAIL_TEXT_FIELDS if isinstance(res.get(name), str)]
    if not parts:
        raise ParseError(NAME, f"position {position_id}: the detail has none of {', '.join(DETAIL_TEXT_FIELDS)}")
    return normalize("\n".join(parts))
