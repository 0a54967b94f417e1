"""The one HTTP policy: timeouts, retries with backoff, Retry-After, per-host politeness (concurrency,
interval, robots.txt and its Crawl-delay), charset decoding, size caps, deadlines and response validation.
No other module imports `requests`, and this one only where a request is made: commands that never fetch
(trends, chart, sql, ...) start 0.05 s sooner without it.

Politeness is a host gate per scope: a host (`api.example.com`) or a host and path prefix
(`web.archive.org/cdx/`, where the Archive's listing API has a lower limit than its captures). A request
waits for a free slot of its gate and for the gate's interval since the previous request start.
"""

from __future__ import annotations

import copy
import http.client
import json
import logging
import math
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

if TYPE_CHECKING:
    import requests

from scraper import __version__
from scraper.errors import (
    BadResponse,
    DeadlineExceeded,
    FetchError,
    HostDown,
    NotFound,
    RedirectRefused,
)

log = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/jobtone/jobtone"
USER_AGENT = f"jobtone/{__version__} (+{PROJECT_URL})"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CONNECTION_REFUSED, NO_SUCH_HOST = "connection refused", "the host name does not resolve"
MAX_CRAWL_DELAY = 30.0  # a robots.txt asking for more still gets this much between requests
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)


@dataclass(frozen=True)
class HostLimit:
    """How politely one host is treated: concurrent requests and seconds between request starts."""

    concurrency: int = 2
    interval: float = 0.5
    # Seconds to wait after a 429 that carries no Retry-After; None = the usual exponential backoff.
    # (The Internet Archive sends 429 without Retry-After and asks clients to wait 60 s.)
    no_retry_after_wait: float | None = None


@dataclass(frozen=True)
class HttpSettings:
    """Everything the `[http]` config table can set."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0  # first retry waits this long, doubling each time (with jitter)
    max_backoff: float = 60.0
    max_retry_after: float = 300.0  # a longer Retry-After fails the request instead of sleeping
    default_limit: HostLimit = HostLimit()
    host_limits: Mapping[str, HostLimit] = field(default_factory=dict)
    max_bytes: int = 64 * 1024 * 1024
    max_seconds: float = 300.0  # a whole response, however slowly it drips, must arrive within this
    board_seconds: float = 600.0  # a whole board (every request of it, retries included) within this
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def text(self) -> str:
        """The body as text: the charset the server names, else the page's `<meta charset>`, else UTF-8."""
        content_type = self.headers.get("Content-Type", "")
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip(' "\'') if "charset=" in content_type else ""
        if not charset:
            found = _META_CHARSET.search(self.body[:4096])
            charset = found.group(1).decode("ascii") if found else "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class _HostGate:
    """A scope's concurrency slots and the earliest time its next request may start."""

    def __init__(self, limit: HostLimit) -> None:
        self.slots = threading.Semaphore(max(1, limit.concurrency))
        self.interval = limit.interval
        self.no_retry_after_wait = limit.no_retry_after_wait
        self.lock = threading.Lock()
        self.last_start = self.next_start = -math.inf

    def slow_to(self, interval: float) -> None:
        """At least `interval` seconds between request starts, the last one's included (a Crawl-delay)."""
        with self.lock:
            self.interval = max(self.interval, interval)
            self.next_start = max(self.next_start, self.last_start + self.interval)

    @contextmanager
    def turn(self, sleep: Callable[[float], None], clock: Callable[[], float]) -> Iterator[None]:
        with self.slots:
            with self.lock:
                now = clock()
                start = max(now, self.next_start)
                self.last_start, self.next_start = start, start + self.interval
            if start > now:
                sleep(start - now)
            yield


