"""Career pages that carry schema.org JobPosting JSON-LD: the `[[page]]` config entries.

A `[[page]]` is either one job page (`url = "https://example.com/jobs/123"`) or a listing page plus a
`links` regular expression its job pages' URLs match (`links = "/jobs/\\d+"`); the listing's matching
links are fetched one by one (at most `max_pages`, default 500). robots.txt is honoured through the
polite client (`Client.allowed`: read once per site and run, its Crawl-delay kept by the host's gate); a
page it disallows is skipped (the entry's own URL being disallowed fails the entry with a clear message).
A job page that is gone (404) since the listing was read is skipped. Each job is keyed by its JSON-LD `identifier`, else by the page's canonical
URL without scheme or default port, so a live page and its Wayback captures are the same posting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from scraper.errors import ConfigError, FetchError, NotFound, ParseError
from scraper.http import Client, HostLimit
from scraper.posting import Posting, raw_json
from scraper.sources import jsonld
from scraper.sources.base import Board, FetchContext

log = logging.getLogger(__name__)

NAME = "page"
ROOT = ""  # no API: every [[page]] names its own URL
COMPLETE = True  # a listing (or a job page) is read whole: jobs gone from it are marked removed
HOST_LIMIT: HostLimit | None = None  # many hosts; the [http] default (2 at a time, 0.5 s apart) applies

MAX_PAGES = 500


# -- fetch ---------------------------------------------------------------------------------------------

def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]:
    """The entry's page, or, with `links`, every job page its listing links to."""
    pattern = link_pattern(board)
    if not ctx.client.allowed(board.token):
        raise FetchError(board.token, "robots.txt disallows this page")
    page = get_page(ctx.client, board.token)
    if pattern is None:
        yield page
        return
    for url in job_links(page["html"], page["url"], pattern)[:_max_pages(board)]:
        if not ctx.client.allowed(url):  # read once per site; its Crawl-delay paces the host
            log.info("%s: robots.txt disallows %s; skipped", board.key, url)
            continue
        try:
            yield get_page(ctx.client, url)
        except NotFound:
            log.info("%s: %s is gone (404); skipped", board.key, url)


def get_page(client: Client, url: str) -> dict[str, str]:
    """One HTML page as a document for `parse`: {"url": final URL, "html": text}."""
    response = client.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
    return {"url": response.url, "html": response.text()}


def link_pattern(board: Board) -> re.Pattern[str] | None:
    """The entry's `links` option compiled; None for a single job page."""
    links = board.options.get("links")
    if links is None:
        return None
    try:
        return re.compile(str(links))
    except re.error as exc:
        raise ConfigError(f"page {board.token}: `links` is not a valid regular expression: {exc}") from exc


def _max_pages(board: Board) -> int:
    try:
        return int(board.options.get("max_pages", MAX_PAGES))
    except (TypeError, ValueError):
        raise ConfigError(f"page {board.token}: `max_pages` must be a number") from None


# -- parse (pure) --------------------------------------------------------------------------------------

def job_links(html: str, base_url: str, pattern: re.Pattern[str]) -> list[str]:
    """Absolute URLs of the listing's links that match `pattern`, in page order, without duplicates."""
    from bs4 import BeautifulSoup  # here, not at the top: bs4 costs ~0.2 s at start-up of every command

    soup = BeautifulSoup(html, "html.parser")
    urls = (urldefrag(urljoin(base_url, str(a["href"]).strip()))[0] for a in soup.find_all("a", href=True))
    return list(dict.fromkeys(u for u in urls if u.startswith(("http://", "https://")) and pattern.search(u)))


def parse(doc: Any, board: Board) -> list[Posting]:
    """A fetched page → one Posting per JobPosting in its JSON-LD (invalid blocks are logged, skipped)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("html"), str):
        raise ParseError(NAME, "expected a page document with its `html`")
    postings, skipped = page_postings(doc["html"], str(doc.get("url", "")), board)
    for note in skipped:
        log.warning("%s: %s: %s", board.key, doc.get("url"), note)
    return postings


def records(doc: Any) -> list[tuple[str, Any]]:
    """A page document is one record (keyed by its URL), so one unreadable page of a listing is skipped alone."""
    url = doc.get("url") if isinstance(doc, dict) else None
    return [(page_key(url) if isinstance(url, str) else "", doc)]


def page_postings(html: str, page_url: str, board: Board) -> tuple[list[Posting], list[str]]:
    """The page's JobPostings as Postings of `board`, and a note per JSON-LD block that was skipped."""
    found = jsonld.extract(html)
    page = found.canonical and urljoin(page_url, found.canonical) or page_url
    postings = []
    for number, job in enumerate(found.postings):
        key = job.identifier or page_key(job.url and urljoin(page, job.url) or page)
        if not job.identifier and number:
            key += f"#{number}"  # several postings on one page without identifiers
        postings.append(_posting(job, key, page, board))
    return postings, found.skipped


def page_key(url: str) -> str:
    """A URL without scheme, default port and fragment: http://x.com:80/a and https://x.com/a are one page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{parts.path or '/'}{query}"


def _posting(job: jsonld.JobPostingLD, key: str, page_url: str, board: Board) -> Posting:
    return Posting(
        source=NAME,
        board=board.token,
        external_id=key,
        title=job.title,
        text=job.text,
        posted_at=job.date_posted,
        date_source="datePosted" if job.date_posted else "",
        company=board.company or job.organization,
        location=job.location,
        url=job.url and urljoin(page_url, job.url) or page_url,
        raw=raw_json(job.raw),
    )
