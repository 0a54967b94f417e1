"""Workday career sites (NVIDIA, Salesforce, Adobe, Zoom, ...) through the CXS JSON their pages call.

    POST {root}/wday/cxs/{tenant}/{site}/jobs   body {"appliedFacets": {}, "limit": 20, "offset": N, "searchText": ""}
    GET  {root}/wday/cxs/{tenant}/{site}{externalPath}   → jobPostingInfo {jobDescription, startDate, ...}

Board: `token = "nvidia.wd5/nvidia/NVIDIAExternalCareerSite"` (host, tenant, site; a bare `x.wdN` host
gets `.myworkdayjobs.com`), or the careers URL `https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite`.
Option `search` sets `searchText`.

Root rule: ROOT is the template "https://{host}", `{host}` replaced by the board's host. `[api] workday`
(with or without `{host}`) overrides it for every Workday board; a test server serves all tenants on one
root because the tenant and site are in the path.

Traps: `limit` above 20 is an error; `total` is only meaningful on the first page; big tenants clamp
`total` at 2,000 and offsets from 2,000 on silently wrap to the first page. So a query reporting 2,000
or more is split by one of its facets (job family first), recursively, each part paged on its own and
postings deduplicated on `externalPath`; a page that only repeats earlier rows is a wrap and fails loudly.
The list's `postedOn` ("Posted 30+ Days Ago") is relative prose and never stored as a date: the posting
date is the detail's `startDate`, one request per new or changed posting (unchanged ones are yielded
`seen_only`, the list's title/location/req id being the fingerprint).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from scraper.dates import parse_iso
from scraper.errors import BadResponse, ConfigError, NotFound, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, as_list, each, record_id
from scraper.text import as_str, html_to_text, normalize

log = logging.getLogger(__name__)

NAME = "workday"
ROOT = "https://{host}"
COMPLETE = True
HOST_LIMIT: HostLimit | None = HostLimit(1, 1.0)

PAGE_SIZE = 20  # larger limits are refused
CAP = 2000  # totals clamp here and deeper offsets wrap around
MAX_SPLIT_DEPTH = 3
# Facets that put every posting in exactly one bucket come first; location facets can overlap.
SPLIT_FACETS = ("jobFamilyGroup", "timeType", "workerSubType", "locationCountry", "Location_Country", "locations")
_LOCALE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2})?$")


@dataclass(frozen=True)
class Tenant:
    host: str
    tenant: str
    site: str

    @property
    def cxs(self) -> str:
        return f"wday/cxs/{self.tenant}/{self.site}"


def tenant_of(token: str) -> Tenant:
    """`host/tenant/site` or a careers URL → Tenant; anything else is a ConfigError."""
    if token.startswith(("http://", "https://")):
        parts = urlsplit(token)
        segments = [s for s in parts.path.split("/") if s and not _LOCALE.match(s)]
        if parts.netloc and segments:
            return Tenant(parts.netloc, parts.netloc.split(".")[0], segments[-1])
    else:
        pieces = [p for p in token.split("/") if p]
        if len(pieces) == 3:
            host = pieces[0] if "myworkdayjobs" in pieces[0] or pieces[0].count(".") > 1 else f"{pieces[0]}.myworkdayjobs.com"
            return Tenant(host, pieces[1], pieces[2])
    raise ConfigError(f"workday token must be HOST/TENANT/SITE (e.g. nvidia.wd5/nvidia/NVIDIAExternalCareerSite) "
                      f"or the careers URL, got {token!r}")


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """Per posting: `{"item": list row, "detail": job detail or None when the list says nothing changed}`."""
    tenant = tenant_of(board.token)
    root = ctx.root.replace("{host}", tenant.host).rstrip("/")
    ctx.client.limit_host(urlsplit(root).netloc, HOST_LIMIT or HostLimit())
    known, seen = ctx.known(), set()
    for item in _items(ctx, f"{root}/{tenant.cxs}/jobs", {}, str(board.options.get("search", ""))):
        path = item["externalPath"]
        if path in seen:  # facet parts can overlap
            continue
        seen.add(path)
        if known.get(path) == fingerprint(item):
            yield {"item": item, "detail": None}
            continue
        detail = _detail(ctx, f"{root}/{tenant.cxs}{path}", board)
        if detail is not None:
            yield {"item": item, "detail": detail}


def parse(doc: Any, board: Board) -> list[Posting]:
    """One posting document → its Posting (`seen_only` when no detail was fetched)."""
    item = doc.get("item") if isinstance(doc, dict) else None
    if not isinstance(item, dict) or not _is_path(item.get("externalPath")):
        raise ParseError(NAME, "expected {item: {externalPath, ...}, detail} from workday.fetch")
    posting = each(NAME, [item], lambda item: _listed(item, board, raw_json(doc)))[0]
    if doc.get("detail") is None:
        return [replace(posting, seen_only=True)]
    return [_with_detail(posting, doc["detail"], item["externalPath"])]


def records(doc: Any) -> list[tuple[str, Any]]:
    """A document is one posting: itself, with its id, so a bad one is skipped alone."""
    item = doc.get("item") if isinstance(doc, dict) else None
    return [(record_id(item, "externalPath"), doc)]


def fingerprint(item: Mapping[str, Any]) -> str:
    """What the list says about a posting, minus `postedOn` (which changes every day by itself)."""
    bullets = as_list(item.get("bulletFields"))
    return "|".join([str(item.get("title")), str(item.get("locationsText")), *map(str, bullets)])


def split_facet(facets: Any, applied: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """The facet to split a too-big query by, and its value ids; None when no facet can split it."""
    candidates = {name: values for name, values in _flat_facets(facets) if name not in applied and len(values) > 1}
    for name in (*SPLIT_FACETS, *candidates):
        if name in candidates:
            return name, candidates[name]
    return None


# -- fetching ------------------------------------------------------------------------------------------

def _items(ctx: FetchContext, url: str, applied: dict[str, list[str]], search: str, depth: int = 0) -> Iterator[dict[str, Any]]:
    first = _page(ctx, url, applied, 0, search)
    total = first.get("total")
    if not isinstance(total, int):
        raise BadResponse(url, "the first page has no `total`")
    if total < CAP:
        yield from _query(ctx, url, applied, search, first, total)
        return
    split = split_facet(first.get("facets"), applied) if depth < MAX_SPLIT_DEPTH else None
    if split is None:
        raise BadResponse(url, f"{total:,}+ postings for {applied or 'the whole site'} and no facet left to split by")
    name, value_ids = split
    log.info("workday: %s reports %d (clamped); splitting by %s into %d parts", url, total, name, len(value_ids))
    for value_id in value_ids:
        yield from _items(ctx, url, {**applied, name: [value_id]}, search, depth + 1)


def _query(ctx: FetchContext, url: str, applied: dict[str, list[str]], search: str, page: dict[str, Any],
           total: int) -> Iterator[dict[str, Any]]:
    offset, seen = 0, set[str]()
    while True:
        rows = page["jobPostings"]
        fresh = [row for row in rows if row["externalPath"] not in seen]
        if rows and not fresh:
            raise BadResponse(url, f"offset {offset} only repeated earlier rows: Workday wrapped around")
        seen.update(row["externalPath"] for row in fresh)
        yield from fresh
        offset += PAGE_SIZE
        if not rows or offset >= total:
            return
        page = _page(ctx, url, applied, offset, search)


def _page(ctx: FetchContext, url: str, applied: dict[str, list[str]], offset: int, search: str) -> dict[str, Any]:
    body = {"appliedFacets": applied, "limit": PAGE_SIZE, "offset": offset, "searchText": search}
    data = ctx.client.post_json(url, body, expect=dict, headers={"Accept": "application/json"})
    rows = data.get("jobPostings")
    if not isinstance(rows, list) or not all(isinstance(r, dict) and _is_path(r.get("externalPath")) for r in rows):
        raise BadResponse(url, f"no `jobPostings` list of rows with an `externalPath` at offset {offset}")
    return data


def _detail(ctx: FetchContext, url: str, board: Board) -> dict[str, Any] | None:
    try:
        return ctx.client.get_json(url, expect=dict, headers={"Accept": "application/json"})
    except NotFound:
        log.info("%s: %s closed between list and detail", board.key, url)
        return None


def _flat_facets(facets: Any) -> Iterator[tuple[str, list[str]]]:
    """(facetParameter, value ids) of every facet, nested facet groups included."""
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, dict) or not isinstance(facet.get("values"), list):
            continue
        values = [v for v in facet["values"] if isinstance(v, dict)]
        yield from _flat_facets([v for v in values if "facetParameter" in v])
        ids = [str(v["id"]) for v in values if "id" in v and v.get("count", 1)]
        if ids and isinstance(facet.get("facetParameter"), str):
            yield facet["facetParameter"], ids


# -- parsing -------------------------------------------------------------------------------------------

def _listed(item: dict[str, Any], board: Board, raw: str) -> Posting:
    try:
        tenant = tenant_of(board.token)
    except ConfigError as exc:
        raise ParseError(NAME, str(exc)) from exc
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ParseError(NAME, f"{item['externalPath']}: a list row without a `title`")
    return Posting(
        source=NAME,
        board=board.token,
        external_id=item["externalPath"],
        title=normalize(title),
        text="",
        posted_at=None,  # `postedOn` is relative prose; the date comes from the detail
        company=board.company or tenant.tenant,
        location=normalize(as_str(item.get("locationsText"))),
        url=f"https://{tenant.host}/{tenant.site}{item['externalPath']}",
        raw=raw,
        fingerprint=fingerprint(item),
    )


def _with_detail(posting: Posting, detail: Any, path: str) -> Posting:
    info = detail.get("jobPostingInfo") if isinstance(detail, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("jobDescription"), str):
        raise ParseError(NAME, f"{path}: the detail has no `jobPostingInfo.jobDescription`")
    external_url = as_str(info.get("externalUrl"))
    if external_url and not external_url.endswith(path):
        raise ParseError(NAME, f"{path}: the detail is for {external_url}")
    posted_at = parse_iso(info.get("startDate"))
    return replace(
        posting,
        title=normalize(as_str(info.get("title"))) or posting.title,
        text=html_to_text(info["jobDescription"]),
        posted_at=posted_at,
        date_source="startDate" if posted_at else "",
        location=_detail_location(info) or posting.location,
        url=external_url or posting.url,
    )


def _detail_location(info: dict[str, Any]) -> str:
    extra = as_list(info.get("additionalLocations"))
    places = [p for p in [info.get("location"), *extra] if isinstance(p, str) and p.strip()]
    return normalize("; ".join(places))


def _is_path(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/")
