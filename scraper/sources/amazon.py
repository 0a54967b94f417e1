"""Amazon's own job search JSON (`GET www.amazon.jobs/en/search.json`): full text in the list.

Every job in the list carries its whole wording in three HTML fields (`description`,
`basic_qualifications`, `preferred_qualifications`); the EEO/accommodation paragraphs Amazon appends to
every posting are cut out into `boilerplate`. `posted_date` reads like `"July  2, 2026"` (space-padded
day); `updated_time` is crawl-relative prose ("28 days") and is never stored as a date.

Traps, all answered with HTTP 200: errors arrive in the body's `error` field (raised as BadResponse);
`result_limit` above 100 returns nothing; `hits` saturates at 10,000 and offsets past it return nothing.
So a board of more than 10,000 postings is crawled in slices: one request asks for the facet counts,
then every `business_category[]` is paged on its own, and a category still too big is split again by
`normalized_country_code[]`. Slices by country can overlap; jobs are deduplicated on `id_icims`.

Board: `token` is a label (the default config uses "amazon"); option `query` sets `base_query`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from scraper.dates import parse_english_long_date
from scraper.errors import BadResponse, ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, each, objects, one_by_one
from scraper.text import as_str, html_to_text, normalize

NAME = "amazon"
ROOT = "https://www.amazon.jobs"
COMPLETE = True
HOST_LIMIT: HostLimit | None = HostLimit(1, 1.0)

PUBLIC_SITE = "https://www.amazon.jobs"
SEARCH_PATH = "en/search.json"
PAGE_SIZE = 100  # the server's cap on result_limit
WINDOW = 10_000  # hits saturate here; offsets beyond it answer with an error
CATEGORY, COUNTRY = "business_category", "normalized_country_code"
TEXT_FIELDS = ("description", "basic_qualifications", "preferred_qualifications")
# The paragraphs appended to every posting; the earliest one found starts the boilerplate.
EEO_MARKERS = (
    "Our inclusive culture empowers Amazonians",
    "Amazon is an equal opportunit",
    "Amazon is committed to a diverse and inclusive workplace",
)

Params = Mapping[str, Any]


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """Search pages covering the whole board, each job yielded once across overlapping slices."""
    seen: set[str] = set()
    for slice_params in board_slices(ctx, board):
        for page in _slice_pages(ctx, board, slice_params):
            yield _without_seen(page, seen)


def board_slices(ctx: FetchContext, board: Board) -> list[Params]:
    """Filters that split the board into searches of fewer than 10,000 hits each."""
    overview = _facet_search(ctx, board, {}, CATEGORY)
    if overview["hits"] < WINDOW:
        return [{}]
    slices: list[Params] = []
    for slug, count in facet_counts(ctx, overview, CATEGORY).items():
        one = {f"{CATEGORY}[]": slug}
        if count < WINDOW:
            slices.append(one)
            continue
        for code, size in facet_counts(ctx, _facet_search(ctx, board, one, COUNTRY), COUNTRY).items():
            if size >= WINDOW:
                raise BadResponse(ctx.url(SEARCH_PATH), f"{slug!r} jobs in {code} alone number {size:,}: over the 10,000 window")
            slices.append({**one, f"{COUNTRY}[]": code})
    return slices


def facet_counts(ctx: FetchContext, data: dict[str, Any], facet: str) -> dict[str, int]:
    """{value: count} of one facet in a search response (asked for with `facets[]`)."""
    facets = data.get("facets")
    buckets = facets.get(f"{facet}_facet") if isinstance(facets, dict) else None
    if not isinstance(buckets, list):
        raise BadResponse(ctx.url(SEARCH_PATH), f"no `{facet}_facet` counts in the response")
    counts: dict[str, int] = {}
    for bucket in buckets:  # each bucket is a one-entry object {value: count}
        for value, count in (bucket.items() if isinstance(bucket, dict) else ()):
            counts[str(value)] = count if isinstance(count, int) else 0
    return counts


def parse(doc: Any, board: Board) -> list[Posting]:
    """A search response → one Posting per job."""
    if not isinstance(doc, dict) or doc.get("error"):
        raise ParseError(NAME, f"not a successful search response: {_error_of(doc)}")
    return each(NAME, objects(doc, "jobs", NAME), lambda job: _posting(job, board))


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each job of a successful search on its own (its id, the response holding only it)."""
    if not isinstance(doc, dict) or doc.get("error"):
        raise ParseError(NAME, f"not a successful search response: {_error_of(doc)}")
    return one_by_one(doc, "jobs", NAME, "id_icims")


