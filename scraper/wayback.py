"""The Internet Archive's Wayback Machine as a backfill route: list captures, fetch them raw, parse them.

Captures are listed with the CDX API (`output=json`, `filter=statuscode:200`, `collapse=digest`,
`showResumeKey=true` paging; the plain-text output is read too). `collapse` only drops *adjacent*
identical captures, so identical (URL, digest) pairs are dropped here as well. Each capture is fetched
unmodified (`/web/{timestamp}id_/{url}`: the archived bytes without the Wayback toolbar) and parsed by
the parser its URL calls for: a Greenhouse, Lever or Ashby board API URL by that ATS's parser, any other
page by the JSON-LD parser. A posting without a date of its own is dated by its capture (date_source
"capture").

The Archive's limits (the EDGI client, set at 80% of the hard limits on the Archive's request): at most
30 CDX requests and 600 captures a minute; a 429 comes without Retry-After and means "wait 60 s".
Both limits are host limits of the polite client (`WaybackSettings.limit`: the CDX path has its own
gate). A blocked site answers 403 "Blocked Site Error", turned here into one clear FetchError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from scraper.errors import BadResponse, FetchError, ParseError
from scraper.http import Client, HostLimit, Response, decode_json
from scraper.posting import Posting
from scraper.sources import get_source, pages
from scraper.sources.base import Board, parse_document, storable

ROOT = "https://web.archive.org"
CDX_PATH = "cdx/search/cdx"
BLOCKED = "Blocked Site"  # in the body of the Archive's 403 for a site excluded from it
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")

# ATS board APIs whose captures are parsed by that ATS's own parser: (source, host pattern, path pattern)
ATS_ROUTES = (
    ("greenhouse", re.compile(r"^(boards-api|api)\.greenhouse\.io$"), re.compile(r"^/v1/boards/([^/]+)/jobs/?$")),
    ("lever", re.compile(r"^api(\.eu)?\.lever\.co$"), re.compile(r"^/v0/postings/([^/]+)/?$")),
    ("ashby", re.compile(r"^api\.ashbyhq\.com$"), re.compile(r"^/posting-api/job-board/([^/]+)/?$")),
)


@dataclass(frozen=True)
class WaybackSettings:
    """The `[wayback]` config table (and `[api] wayback`); defaults keep to the Archive's limits."""

    root: str = ROOT
    cdx_interval: float = 2.0  # ≤ 30 CDX requests a minute
    capture_interval: float = 0.1  # ≤ 600 captures a minute
    wait_429: float = 60.0  # the Archive's 429 has no Retry-After
    page_size: int = 5000  # CDX rows per request

    @classmethod
    def from_config(cls, api: Mapping[str, str], table: Mapping[str, Any]) -> WaybackSettings:
        return cls(root=api.get("wayback") or ROOT,
                   cdx_interval=float(table.get("cdx_interval", cls.cdx_interval)),
                   capture_interval=float(table.get("capture_interval", cls.capture_interval)),
                   wait_429=float(table.get("wait_429", cls.wait_429)),
                   page_size=int(table.get("page_size", cls.page_size)))

    @property
    def host_limit(self) -> HostLimit:
        """Captures: one at a time, `capture_interval` apart."""
        return HostLimit(concurrency=1, interval=self.capture_interval, no_retry_after_wait=self.wait_429)

    @property
    def cdx_limit(self) -> HostLimit:
        """The CDX listing API: its own, lower limit (a host limit scoped to its path)."""
        return HostLimit(concurrency=1, interval=self.cdx_interval, no_retry_after_wait=self.wait_429)

    def limit(self, client: Client) -> None:
        """Keep `client` to the Archive's limits: captures on the host, CDX requests on its path."""
        root = urlsplit(self.root)
        client.limit_host(f"{root.netloc}{root.path.rstrip('/')}/{CDX_PATH.split('/')[0]}/", self.cdx_limit)
        client.limit_host(root.netloc, self.host_limit)


@dataclass(frozen=True)
class Capture:
    """One CDX row: when a URL was captured, and the digest of what was captured."""

    timestamp: str
    original: str
    statuscode: str = "200"
    digest: str = ""
    mimetype: str = ""

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp.ljust(14, "0")[:14], "%Y%m%d%H%M%S")


@dataclass(frozen=True)
class CdxPage:
    captures: list[Capture]
    resume_key: str = ""


@dataclass(frozen=True)
class CaptureParse:
    """What one capture yielded: postings (capture-dated where the source gave no date) and skip notes."""

    postings: list[Posting]
    skipped: list[str]
    parser: str


# -- listing captures ------------------------------------------------------------------------------

def cdx_params(url: str, year_from: int | None, year_to: int | None, page_size: int, resume_key: str = "") -> dict[str, Any]:
    params: dict[str, Any] = {"url": url, "output": "json", "filter": "statuscode:200", "collapse": "digest",
                              "showResumeKey": "true", "limit": page_size}
    if year_from:
        params["from"] = str(year_from)
    if year_to:
        params["to"] = str(year_to)
    if resume_key:
        params["resumeKey"] = resume_key
    return params


