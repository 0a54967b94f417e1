"""Lever Postings API: one GET returns a whole site as a bare JSON list of postings.

`descriptionPlain` holds neither the requirement bullets (`lists[]`) nor `additional`, so the text is
`descriptionPlain` + every list heading and its HTML bullets. `additional`/`additionalPlain` is mostly the
employer's EEO/benefits paragraph repeated on every posting, so it is kept as `boilerplate`.
`createdAt` is epoch milliseconds (an int now, a quoted string in older responses).

EU customers answer only on the EU host: board option `eu = true` uses `[api] lever_eu`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scraper.dates import from_epoch_millis
from scraper.errors import ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, as_dict, each, objects, one_by_one
from scraper.text import as_str, html_to_text, normalize

NAME = "lever"
ROOT = "https://api.lever.co"
EU_ROOT = "https://api.eu.lever.co"
COMPLETE = True
HOST_LIMIT: HostLimit | None = None  # one request per site; only the application POST is rate limited


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The site's postings in one request (a 200 that is not a list is BadResponse; 404 is NotFound)."""
    root = ctx.api.get("lever_eu", EU_ROOT) if board.options.get("eu") else ctx.root
    url = f"{root.rstrip('/')}/v0/postings/{quote(board.token, safe='')}"
    yield ctx.client.get_json(url, {"mode": "json"}, expect=list)


def parse(doc: Any, board: Board) -> list[Posting]:
    """The list of postings → one Posting each."""
    return each(NAME, objects(doc, None, NAME), lambda item: _posting(item, board))


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each posting on its own (its id, a list holding only it), so one bad posting is skipped alone."""
    return one_by_one(doc, None, NAME, "id")


def posting_text(item: dict[str, Any]) -> str:
    """The description, then each list's heading and bullets (which `descriptionPlain` leaves out)."""
    parts = [normalize(as_str(item.get("descriptionPlain"))) or html_to_text(as_str(item.get("description")))]
    for block in item.get("lists") or []:
        if isinstance(block, dict):
            parts += [normalize(as_str(block.get("text"))), html_to_text(as_str(block.get("content")))]
    return "\n".join(part for part in parts if part)


def _posting(item: dict[str, Any], board: Board) -> Posting:
    if not item.get("id"):
        raise ParseError(NAME, "a posting without an `id`")
    categories = as_dict(item.get("categories"))
    posted_at = from_epoch_millis(item.get("createdAt"))
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(item["id"]),
        title=normalize(as_str(item.get("text"))),
        text=posting_text(item),
        posted_at=posted_at,
        date_source="createdAt" if posted_at else "",
        company=board.company or board.token,
        location=normalize(as_str(categories.get("location"))),
        url=as_str(item.get("hostedUrl")),
        boilerplate=normalize(as_str(item.get("additionalPlain"))) or html_to_text(as_str(item.get("additional"))),
        raw=raw_json(item),
    )