class _SiteRules:
    """One site's robots.txt, read once per client (boards of one site fetched in parallel share it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: RobotFileParser | None = None


class Client:
    """A polite, thread-safe HTTP client. Every source fetches through one of these."""

    def __init__(self, settings: HttpSettings | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or HttpSettings()
        self.sleep = sleep
        self.clock = clock  # for host gates only: tests pin it with `sleep` to check pacing exactly
        import requests
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=32, pool_maxsize=32, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.settings.user_agent
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()
        self._limits = dict(self.settings.host_limits)
        self._sites: dict[str, _SiteRules] = {}
        self._deadline = math.inf  # time.monotonic() by which every request must be done (with_deadline)
        # Hosts that did not resolve or refused every attempt of a request: their other requests fail at once.
        # Offline, the 30 default Greenhouse boards each waited out four retries (a `jobtone run` took 235 s).
        self._down: dict[str, HostDown] = {}

    def limit_host(self, scope: str, limit: HostLimit) -> None:
        """A source's own politeness default for a host (`api.example.com`) or a host and path prefix
        (`web.archive.org/cdx/`); the user's `[http.hosts]` entries win."""
        with self._gates_lock:
            self._limits.setdefault(scope, limit)

    def with_deadline(self, seconds: float) -> Client:
        """This client (same session, host gates and robots.txt rules) with every request ending within
        `seconds` from now, retries and slow bodies included; past it, requests raise DeadlineExceeded."""
        bounded = copy.copy(self)
        bounded._deadline = time.monotonic() + seconds
        return bounded

    def close(self) -> None:
        self.session.close()

    # -- public verbs ---------------------------------------------------------------------------

    def get(self, url: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None) -> Response:
        return self.request("GET", url, params=params, headers=headers)

    def get_json(self, url: str, params: Mapping[str, Any] | None = None, *, expect: type | tuple[type, ...] = (dict, list),
                 headers: Mapping[str, str] | None = None) -> Any:
        """GET and decode JSON; HTML, invalid JSON or a top-level type other than `expect` is BadResponse."""
        return decode_json(self.get(url, params, headers), expect)

    def post_json(self, url: str, payload: Any, params: Mapping[str, Any] | None = None, *,
                  expect: type | tuple[type, ...] = (dict, list), headers: Mapping[str, str] | None = None) -> Any:
        """POST `payload` as JSON and decode the JSON answer (as `get_json`)."""
        return decode_json(self.request("POST", url, params=params, json_body=payload, headers=headers), expect)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, headers: Mapping[str, str] | None = None) -> Response:
        """One logical request: retried on connection errors, timeouts, 429 and 5xx; 404 → NotFound."""
        attempt, host = 0, urlsplit(url).netloc
        while True:
            self._check_deadline(url)
            if host in self._down:
                raise HostDown(url, f"{self._down[host].reason} (an earlier request to {host} failed so after retries)")
            try:
                response = self._send(method, url, params, json_body, headers)
            except FetchError as exc:
                if not exc.retryable or attempt >= self.settings.retries:
                    if isinstance(exc, HostDown):
                        self._down.setdefault(host, exc)
                    raise
                wait = self._backoff(attempt)
                log.info("retrying %s in %.1fs: %s", url, wait, exc.reason)
            else:
                if response.status < 400:
                    return response
                error = _status_error(response)
                if response.status not in RETRY_STATUSES or attempt >= self.settings.retries:
                    raise error
                wait = self._retry_after(response, attempt, url)
                log.info("retrying %s in %.1fs: HTTP %d", url, wait, response.status)
            attempt += 1
            self._check_deadline(url, after=wait)
            self.sleep(wait)

    def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets this client fetch `url`. robots.txt is read once per site
        by each client; its Crawl-delay for us slows the host's gate. An unreachable robots.txt (5xx,
        network) is FetchError: keep out; a missing one (4xx) means no rules (RFC 9309)."""
        return self._robots(url).can_fetch(self.settings.user_agent, url)

    # -- internals -------------------------------------------------------------------------------

    def _scope(self, url: str) -> str:
        parts = urlsplit(url)
        place = parts.netloc + (parts.path or "/")
        with self._gates_lock:  # sources add limits from worker threads (limit_host)
            scoped = [scope for scope in self._limits if "/" in scope and place.startswith(scope)]
        return max(scoped, key=len, default=parts.netloc)

    def _gate(self, scope: str) -> _HostGate:
        with self._gates_lock:
            if scope not in self._gates:
                self._gates[scope] = _HostGate(self._limits.get(scope, self.settings.default_limit))
            return self._gates[scope]

    def _check_deadline(self, url: str, after: float = 0.0) -> None:
        if time.monotonic() + after > self._deadline:
            raise DeadlineExceeded(url, f"the board's time ran out ([http] board_seconds = {self.settings.board_seconds:g})")

    def _send(self, method: str, url: str, params: Any, json_body: Any, headers: Any) -> Response:
        import requests
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        with self._gate(self._scope(url)).turn(self.sleep, self.clock):
            try:
                with self.session.request(method, url, params=params, json=json_body, headers=headers,
                                          timeout=timeout, stream=True) as raw:
                    return Response(raw.url, raw.status_code, dict(raw.headers), self._read(raw, url))
            except requests.exceptions.RequestException as exc:
                raise _fetch_error(url, exc) from exc

    def _read(self, raw: requests.Response, url: str) -> bytes:
        """The body, within the size cap and before the response's and the board's deadlines."""
        import requests
        response_ends = time.monotonic() + self.settings.max_seconds
        with _Watchdog(raw, min(response_ends, self._deadline)) as watchdog:
            try:
                body = _read_capped(raw, url, self.settings.max_bytes)
            except requests.exceptions.RequestException:
                if not watchdog.fired:
                    raise
        if watchdog.fired:  # the socket was shut: whatever arrived is partial
            self._check_deadline(url)
            raise FetchError(url, f"response took longer than {self.settings.max_seconds:.0f}s")
        return body

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.max_backoff, self.settings.backoff * (2**attempt))
        return base * random.uniform(0.75, 1.25)

    def _retry_after(self, response: Response, attempt: int, url: str) -> float:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            host_wait = self._gate(self._scope(url)).no_retry_after_wait if response.status == 429 else None
            return self._backoff(attempt) if host_wait is None else host_wait
        if wait > self.settings.max_retry_after:
            raise FetchError(response.url, f"server asked to wait {wait:.0f}s (Retry-After), over the limit", response.status)
        return wait

    def _robots(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._gates_lock:
            site = self._sites.setdefault(origin, _SiteRules())
        with site.lock:
            if site.rules is None:
                site.rules = self._read_robots(origin)
                delay = site.rules.crawl_delay(self.settings.user_agent)
                if delay:
                    self._gate(parts.netloc).slow_to(min(float(delay), MAX_CRAWL_DELAY))
            return site.rules

    def _read_robots(self, origin: str) -> RobotFileParser:
        rules = RobotFileParser(origin + "/robots.txt")
        try:
            response = self.get(origin + "/robots.txt")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                rules.parse([])
                return rules
            raise FetchError(exc.url, f"robots.txt could not be read ({exc.reason}); not crawling this site",
                             exc.status) from exc
        rules.parse(response.text().splitlines())
        return rules


class _Watchdog:
    """Shuts a response's socket at `ends` (time.monotonic()), so a body that drips in under the read
    timeout (which bounds each read, not the whole body) ends there. One thread watches every response
    (_ALARMS): a thread started per request cost more than the request itself with thousands of boards on
    a busy machine."""

    def __init__(self, raw: requests.Response, ends: float) -> None:
        self.raw = raw
        self.ends = ends
        self.fired = False

    def __enter__(self) -> _Watchdog:
        _ALARMS.add(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        _ALARMS.remove(self)

    def fire(self) -> None:
        self.fired = True
        sock = getattr(getattr(self.raw.raw, "connection", None), "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Alarms:
    """The watchdogs under way, and one daemon thread (started on first use) firing each at its time."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.watching: dict[int, _Watchdog] = {}
        self.thread: threading.Thread | None = None

    def add(self, watchdog: _Watchdog) -> None:
        with self.lock:
            self.watching[id(watchdog)] = watchdog
            if self.thread is None:
                self.thread = threading.Thread(target=self._watch, name="jobtone-watchdog", daemon=True)
                self.thread.start()
            self.lock.notify()

    def remove(self, watchdog: _Watchdog) -> None:
        with self.lock:
            self.watching.pop(id(watchdog), None)

    def _watch(self) -> None:
        with self.lock:
            while True:
                now = time.monotonic()
                for watchdog in [w for w in self.watching.values() if w.ends <= now]:
                    del self.watching[id(watchdog)]
                    watchdog.fire()
                earliest = min((w.ends for w in self.watching.values()), default=now + 3600)
                self.lock.wait(min(3600.0, max(0.0, earliest - now)))


