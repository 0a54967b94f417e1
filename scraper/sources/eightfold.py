"""Eightfold career sites: Microsoft (the "PCSX" API) and Netflix (the classic `apply/v2` API).

Both list ten postings a page without their text, so every new or changed posting costs one detail call:

    pcsx:      GET {root}/api/pcsx/search?domain=D&query=&location=&start=N&sort_by=timestamp
               GET {root}/api/pcsx/position_details?position_id=ID&domain=D&hl=en
    apply_v2:  GET {root}/api/apply/v2/jobs?domain=D&start=N&num=10&sort_by=timestamp
               GET {root}/api/apply/v2/jobs/ID?domain=D

Board: `token` is the careers host (`apply.careers.microsoft.com`, `explore.jobs.netflix.net`); options
`domain` (required, e.g. "microsoft.com") and `flavour` ("pcsx" or "apply_v2", the default). A tenant
asked with the wrong flavour answers 403 "Not authorized for PCSX"; the error says which to try.

Root rule: ROOT is the template "https://{host}", `{host}` replaced by the token. `[api] eightfold` (with
or without `{host}`) overrides it for every Eightfold board; a test server can serve both flavours on
one root because their paths differ.

Dates are Unix seconds: PCSX `postedTs` (the posting date; `creationTs` is the requisition's creation),
classic `t_create`. `fingerprint` is what the list says (title and update/post time); an unchanged
posting is yielded `seen_only` without a detail call. Eightfold is reported to stop listing at offset
2,000 (unconfirmed for Microsoft, whose ~2,250 postings would reach it): if it does, the board fails
loudly instead of being stored short; a page repeating earlier positions (a wrap) fails too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlsplit

from scraper.dates import from_epoch_seconds
from scraper.errors import BadResponse, ConfigError, FetchError, NotFound, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, as_dict, each, record_id
from scraper.text import html_to_text, normalize

log = logging.getLogger(__name__)

NAME = "eightfold"
ROOT = "https://{host}"
COMPLETE = True
HOST_LIMIT: HostLimit | None = HostLimit(1, 1.0)

OFFSET_CAP = 2000
# Paragraphs that end every posting (pay-range sentence, EEO statement): the earliest starts the boilerplate.
BOILERPLATE_MARKERS = ("typical base pay range", "is an equal opportunity employer")


@dataclass(frozen=True)
class Flavour:
    """One of Eightfold's two public APIs: paths and the field names of its records."""

    name: str
    list_path: str
    detail_path: str  # with {id}
    title: str
    posted: str
    updated: str
    description: str


FLAVOURS = {
    "pcsx": Flavour("pcsx", "api/pcsx/search", "api/pcsx/position_details", "name", "postedTs", "postedTs",
                    "jobDescription"),
    "apply_v2": Flavour("apply_v2", "api/apply/v2/jobs", "api/apply/v2/jobs/{id}", "name", "t_create", "t_update",
                        "job_description"),
}


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """Per posting: `{"flavour", "item", "detail"}`, `detail` None when the list says nothing changed."""
    flavour, domain, root = _flavour(board), _domain(board), board_root(ctx, board)
    ctx.client.limit_host(urlsplit(root).netloc, HOST_LIMIT or HostLimit())
    known = ctx.known()
    for item in _positions(ctx, board, flavour, domain, root):
        if known.get(str(item["id"])) == fingerprint(item, flavour):
            yield {"flavour": flavour.name, "item": item, "detail": None}
            continue
        detail = _detail(ctx, board, flavour, domain, root, item["id"])
        if detail is not None:
            yield {"flavour": flavour.name, "item": item, "detail": detail}


