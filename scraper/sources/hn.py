"""Hacker News "Ask HN: Who is hiring?" threads through the Algolia HN API.

The `whoishiring` account posts one hiring thread a month (since April 2011) and, at the same minute,
"Who wants to be hired?" and "Freelancer? Seeking freelancer?" threads: only titles saying "Who is
hiring" are kept. Each top-level comment of a thread is one posting (replies are questions, not jobs);
deleted, dead and empty comments are skipped and counted. A whole thread comes in one request
(`/api/v1/items/{id}`, the nested tree), so threads of more than 1,000 comments are never cut at
Algolia's 1,000-hit search ceiling and comments are never fetched one by one.

A thread keeps growing for weeks, so the source is incremental (COMPLETE = False): `jobtone run` walks the
thread list newest first and fetches every thread posted within OPEN_DAYS (new comments and edits) plus
every thread newer than the newest one stored; with nothing stored it starts at the open threads and
leaves history to `jobtone backfill hn`. Each posting's `fingerprint` is its thread's story id, so the
store knows which threads it holds (`ctx.known()` for `run`, `stored_threads` for the backfill).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scraper.dates import ENGLISH_MONTHS, from_epoch_seconds, parse_iso
from scraper.errors import BadResponse, ParseError
from scraper.http import Client, HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources.base import Board, FetchContext, one_by_one
from scraper.text import as_str, html_to_text, normalize

NAME = "hn"
ROOT = "https://hn.algolia.com"
COMPLETE = False
# Algolia allows 10,000 requests an hour per IP; one at a time, two a second stays far below it.
HOST_LIMIT: HostLimit | None = HostLimit(concurrency=1, interval=0.5)

OPEN_DAYS = 45  # a thread still gets new posts (and edits) for about a month
LIST_PAGE = 1000  # 182 hiring threads (546 stories with the other two kinds) fit in one page
RUN_LIST_PAGE = 30  # `jobtone run` only needs the newest few threads
ITEM_URL = "https://news.ycombinator.com/item?id={}"

HIRING_TITLE = re.compile(r"\bwho\s+is\s+hiring\b", re.I)
TITLE_MONTH = re.compile(r"\((\w+)\s+(\d{4})\)")
MAX_COMPANY = 80  # a longer first segment is a sentence, not a company name
MAX_TITLE = 200


@dataclass(frozen=True)
class Thread:
    """One "Who is hiring?" story from the thread list."""

    story_id: int
    title: str
    posted_at: datetime
    month: str  # "YYYY-MM": the month in the title, else the month it was posted
    num_comments: int = 0

    def is_open(self, now: datetime) -> bool:
        return now - self.posted_at < timedelta(days=OPEN_DAYS)


@dataclass(frozen=True)
class ThreadPosts:
    """A thread item parsed: its postings and how many top-level comments were skipped."""

    story_id: int
    title: str
    postings: list[Posting]
    skipped: int


# -- fetch: HTTP and paging only ---------------------------------------------------------------------

def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """`jobtone run`: the thread items of open threads and of threads newer than the newest stored one."""
    stored = {int(v) for v in ctx.known().values() if str(v).isdigit()}
    for thread in threads_to_refresh(ctx.client, ctx.root, board.token, stored, ctx.now):
        yield fetch_thread(ctx.client, ctx.root, thread.story_id)


def threads_to_refresh(client: Client, root: str, author: str, stored: set[int], now: datetime) -> list[Thread]:
    """Newest first, the threads to fetch: every open one, and every closed one newer than the newest
    stored (HN ids grow with time); the list is read only down to the first closed thread that is not."""
    newest = max(stored, default=None)
    wanted: dict[int, Thread] = {}
    for thread in iter_threads(client, root, author, RUN_LIST_PAGE):
        if not thread.is_open(now) and (newest is None or thread.story_id <= newest):
            break
        wanted.setdefault(thread.story_id, thread)  # overlapping pages give a thread once
    return list(wanted.values())


def fetch_threads(client: Client, root: str, author: str = "whoishiring") -> list[Thread]:
    """Every hiring thread of `author`, oldest first, each once (pages of a search can overlap)."""
    unique = {t.story_id: t for t in iter_threads(client, root, author, LIST_PAGE)}
    return sorted(unique.values(), key=lambda t: t.posted_at)


def iter_threads(client: Client, root: str, author: str, per_page: int) -> Iterator[Thread]:
    """The author's hiring threads, newest first, page by page (stopping at an empty or last page)."""
    url = f"{root.rstrip('/')}/api/v1/search_by_date"
    page = 0
    while True:
        params = {"tags": f"story,author_{author}", "hitsPerPage": per_page, "page": page}
        data = client.get_json(url, params, expect=dict)
        if not isinstance(data.get("hits"), list):
            raise BadResponse(url, "no `hits` list in the search response")
        yield from parse_threads(data)
        page += 1
        if not data["hits"] or page >= (_int(data.get("nbPages"), 0) or 0):
            return