def list_captures(client: Client, settings: WaybackSettings, url: str, year_from: int | None = None,
                  year_to: int | None = None) -> Iterator[Capture]:
    """Every capture of `url` (a CDX url: exact, or `prefix/*`), page by page with the resume key."""
    endpoint = f"{settings.root.rstrip('/')}/{CDX_PATH}"
    resume_key, seen_keys = "", set()
    while True:  # paced by the client's gate for the CDX path (WaybackSettings.limit)
        response = _archive_get(client, endpoint, cdx_params(url, year_from, year_to, settings.page_size, resume_key))
        try:
            page = parse_cdx(response.text())
        except ParseError as exc:
            raise BadResponse(response.url, exc.reason, response.status) from exc
        yield from page.captures
        if not page.resume_key or page.resume_key in seen_keys:
            return
        seen_keys.add(page.resume_key)
        resume_key = page.resume_key


def parse_cdx(body: str) -> CdxPage:
    """A CDX response, JSON (`output=json`: a header row, rows, then `[]` and `[resume key]`) or plain
    text (space-separated rows, then a blank line and the resume key); an empty body is the last page."""
    if body.lstrip().startswith("["):
        return _parse_cdx_json(body)
    lines = body.splitlines()
    blank = lines.index("") if "" in lines else len(lines)
    rows = [line.split(" ") for line in lines[:blank] if line.strip()]
    key = next((line.strip() for line in lines[blank + 1:] if line.strip()), "")
    return CdxPage([_capture(dict(zip(CDX_FIELDS, row, strict=False))) for row in rows], key)


def _parse_cdx_json(body: str) -> CdxPage:
    try:
        rows = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError("wayback", f"invalid CDX JSON ({exc.msg})") from None
    except RecursionError:
        raise ParseError("wayback", "CDX JSON nested too deeply") from None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ParseError("wayback", "CDX JSON is not a list of rows")
    if not rows:
        return CdxPage([])
    header, rest = [str(name) for name in rows[0]], rows[1:]
    split = next((i for i, row in enumerate(rest) if not row), len(rest))
    key = str(rest[split + 1][0]) if split + 1 < len(rest) and rest[split + 1] else ""
    return CdxPage([_capture(dict(zip(header, map(str, row), strict=False))) for row in rest[:split]], key)


def _capture(fields: Mapping[str, str]) -> Capture:
    timestamp, original = fields.get("timestamp", ""), fields.get("original", "")
    if not timestamp.isdigit() or not original:
        raise ParseError("wayback", f"a CDX row without timestamp or URL: {dict(fields)}")
    return Capture(timestamp, original, fields.get("statuscode", ""), fields.get("digest", ""), fields.get("mimetype", ""))


def distinct_captures(captures: Iterable[Capture]) -> Iterator[Capture]:
    """Successful captures, each (URL, content digest) once: the first capture of each content."""
    seen: set[tuple[str, str]] = set()
    for capture in captures:
        key = (pages.page_key(capture.original), capture.digest or capture.timestamp)
        if capture.statuscode in ("200", "-", "") and key not in seen:
            seen.add(key)
            yield capture


# -- fetching and parsing captures -------------------------------------------------------------------

def capture_url(root: str, capture: Capture) -> str:
    """The raw capture: `id_` serves the archived bytes without Wayback's rewriting."""
    return f"{root.rstrip('/')}/web/{capture.timestamp}id_/{capture.original}"


def fetch_capture(client: Client, settings: WaybackSettings, capture: Capture) -> Response:
    """The capture's archived bytes."""
    return _archive_get(client, capture_url(settings.root, capture))


def _archive_get(client: Client, url: str, params: Mapping[str, Any] | None = None) -> Response:
    """A GET whose 403 "Blocked Site" (the Archive's wording for an excluded site) is said plainly."""
    try:
        return client.get(url, params)
    except FetchError as exc:
        if exc.status == 403 and BLOCKED in exc.reason:
            raise FetchError(exc.url, "the Internet Archive blocks this site (HTTP 403 Blocked Site)", 403) from exc
        raise


def ats_route(url: str) -> tuple[str, str] | None:
    """(source, board token) when `url` is a Greenhouse, Lever or Ashby board API URL; else None."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower()
    for source, host_pattern, path_pattern in ATS_ROUTES:
        match = path_pattern.match(parts.path) if host_pattern.match(host) else None
        if match:
            return source, unquote(match.group(1))
    return None


def parse_capture(capture: Capture, response: Response, page_board: Board) -> CaptureParse:
    """A fetched capture → postings by the parser its URL calls for (pages go to `page_board`)."""
    route = ats_route(capture.original)
    if route is None:
        postings, skipped = pages.page_postings(response.text(), capture.original, page_board)
        return CaptureParse(dated_by_capture(map(storable, postings), capture.captured_at), skipped, "jsonld")
    source, token = route
    try:
        parsed = parse_document(get_source(source), decode_json(response), Board(source, token))
    except BadResponse as exc:
        return CaptureParse([], [f"{source} capture is not readable JSON: {exc.reason}"], source)
    except ParseError as exc:
        return CaptureParse([], [str(exc)], source)
    notes = [f"{source} record {s.record_id or '(no id)'}: {s.reason}" for s in parsed.skipped]
    return CaptureParse(dated_by_capture(parsed, capture.captured_at), notes, source)


def dated_by_capture(postings: Iterable[Posting], captured_at: datetime) -> list[Posting]:
    """Postings with no date of their own get the capture time, recorded as date_source "capture"."""
    return [p if p.posted_at is not None else replace(p, posted_at=captured_at, date_source="capture")
            for p in postings]