_ALARMS = _Alarms()


def _read_capped(raw: requests.Response, url: str, cap: int) -> bytes:
    declared = raw.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BadResponse(url, f"response of {int(declared):,} bytes is over the {cap:,}-byte cap", raw.status_code)
    chunks, size = [], 0
    for chunk in raw.iter_content(chunk_size=256 * 1024):  # decompressed bytes: caps gzip bombs too
        size += len(chunk)
        if size > cap:
            raise BadResponse(url, f"response is over the {cap:,}-byte cap", raw.status_code)
        chunks.append(chunk)
    if declared.isdigit() and size < int(declared) and not raw.headers.get("Content-Encoding"):
        raise FetchError(url, f"body truncated: {size:,} of {int(declared):,} bytes")
    return b"".join(chunks)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def _fetch_error(url: str, exc: requests.exceptions.RequestException) -> FetchError:
    """A `requests` failure as one of our errors, by its type (and its causes' types), never its wording."""
    import requests
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return RedirectRefused(url, f"refused redirect to a non-HTTP address: {exc}")
    if isinstance(exc, requests.exceptions.Timeout):
        return FetchError(url, "timed out")
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return FetchError(url, "too many redirects")
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        problem = _connection_problem(exc)
        down = problem in (CONNECTION_REFUSED, NO_SUCH_HOST)
        return (HostDown if down else FetchError)(url, f"connection failed: {problem}")
    return FetchError(url, f"request failed: {type(exc).__name__}")