def fetch_thread(client: Client, root: str, story_id: int) -> dict[str, Any]:
    """One whole thread (story and nested comments) in one request."""
    url = f"{root.rstrip('/')}/api/v1/items/{story_id}"
    data = client.get_json(url, expect=dict)
    if not isinstance(data.get("children"), list):
        raise BadResponse(url, "no `children` list in the item")
    return data


# -- parse: pure ---------------------------------------------------------------------------------------

def parse(doc: Any, board: Board) -> list[Posting]:
    """A thread item → one Posting per live top-level comment."""
    return parse_thread(doc, board).postings


def records(doc: Any) -> list[tuple[str, Any]]:
    """Each top-level comment on its own (its id, the thread holding only it), so one bad comment is skipped alone."""
    return one_by_one(doc, "children", NAME, "id")


def parse_threads(doc: Any) -> list[Thread]:
    """A search response → its "Who is hiring?" threads (other stories of the account are dropped)."""
    hits = doc.get("hits") if isinstance(doc, dict) else None
    if not isinstance(hits, list):
        raise ParseError(NAME, "expected a search response with a `hits` list")
    threads = []
    for hit in hits:
        if not isinstance(hit, dict) or not HIRING_TITLE.search(as_str(hit.get("title"))):
            continue
        threads.append(_thread(hit))
    return threads


def parse_thread(doc: Any, board: Board) -> ThreadPosts:
    """A thread item → its postings and the count of deleted, dead or empty top-level comments."""
    if not isinstance(doc, dict) or not isinstance(doc.get("children"), list):
        raise ParseError(NAME, "expected a thread item with a `children` list")
    story_id = _int(doc.get("id"), None)
    if story_id is None:
        raise ParseError(NAME, "a thread item without an `id`")
    postings, skipped = [], 0
    for child in doc["children"]:
        posting = _comment_posting(child, story_id, board)
        if posting is None:
            skipped += 1
        else:
            postings.append(posting)
    return ThreadPosts(story_id, normalize(as_str(doc.get("title"))), postings, skipped)


def month_in_range(month: str, since: str | None, until: str | None) -> bool:
    """Whether "YYYY-MM" lies in the inclusive range (either end open)."""
    return (since is None or month >= since) and (until is None or month <= until)


def company_and_title(first_line: str) -> tuple[str, str]:
    """The `Company | Role | Location | …` header → (company, title); company is "" without the convention."""
    title = first_line[:MAX_TITLE].strip()
    if "|" not in first_line:
        return "", title
    company = first_line.split("|", 1)[0].strip()
    return (company if 0 < len(company) <= MAX_COMPANY else ""), title


def _thread(hit: Mapping[str, Any]) -> Thread:
    story_id = _int(hit.get("objectID"), None) or _int(hit.get("story_id"), None)
    posted_at = from_epoch_seconds(hit.get("created_at_i")) or parse_iso(as_str(hit.get("created_at")))
    if story_id is None or posted_at is None:
        raise ParseError(NAME, f"a thread without an id or date: {hit.get('title')!r}")
    title = normalize(as_str(hit.get("title")))
    return Thread(story_id, title, posted_at, _title_month(title) or f"{posted_at:%Y-%m}",
                  _int(hit.get("num_comments"), 0) or 0)


def _title_month(title: str) -> str:
    match = TITLE_MONTH.search(title)
    month = ENGLISH_MONTHS.get(match.group(1).lower()) if match else None
    return f"{match.group(2)}-{month:02d}" if match and month else ""


def _comment_posting(child: Any, story_id: int, board: Board) -> Posting | None:
    """A top-level comment → Posting; None for deleted, dead, empty or malformed comments."""
    if not isinstance(child, dict) or child.get("deleted") or child.get("dead"):
        return None
    comment_id = _int(child.get("id"), None)
    text = html_to_text(as_str(child.get("text")))
    if comment_id is None or not text or child.get("type", "comment") != "comment":
        return None
    posted_at, date_source = _comment_date(child)
    company, title = company_and_title(text.split("\n", 1)[0])
    record = {k: v for k, v in child.items() if k != "children"}  # replies are not part of the posting
    return Posting(
        source=NAME, board=board.token, external_id=str(comment_id), title=title, text=text,
        posted_at=posted_at, date_source=date_source, company=company, url=ITEM_URL.format(comment_id),
        raw=raw_json(record), fingerprint=str(story_id))


def _comment_date(child: Mapping[str, Any]) -> tuple[datetime | None, str]:
    when = from_epoch_seconds(child.get("created_at_i"))
    if when is not None:
        return when, "created_at_i"
    when = parse_iso(as_str(child.get("created_at")))
    return (when, "created_at") if when else (None, "")


def _int(value: Any, default: int | None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return default
