"""SmartRecruiters Posting API: a paged list of a company's postings, and one detail request per
posting for its text (`jobAd.sections.*.text`, HTML).

Details are fetched only for postings that are new or changed: the list item's `fingerprint` is
compared with what the store holds (`ctx.known()`); unchanged postings are yielded as seen-only
records, so a daily run of a 500-posting company costs a few list pages instead of 500 requests.
The list carries no update time, so a job-ad edit that keeps `releasedDate`, `jobAdId` and the title
is not noticed until one of them changes.

`fetch` yields one document per posting, `{"item": list item, "detail": detail or None}`; a None detail
means "unchanged". `companyDescription` repeats on every posting and is kept as `boilerplate`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scraper.dates import parse_iso
from scraper.errors import BadResponse, NotFound, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, as_dict, each, record_id
from scraper.text import as_str, html_to_text, normalize

log = logging.getLogger(__name__)

NAME = "smartrecruiters"
ROOT = "https://api.smartrecruiters.com"
COMPLETE = True
HOST_LIMIT: HostLimit | None = HostLimit(concurrency=1, interval=0.5)  # a first run is one request per posting
PAGE_SIZE = 100  # the API's maximum
TEXT_SECTIONS = ("jobDescription", "qualifications", "additionalInformation")
BOILERPLATE_SECTIONS = ("companyDescription",)
FINGERPRINT_FIELDS = ("releasedDate", "jobAdId", "name")


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """Every listed posting, with its detail when it is new or its fingerprint changed."""
    known = ctx.known()
    for item in _list_items(ctx, board):
        posting_id = str(item["id"])
        if known.get(posting_id) == fingerprint(item):
            yield {"item": item, "detail": None}
            continue
        detail = _detail(ctx, board, posting_id)
        if detail is not None:
            yield {"item": item, "detail": detail}


def parse(doc: Any, board: Board) -> list[Posting]:
    """One `{"item", "detail"}` document → its Posting (seen-only when the detail is None)."""
    item = doc.get("item") if isinstance(doc, dict) else None
    detail = doc.get("detail") if isinstance(doc, dict) else None
    if not isinstance(item, dict) or not item.get("id") or not isinstance(detail, (dict, type(None))):
        raise ParseError(NAME, "expected {'item': list item with an id, 'detail': object or null}")
    return each(NAME, [item], lambda item: _seen_only(item, board) if detail is None else _full(item, detail, board, doc))


def records(doc: Any) -> list[tuple[str, Any]]:
    """A document is one posting: itself, with its id, so a bad one is skipped alone."""
    item = doc.get("item") if isinstance(doc, dict) else None
    return [(record_id(item, "id"), doc)]


def fingerprint(item: Any) -> str:
    """What the list says about a posting that changes when it is re-published or re-titled."""
    if not isinstance(item, dict):
        return ""
    return "|".join(str(item.get(field) or "") for field in FINGERPRINT_FIELDS)


def _list_items(ctx: FetchContext, board: Board) -> Iterator[dict[str, Any]]:
    url = ctx.url(f"v1/companies/{quote(board.token, safe='')}/postings")
    offset = 0
    while True:
        page = ctx.client.get_json(url, {"limit": PAGE_SIZE, "offset": offset}, expect=dict)
        content = page.get("content")
        if not isinstance(content, list) or not all(isinstance(i, dict) and i.get("id") for i in content):
            raise BadResponse(url, "no `content` list of postings with ids in the response")
        yield from content
        offset += len(content)
        if not content or offset >= _total(page):
            return


def _total(page: dict[str, Any]) -> int:
    try:
        return int(page.get("totalFound"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0  # unknown: stop after this page rather than loop


def _detail(ctx: FetchContext, board: Board, posting_id: str) -> dict[str, Any] | None:
    url = ctx.url(f"v1/companies/{quote(board.token, safe='')}/postings/{quote(posting_id, safe='')}")
    try:
        return ctx.client.get_json(url, expect=dict)  # type: ignore[no-any-return]
    except NotFound:
        # closed between the list and the detail request: it is gone, so leave it out
        log.info("%s: posting %s disappeared before its detail was fetched", board.key, posting_id)
        return None


def _common(item: dict[str, Any], board: Board) -> dict[str, Any]:
    posted_at = parse_iso(item.get("releasedDate"))
    return {
        "source": NAME,
        "board": board.token,
        "external_id": str(item["id"]),
        "title": normalize(as_str(item.get("name"))),
        "posted_at": posted_at,
        "date_source": "releasedDate" if posted_at else "",
        "location": _location(item.get("location")),
        "fingerprint": fingerprint(item),
    }


def _seen_only(item: dict[str, Any], board: Board) -> Posting:
    return Posting(**_common(item, board), text="", company=board.company or board.token,
                   url=_public_url(item, board), raw=raw_json(item), seen_only=True)


def _full(item: dict[str, Any], detail: dict[str, Any], board: Board, doc: Any) -> Posting:
    sections = detail.get("jobAd", {}).get("sections") or {}
    company = as_dict(detail.get("company"))
    return Posting(
        **_common(item, board),
        text=_sections_text(sections, TEXT_SECTIONS),
        boilerplate=_sections_text(sections, BOILERPLATE_SECTIONS),
        company=board.company or normalize(as_str(company.get("name"))) or board.token,
        url=as_str(detail.get("postingUrl")) or _public_url(item, board),
        raw=raw_json(doc),
    )


def _public_url(item: dict[str, Any], board: Board) -> str:
    # the list has no page URL; other clients build this one (the detail's `postingUrl` adds a slug)
    return f"https://jobs.smartrecruiters.com/{quote(board.token)}/{quote(str(item['id']))}"


def _sections_text(sections: dict[str, Any], names: tuple[str, ...]) -> str:
    parts = (html_to_text(as_str(sections.get(name, {}).get("text"))) for name in names if sections.get(name))
    return "\n".join(part for part in parts if part)


def _location(location: Any) -> str:
    if not isinstance(location, dict):
        return ""
    full = as_str(location.get("fullLocation"))
    parts = (as_str(location.get(key)) for key in ("city", "region", "country"))
    return normalize(full or ", ".join(part for part in parts if part))