def parse(doc: Any, board: Board) -> list[Posting]:
    """One posting document → its Posting (`seen_only` when no detail was fetched)."""
    flavour = FLAVOURS.get(str(doc.get("flavour"))) if isinstance(doc, dict) else None  # str: a list is unhashable
    item = doc.get("item") if isinstance(doc, dict) else None
    if flavour is None or not isinstance(item, dict) or not isinstance(item.get("id"), (int, str)):
        raise ParseError(NAME, "expected {flavour, item: {id, ...}, detail} from eightfold.fetch")
    posting = replace(each(NAME, [item], lambda item: _listed(item, flavour, board))[0], raw=raw_json(doc))  # list item and detail: enough to re-parse
    if doc.get("detail") is None:
        return [replace(posting, seen_only=True)]
    text, boilerplate = split_boilerplate(_description(doc["detail"], flavour, item))
    return [replace(posting, text=text, boilerplate=boilerplate)]


def records(doc: Any) -> list[tuple[str, Any]]:
    """A document is one position: itself, with its id, so a bad one is skipped alone."""
    item = doc.get("item") if isinstance(doc, dict) else None
    return [(record_id(item, "id"), doc)]


def board_root(ctx: FetchContext, board: Board) -> str:
    """The API root for this board: the configured root with `{host}` replaced by the token."""
    return ctx.root.replace("{host}", board.token).rstrip("/")


def fingerprint(item: Mapping[str, Any], flavour: Flavour) -> str:
    """What the list says about a posting; a change means its detail is fetched again."""
    return f"{item.get(flavour.updated)}|{item.get(flavour.title)}"


def split_boilerplate(markup: str) -> tuple[str, str]:
    """(posting text, closing pay/EEO paragraphs) of a job description's HTML."""
    lowered = markup.lower()
    found = [at for at in (lowered.find(marker) for marker in BOILERPLATE_MARKERS) if at >= 0]
    if not found:
        return html_to_text(markup), ""
    cut = min(found)
    paragraph = lowered.rfind("<p", 0, cut)
    if paragraph >= 0 and lowered.find("</p", paragraph, cut) < 0:
        cut = paragraph  # start the boilerplate at the paragraph holding the marker
    return html_to_text(markup[:cut]), html_to_text(markup[cut:])


# -- fetching ------------------------------------------------------------------------------------------

def _flavour(board: Board) -> Flavour:
    name = str(board.options.get("flavour", "apply_v2"))
    if name not in FLAVOURS:
        raise ConfigError(f"board {board.key}: `flavour` must be one of {', '.join(FLAVOURS)}, got {name!r}")
    return FLAVOURS[name]


def _domain(board: Board) -> str:
    domain = board.options.get("domain")
    if not isinstance(domain, str) or not domain:
        raise ConfigError(f"board {board.key}: Eightfold boards need `domain` (e.g. domain = \"netflix.com\")")
    return domain


def _headers(board: Board) -> dict[str, str]:
    # Netflix's classic API is reported to refuse requests without the careers page as Referer.
    return {"Accept": "application/json", "Referer": f"https://{board.token}/careers"}


def _list_params(flavour: Flavour, domain: str, start: int, board: Board) -> dict[str, Any]:
    params = {"domain": domain, "start": start, "sort_by": "timestamp", "query": str(board.options.get("query", ""))}
    if flavour.name == "pcsx":
        return {**params, "location": ""}
    return {**params, "num": 10}


def _positions(ctx: FetchContext, board: Board, flavour: Flavour, domain: str, root: str) -> Iterator[dict[str, Any]]:
    url, seen, start = f"{root}/{flavour.list_path}", set[str](), 0
    while True:
        positions, count = _list_page(ctx, url, _list_params(flavour, domain, start, board), flavour, board)
        fresh = [p for p in positions if str(p["id"]) not in seen]
        if positions and not fresh:
            raise BadResponse(url, f"offset {start} repeated earlier positions (the listing wrapped around)")
        if not positions and OFFSET_CAP <= start < count:
            raise BadResponse(url, f"Eightfold stopped listing at offset {start:,} of {count:,} (its offset cap); "
                                   "narrow the board with `query`")
        seen.update(str(p["id"]) for p in fresh)
        yield from fresh
        start += len(positions)
        if not positions or start >= count:
            return  # an empty page below the cap: postings closed while paging


