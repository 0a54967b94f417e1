"""Recruitee careers-site API: `GET https://{company}.recruitee.com/api/offers/` returns every open offer.

The host is per company, so ROOT holds a `{token}` placeholder. A configured root without one (a test
server, a mirror) serves every company under `{root}/{token}/api/offers/`. The text is `description` +
`requirements` (HTML). Dates look like `2026-08-05 09:41:37 UTC` (not ISO 8601); `published_at` is
preferred, `created_at` is the fallback and is recorded as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scraper.dates import first_date
from scraper.errors import ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, each, listed, objects, one_by_one
from scraper.text import as_str, html_to_text, normalize

NAME = "recruitee"
ROOT = "https://{token}.recruitee.com"
COMPLETE = True
HOST_LIMIT: HostLimit | None = None  # one request per company, each on its own host
TEXT_FIELDS = ("description", "requirements")
DATE_FIELDS = ("published_at", "created_at")  # in order of trust


def offers_url(root: str, token: str) -> str:
    """The offers endpoint for one company under `root` (with or without a `{token}` placeholder)."""
    token = quote(token, safe="")
    if "{token}" in root:
        return root.replace("{token}", token).rstrip("/") + "/api/offers/"
    return f"{root.rstrip('/')}/{token}/api/offers/"


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The company's open offers in one request."""
    url = offers_url(ctx.root, board.token)
    yield listed(ctx.client.get_json(url, expect=dict), "offers", url)


def parse(doc: Any, board: Board) -> list[Posting]:
    """The offers response → one Posting per offer."""
    return each(NAME, objects(doc, "offers", NAME), lambda offer: _posting(offer, board))


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each offer on its own (its id, the response holding only it), so one bad offer is skipped alone."""
    return one_by_one(doc, "offers", NAME, "id")


def _posting(offer: dict[str, Any], board: Board) -> Posting:
    if offer.get("id") is None:
        raise ParseError(NAME, "an offer without an `id`")
    posted_at, date_source = first_date(offer, DATE_FIELDS)
    texts = (html_to_text(as_str(offer.get(field))) for field in TEXT_FIELDS)
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(offer["id"]),
        title=normalize(as_str(offer.get("title"))),
        text="\n".join(text for text in texts if text),
        posted_at=posted_at,
        date_source=date_source,
        company=board.company or normalize(as_str(offer.get("company_name"))) or board.token,
        location=normalize(as_str(offer.get("location"))),
        url=as_str(offer.get("careers_url")),
        raw=raw_json(offer),
    )