def _connection_problem(exc: Exception) -> str:
    import requests
    import urllib3.exceptions
    causes = tuple(_causes(exc))
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return CONNECTION_REFUSED
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "the compressed body is corrupt"
    if any(isinstance(cause, (urllib3.exceptions.NameResolutionError, socket.gaierror)) for cause in causes):
        return NO_SUCH_HOST
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(isinstance(cause, (
            urllib3.exceptions.ProtocolError, http.client.IncompleteRead, ConnectionResetError)) for cause in causes):
        return "the connection closed mid-body"
    return type(exc).__name__


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, the exceptions it wraps (requests and urllib3 nest them in args and `reason`), and theirs."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = (*current.args, getattr(current, "reason", None), current.__cause__, current.__context__)
        todo += [item for item in linked if isinstance(item, BaseException)]


def _status_error(response: Response) -> FetchError:
    snippet = response.text()[:200].strip().replace("\n", " ")
    if response.status == 404:
        return NotFound(response.url, "not found (HTTP 404)", 404)
    return FetchError(response.url, f"HTTP {response.status}: {snippet[:120]}", response.status)


def decode_json(response: Response, expect: type | tuple[type, ...] = (dict, list)) -> Any:
    """The JSON body, or BadResponse naming what came instead (HTML page, invalid/truncated or too deeply
    nested JSON, wrong shape)."""
    body = response.body.lstrip()
    content_type = response.headers.get("Content-Type", "")
    if body[:1] == b"<" or "text/html" in content_type:
        raise BadResponse(response.url, "an HTML page came instead of JSON", response.status)
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadResponse(response.url, f"body is not valid UTF-8 at byte {exc.start}", response.status) from exc
    except json.JSONDecodeError as exc:
        raise BadResponse(response.url, f"invalid or truncated JSON ({exc.msg}: char {exc.pos})", response.status) from exc
    except RecursionError:
        raise BadResponse(response.url, "JSON nested too deeply to read", response.status) from None
    if not isinstance(data, expect):
        raise BadResponse(response.url, f"unexpected JSON shape: a {type(data).__name__}", response.status)
    return data
