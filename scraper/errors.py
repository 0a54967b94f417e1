"""The small exception tree jobtone raises; the CLI turns each into one clear line and an exit code."""

from __future__ import annotations


class JobtoneError(Exception):
    """Base of every error jobtone expects, explains and records."""


class ConfigError(JobtoneError):
    """The configuration file or a command-line value is wrong."""


class FetchError(JobtoneError):
    """A request failed for good (after retries); carries the URL and, when known, the HTTP status."""

    retryable = True  # whether trying the same request again may help (the client's retry decision)

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{reason} ({url})")
        self.url = url
        self.reason = reason
        self.status = status


class NotFound(FetchError):
    """The server says the board or item does not exist (HTTP 404)."""


class HostDown(FetchError):
    """The host's name does not resolve, or it refuses connections. Once a request to it has failed so after
    its retries, the client fails the host's other requests at once (scraper/http.py)."""


class BadResponse(FetchError):
    """The server answered, but not with what the source serves: HTML, invalid, truncated or too deeply
    nested JSON, a changed shape, an error inside a 200, or a body over the size cap."""

    retryable = False


class RedirectRefused(FetchError):
    """The server redirected to an address that is not http(s) (file:, ftp:, data: ...); never followed."""

    retryable = False


class DeadlineExceeded(FetchError):
    """A board's overall time (`[http] board_seconds`) ran out, however its requests were going."""

    retryable = False


class ParseError(JobtoneError):
    """A record does not fit the shape its parser knows; carries the source name."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class DatabaseLocked(JobtoneError):
    """Another process holds the DuckDB file; `holder` names it as DuckDB reported it."""

    def __init__(self, path: str, holder: str) -> None:
        super().__init__(f"database {path} is locked by {holder}")
        self.path = path
        self.holder = holder


class StorageError(JobtoneError):
    """The database file cannot be written or read (disk full, read-only, permission); names the path."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason


def one_line(exc: BaseException) -> str:
    """What jobtone says of an exception in one line: its own errors' words; the file system's refusal
    (disk full, read-only) naming the file; anything else as an internal error."""
    if isinstance(exc, JobtoneError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{exc.filename or 'a file'}: {exc.strerror}"
    return f"internal error: {type(exc).__name__}: {exc}"