def _list_page(ctx: FetchContext, url: str, params: dict[str, Any], flavour: Flavour,
               board: Board) -> tuple[list[dict[str, Any]], int]:
    data = _get(ctx, url, params, board, flavour)
    body = as_dict(data.get("data") if flavour.name == "pcsx" else data)
    positions = body.get("positions")
    if not isinstance(positions, list) or not all(isinstance(p, dict) and "id" in p for p in positions):
        raise BadResponse(url, "no `positions` list of objects with an `id` in the response")
    count = body.get("count")
    return positions, count if isinstance(count, int) else 0


def _detail(ctx: FetchContext, board: Board, flavour: Flavour, domain: str, root: str,
            position_id: Any) -> dict[str, Any] | None:
    if flavour.name == "pcsx":
        url, params = f"{root}/{flavour.detail_path}", {"position_id": position_id, "domain": domain, "hl": "en"}
    else:
        url, params = f"{root}/{flavour.detail_path.format(id=quote(str(position_id)))}", {"domain": domain}
    try:
        return _get(ctx, url, params, board, flavour)
    except NotFound:
        log.info("%s: position %s closed between list and detail", board.key, position_id)
        return None


def _get(ctx: FetchContext, url: str, params: dict[str, Any], board: Board, flavour: Flavour) -> dict[str, Any]:
    try:
        data = ctx.client.get_json(url, params, expect=dict, headers=_headers(board))
    except FetchError as exc:
        if exc.status == 403 and "PCSX" in exc.reason:
            other = "apply_v2" if flavour.name == "pcsx" else "pcsx"
            raise FetchError(exc.url, f"{exc.reason} — this tenant wants flavour = \"{other}\"", 403) from exc
        raise
    if flavour.name == "pcsx":
        _check_envelope(url, data)
    return data


def _check_envelope(url: str, data: dict[str, Any]) -> None:
    """PCSX wraps answers in `{status, error{message}, data}`; an error there can come with HTTP 200."""
    error = as_dict(data.get("error"))
    if error.get("message") or data.get("status", 200) != 200:
        raise BadResponse(url, f"Eightfold answered {data.get('status')} with error {error.get('message')!r}")


# -- parsing -------------------------------------------------------------------------------------------

def _listed(item: dict[str, Any], flavour: Flavour, board: Board) -> Posting:
    title = item.get(flavour.title)
    if not isinstance(title, str) or not title.strip():
        raise ParseError(NAME, f"position {item['id']} has no `{flavour.title}`")
    posted_at = from_epoch_seconds(item.get(flavour.posted)) if item.get(flavour.posted) else None
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(item["id"]),
        title=normalize(title),
        text="",
        posted_at=posted_at,
        date_source=flavour.posted if posted_at else "",
        company=board.company or board.token,
        location=_location(item, flavour),
        url=_public_url(item, board),
        fingerprint=fingerprint(item, flavour),
    )


def _location(item: dict[str, Any], flavour: Flavour) -> str:
    places = item.get("standardizedLocations") if flavour.name == "pcsx" else None
    places = places or item.get("locations") or [item.get("location")]
    return normalize("; ".join(p for p in places if isinstance(p, str))) if isinstance(places, list) else ""


def _public_url(item: dict[str, Any], board: Board) -> str:
    canonical = item.get("canonicalPositionUrl")
    if isinstance(canonical, str) and canonical.startswith("http"):
        return canonical
    return f"https://{board.token}/careers/job/{item['id']}"


def _description(detail: Any, flavour: Flavour, item: dict[str, Any]) -> str:
    body = detail.get("data") if flavour.name == "pcsx" and isinstance(detail, dict) else detail
    if not isinstance(body, dict) or not isinstance(body.get(flavour.description), str):
        raise ParseError(NAME, f"position {item['id']}: the detail has no `{flavour.description}` text")
    if "id" in body and str(body["id"]) != str(item["id"]):
        raise ParseError(NAME, f"position {item['id']}: the detail is for position {body['id']}")
    return body[flavour.description]