def split_boilerplate(markup: str) -> tuple[str, str]:
    """(posting text, appended EEO/accommodation text) of a posting's HTML."""
    found = [at for at in (markup.find(marker) for marker in EEO_MARKERS) if at >= 0]
    cut = min(found, default=len(markup))
    return html_to_text(markup[:cut]), html_to_text(markup[cut:])


# -- fetching ------------------------------------------------------------------------------------------

def search(ctx: FetchContext, params: Params) -> dict[str, Any]:
    """One search request; an `error` inside the HTTP 200 body is a BadResponse."""
    url = ctx.url(SEARCH_PATH)
    data = ctx.client.get_json(url, params, expect=dict)
    if data.get("error"):
        raise BadResponse(url, f"Amazon answered HTTP 200 with an error: {data['error']}")
    if not isinstance(data.get("jobs"), list) or not isinstance(data.get("hits"), int):
        raise BadResponse(url, "no `jobs` list or `hits` count in the response")
    return data


def _base_params(board: Board) -> dict[str, Any]:
    return {"base_query": str(board.options.get("query", "")), "sort": "recent"}


def _facet_search(ctx: FetchContext, board: Board, filters: Params, facet: str) -> dict[str, Any]:
    return search(ctx, {**_base_params(board), **filters, "offset": 0, "result_limit": 1, "facets[]": facet})


def _slice_pages(ctx: FetchContext, board: Board, slice_params: Params) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = search(ctx, {**_base_params(board), **slice_params, "offset": offset, "result_limit": PAGE_SIZE})
        if page["hits"] >= WINDOW:
            raise BadResponse(ctx.url(SEARCH_PATH), f"a slice {dict(slice_params)} still has 10,000+ hits")
        yield page
        offset += PAGE_SIZE
        if len(page["jobs"]) < PAGE_SIZE or offset >= page["hits"]:
            return


def _without_seen(page: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    fresh = []
    for job in page["jobs"]:
        key = str(job.get("id_icims")) if isinstance(job, dict) else ""
        if key and key in seen:
            continue
        seen.add(key)
        fresh.append(job)
    return {**page, "jobs": fresh}


# -- parsing -------------------------------------------------------------------------------------------

def _posting(job: dict[str, Any], board: Board) -> Posting:
    external_id, title = job.get("id_icims"), as_str(job.get("title"))
    if not isinstance(external_id, (str, int)) or not str(external_id).strip() or not title:
        raise ParseError(NAME, f"a job without `id_icims` or `title`: {str(job)[:120]}")
    text, boilerplate = split_boilerplate("<br/>".join(as_str(job.get(field)) for field in TEXT_FIELDS))
    posted_at = parse_english_long_date(job.get("posted_date"))
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(external_id).strip(),
        title=normalize(title),
        text=text,
        posted_at=posted_at,
        date_source="posted_date" if posted_at else "",
        company=board.company or "Amazon",
        location=normalize(as_str(job.get("normalized_location")) or as_str(job.get("location"))),
        url=_public_url(job, str(external_id).strip()),
        boilerplate=boilerplate,
        raw=raw_json(job),
    )


def _public_url(job: dict[str, Any], external_id: str) -> str:
    path = as_str(job.get("job_path"))
    return PUBLIC_SITE + path if path.startswith("/") else f"{PUBLIC_SITE}/en/jobs/{external_id}"


def _error_of(doc: Any) -> str:
    return str(doc.get("error")) if isinstance(doc, dict) else f"a {type(doc).__name__}"
