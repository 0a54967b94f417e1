"""Workable: the public careers-widget API (v1), one GET per account, descriptions included.

`GET /api/v1/widget/accounts/{account}?details=true` → `{name, description, jobs[]}`. With
`details=true` each job carries its HTML `description` (and, per other clients, `requirements` and
`benefits`); the account-level `description` is the company blurb shown above every job, kept as
`boilerplate`. `published_on` and `created_at` are dates without a time.

The v1 list repeats a job once per location (same `shortcode`, different `country`/`city`); those
entries are merged into one posting whose location lists them all.

Why v1 and not v3: the hosted board uses `POST /api/v3/accounts/{account}/jobs`, which returns
`{total, results[]}` with `id, shortcode, title, location, locations, published` (ISO, midnight UTC),
`department, workplace` but no description at all, and pages by cursor about ten jobs at a time; its
text would cost one more request per job. v1 gives the whole board with text in one request. One other
project reported v1 answering with an empty `jobs` list in 2026-07 (unverified); an empty board from
this source deserves a second look before trusting it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scraper.dates import first_date
from scraper.errors import ParseError
from scraper.http import HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import (
    Board,
    FetchContext,
    each,
    listed,
    objects,
    record_id,
    record_list,
)
from scraper.text import as_str, html_to_text, normalize

NAME = "workable"
ROOT = "https://apply.workable.com"
COMPLETE = True
HOST_LIMIT: HostLimit | None = None  # one request per account
TEXT_FIELDS = ("description", "requirements", "benefits")
DATE_FIELDS = ("published_on", "created_at")  # in order of trust


def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The account's jobs with their descriptions, in one request."""
    url = ctx.url(f"api/v1/widget/accounts/{quote(board.token, safe='')}")
    yield listed(ctx.client.get_json(url, {"details": "true"}, expect=dict), "jobs", url)


def parse(doc: Any, board: Board) -> list[Posting]:
    """The widget response → one Posting per job shortcode (per-location repeats merged)."""
    jobs = objects(doc, "jobs", NAME)
    if not all(job.get("shortcode") for job in jobs):
        raise ParseError(NAME, "expected an object with a `jobs` list of objects with a `shortcode`")
    boilerplate = html_to_text(as_str(doc.get("description")))
    company = board.company or normalize(as_str(doc.get("name"))) or board.token
    return each(NAME, _by_shortcode(jobs).values(), lambda group: _posting(group, board, company, boilerplate))


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each shortcode's jobs on their own (the shortcode, the response holding only them)."""
    return [(code, {**doc, "jobs": group}) for code, group in _by_shortcode(record_list(doc, "jobs", NAME)).items()]


def _by_shortcode(jobs: list[Any]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for job in jobs:
        groups.setdefault(record_id(job, "shortcode"), []).append(job)
    return groups


def _posting(group: list[dict[str, Any]], board: Board, company: str, boilerplate: str) -> Posting:
    job = group[0]
    posted_at, date_source = first_date(job, DATE_FIELDS)
    texts = (html_to_text(as_str(job.get(field))) for field in TEXT_FIELDS)
    return Posting(
        source=NAME,
        board=board.token,
        external_id=str(job["shortcode"]),
        title=normalize(as_str(job.get("title"))),
        text="\n".join(text for text in texts if text),
        posted_at=posted_at,
        date_source=date_source,
        company=company,
        location="; ".join(dict.fromkeys(loc for entry in group for loc in _locations(entry))),
        url=as_str(job.get("url")) or as_str(job.get("shortlink")) or as_str(job.get("application_url")),
        boilerplate=boilerplate,
        raw=raw_json(job if len(group) == 1 else group),  # every repeat, so no location is lost
    )


def _locations(job: dict[str, Any]) -> list[str]:
    entries = [loc for loc in job.get("locations") or [] if isinstance(loc, dict) and not loc.get("hidden")]
    if not entries:  # older responses only have the flat fields
        entries = [{"city": job.get("city"), "region": job.get("state"), "country": job.get("country")}]
    return [place for place in map(_place, entries) if place]


def _place(entry: dict[str, Any]) -> str:
    parts = (as_str(entry.get(key)) for key in ("city", "region", "country"))
    return normalize(", ".join(part for part in parts if part))
