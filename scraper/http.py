"""The one HTTP policy: timeouts, retries with backoff, Retry-After, per-host politeness, size caps and
response validation. No other module imports `requests`."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from scraper import __version__
from scraper.errors import BadResponse, FetchError, NotFound

log = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/jobtone/jobtone"
USER_AGENT = f"jobtone/{__version__} (+{PROJECT_URL})"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _HostGate:
    """A host's concurrency slots and the earliest time its next request may start."""

    def __init__(self, limit: HostLimit) -> None:
        self.slots = threading.Semaphore(max(1, limit.concurrency))
        self.interval = limit.interval
        self.no_retry_after_wait = limit.no_retry_after_wait
        self.lock = threading.Lock()
        self.next_start = 0.0

    @contextmanager
    def turn(self, sleep: Callable[[float], None]) -> Iterator[None]:
        with self.slots:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next_start)
                self.next_start = start + self.interval
            if start > now:
                sleep(start - now)
            yield


class Client:
    """A polite, thread-safe HTTP client. Every source fetches through one of these."""

    def __init__(self, settings: HttpSettings | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings or HttpSettings()
        self.sleep = sleep
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=32, pool_maxsize=32, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.settings.user_agent
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()
        self._limits = dict(self.settings.host_limits)

    def limit_host(self, host: str, limit: HostLimit) -> None:
        """A source's own politeness default for its host; the user's `[http.hosts]` entries win."""
        with self._gates_lock:
            self._limits.setdefault(host, limit)

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
        return decode_json(self.request("POST", url, params=params, json_body=payload, headers=headers), expect)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, headers: Mapping[str, str] | None = None) -> Response:
        """One logical request: retried on connection errors, timeouts, 429 and 5xx; 404 → NotFound."""
        attempt = 0
        while True:
            try:
                response = self._send(method, url, params, json_body, headers)
            except FetchError as exc:
                if not _retryable(exc) or attempt >= self.settings.retries:
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
            self.sleep(wait)

    # -- internals -------------------------------------------------------------------------------

    def _gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc
        with self._gates_lock:
            if host not in self._gates:
                self._gates[host] = _HostGate(self._limits.get(host, self.settings.default_limit))
            return self._gates[host]

    def _send(self, method: str, url: str, params: Any, json_body: Any, headers: Any) -> Response:
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        with self._gate(url).turn(self.sleep):
            try:
                with self.session.request(method, url, params=params, json=json_body, headers=headers,
                                          timeout=timeout, stream=True) as raw:
                    body = self._read_capped(raw, url)
                    return Response(raw.url, raw.status_code, dict(raw.headers), body)
            except requests.exceptions.InvalidSchema as exc:
                raise FetchError(url, f"refused redirect to a non-HTTP address: {exc}") from exc
            except requests.exceptions.Timeout as exc:
                raise FetchError(url, "timed out") from exc
            except requests.exceptions.TooManyRedirects as exc:
                raise FetchError(url, "too many redirects") from exc
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                raise FetchError(url, f"connection failed: {_connection_problem(exc)}") from exc

    def _read_capped(self, raw: requests.Response, url: str) -> bytes:
        cap = self.settings.max_bytes
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise BadResponse(url, f"response of {int(declared):,} bytes is over the {cap:,}-byte cap", raw.status_code)
        chunks, size = [], 0
        deadline = time.monotonic() + self.settings.max_seconds
        for chunk in raw.iter_content(chunk_size=256 * 1024):  # decompressed bytes: caps gzip bombs too
            if time.monotonic() > deadline:  # the read timeout only bounds each read, not a dripping body
                raise FetchError(url, f"response took longer than {self.settings.max_seconds:.0f}s")
            size += len(chunk)
            if size > cap:
                raise BadResponse(url, f"response is over the {cap:,}-byte cap", raw.status_code)
            chunks.append(chunk)
        if declared.isdigit() and size < int(declared) and not raw.headers.get("Content-Encoding"):
            raise FetchError(url, f"body truncated: {size:,} of {int(declared):,} bytes")
        return b"".join(chunks)

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.max_backoff, self.settings.backoff * (2**attempt))
        return base * random.uniform(0.75, 1.25)

    def _retry_after(self, response: Response, attempt: int, url: str) -> float:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            host_wait = self._gate(url).no_retry_after_wait if response.status == 429 else None
            return self._backoff(attempt) if host_wait is None else host_wait
        if wait > self.settings.max_retry_after:
            raise FetchError(response.url, f"server asked to wait {wait:.0f}s (Retry-After), over the limit", response.status)
        return wait


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


def _connection_problem(exc: Exception) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "incomplete" in text or "reset" in text:
        return "the connection closed mid-body"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "the compressed body is corrupt"
    if "name or service not known" in text or "nodename nor servname" in text or "resolution" in text:
        return "the host name does not resolve"
    return type(exc).__name__


def _retryable(exc: FetchError) -> bool:
    return not isinstance(exc, BadResponse) and "non-HTTP" not in exc.reason


def _status_error(response: Response) -> FetchError:
    snippet = response.text()[:200].strip().replace("\n", " ")
    if response.status == 404:
        return NotFound(response.url, "not found (HTTP 404)", 404)
    if response.status == 403 and "Blocked Site" in snippet:
        return FetchError(response.url, "the Internet Archive blocks this site (HTTP 403 Blocked Site)", 403)
    return FetchError(response.url, f"HTTP {response.status}: {snippet[:120]}", response.status)


def decode_json(response: Response, expect: type | tuple[type, ...] = (dict, list)) -> Any:
    """The JSON body, or BadResponse naming what came instead (HTML page, invalid/truncated JSON, wrong shape)."""
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
    if not isinstance(data, expect):
        raise BadResponse(response.url, f"unexpected JSON shape: a {type(data).__name__}", response.status)
    return data
