"""The TOML configuration: boards, API roots, database path and HTTP politeness.

Lookup order: `--config PATH`, else `jobtone.toml` in the working directory, else the built-in
default (`scraper/default.toml`, which `jobtone init` copies out for editing).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scraper.errors import ConfigError
from scraper.http import HostLimit, HttpSettings
from scraper.sources import Board, get_source

CONFIG_NAME = "jobtone.toml"
DEFAULT_DB = Path("data/jobtone.duckdb")
BOARD_KEYS = ("ats", "token", "company")


@dataclass(frozen=True)
class DiscoverSettings:
    """The `[discover]` table: whether discovered boards are checked and enrolled without being asked,
    and after how many days a checked candidate is checked again."""

    auto: bool = False
    recheck_days: float = 30.0


@dataclass(frozen=True)
class RunSettings:
    """The `[run]` table: a time budget for a run, in minutes (None: no limit). Past it no board is started;
    the boards left go first next run, so every board is visited in turn."""

    max_minutes: float | None = None


@dataclass(frozen=True)
class Config:
    boards: tuple[Board, ...]
    db_path: Path = DEFAULT_DB
    api: Mapping[str, str] = field(default_factory=dict)
    http: HttpSettings = HttpSettings()
    lock_wait: float = 60.0  # seconds a writer retries a database locked by another process
    path: Path | None = None  # the file it came from; None for the built-in default
    sections: Mapping[str, Any] = field(default_factory=dict)  # the whole TOML, for sections other modules read
    discover: DiscoverSettings = field(default_factory=lambda: DiscoverSettings())
    run: RunSettings = field(default_factory=lambda: RunSettings())

    def api_root(self, source: str) -> str:
        """The API root for a source: the `[api]` entry if the user set one, else the public host."""
        return self.api.get(source) or get_source(source).ROOT


def default_config_text() -> str:
    return resources.files("scraper").joinpath("default.toml").read_text(encoding="utf-8")


def load_config(path: Path | None = None, db: Path | None = None) -> Config:
    """Read the configuration (see module docstring for the lookup order); `db` overrides `[database] path`."""
    if path is not None and not path.is_file():
        raise ConfigError(f"config file {_shown(path)} not found")
    if path is None and Path(CONFIG_NAME).is_file():
        path = Path(CONFIG_NAME)
    try:
        text = _read_text(path) if path else default_config_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {_shown(path)}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_shown(path)}: {exc}") from exc
    return config_from_dict(data, path=path, db=db)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"config file {_shown(path)} is not UTF-8 text (line {line}): save it as UTF-8") from None


def config_from_dict(data: Mapping[str, Any], path: Path | None = None, db: Path | None = None) -> Config:
    where = _shown(path)
    database = _table(data, "database", where)
    api = _table(data, "api", where)
    for name, root in api.items():
        if not isinstance(root, str) or not root.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: [api] {name} must be an http(s) URL, got {root!r}")
    db_path = database.get("path", str(DEFAULT_DB))
    if not isinstance(db_path, str) or not db_path.strip():
        raise ConfigError(f"{where}: [database] path must be a file path in quotes (e.g. \"{DEFAULT_DB}\"), "
                          f"got {db_path!r}")
    if any(ord(c) < 32 or ord(c) == 127 for c in db_path):
        raise ConfigError(f"{where}: [database] path {db_path!r} holds a control character (a newline?)")
    return Config(
        boards=tuple(parse_board(entry, where) for entry in _array(data, "board", where))
        + tuple(parse_page(entry, where) for entry in _array(data, "page", where)),
        db_path=Path(db or db_path),
        api=MappingProxyType(dict(api)),
        http=_http_settings(_table(data, "http", where), where),
        lock_wait=_number(database, "lock_wait", 60.0, f"{where}: [database]", minimum=0),
        path=path,
        sections=MappingProxyType(dict(data)),
        discover=_discover_settings(_table(data, "discover", where), where),
        run=_run_settings(_table(data, "run", where), where),
    )


def parse_board(entry: Any, where: str = "config") -> Board:
    """A `[[board]]` table → Board; unknown `ats` names are a clear ConfigError."""
    if not isinstance(entry, Mapping) or not entry.get("ats") or not entry.get("token"):
        raise ConfigError(f"{where}: every [[board]] needs `ats` and `token`, got {dict(entry) if isinstance(entry, Mapping) else entry!r}")
    get_source(str(entry["ats"]))
    options = {k: v for k, v in entry.items() if k not in BOARD_KEYS}
    return Board(str(entry["ats"]), str(entry["token"]), str(entry.get("company", "")), MappingProxyType(options))


def parse_page(entry: Any, where: str = "config") -> Board:
    """A `[[page]]` table (a job page `url`, or a listing `url` plus a `links` pattern) → a Board of the
    `page` source (scraper/sources/pages.py) whose token is the URL."""
    url = entry.get("url") if isinstance(entry, Mapping) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: every [[page]] needs an http(s) `url`, got {entry!r}")
    options = {k: v for k, v in entry.items() if k not in ("url", "company")}
    return parse_board({**options, "ats": "page", "token": url, "company": entry.get("company", "")}, where)


def parse_board_spec(spec: str) -> Board:
    """`ATS:TOKEN` from the command line (e.g. `greenhouse:stripe`)."""
    ats, sep, token = spec.partition(":")
    if not sep or not ats or not token:
        raise ConfigError(f"expected ATS:TOKEN (e.g. greenhouse:stripe), got {spec!r}")
    return parse_board({"ats": ats, "token": token}, "command line")


def _shown(path: Path | None) -> str:
    """A config path for a one-line message: as is, or quoted with escapes when it holds a control
    character; None is the built-in default."""
    if path is None:
        return "built-in default config"
    text = str(path)
    return repr(text) if any(ord(c) < 32 or ord(c) == 127 for c in text) else text


def _table(data: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [{name}] must be a table")
    return value


def _discover_settings(table: Mapping[str, Any], where: str) -> DiscoverSettings:
    auto, days = table.get("auto", False), table.get("recheck_days", 30)
    if not isinstance(auto, bool) or isinstance(days, bool) or not isinstance(days, (int, float)) or days < 0:
        raise ConfigError(f"{where}: [discover] auto must be true or false and recheck_days a number of days")
    return DiscoverSettings(auto, float(days))


def _run_settings(table: Mapping[str, Any], where: str) -> RunSettings:
    if "max_minutes" not in table:
        return RunSettings()
    return RunSettings(_number(table, "max_minutes", 0, f"{where}: [run]", above=0))


def _array(data: Mapping[str, Any], name: str, where: str) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise ConfigError(f"{where}: `{name}` must be written as [[{name}]] tables, got {value!r}")
    return value


def _number(table: Mapping[str, Any], key: str, default: float, where: str, *, minimum: float | None = None,
            above: float | None = None) -> float:
    """A finite number (TOML integer or float) at least `minimum` / greater than `above`, else a ConfigError
    naming the file, the table and the key (`where` is "FILE: [table]")."""
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where} {key} must be a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where} {key} must be {minimum:g} or more, got {value!r}")
    if above is not None and value <= above:
        raise ConfigError(f"{where} {key} must be more than {above:g}, got {value!r}")
    return float(value)


def _count(table: Mapping[str, Any], key: str, default: int, where: str, *, minimum: int) -> int:
    """A whole number of at least `minimum` (2.0 passes as 2), else a ConfigError naming the key."""
    value = _number(table, key, default, where, minimum=minimum)
    if not value.is_integer():
        raise ConfigError(f"{where} {key} must be a whole number, got {table.get(key)!r}")
    return int(value)


def _host_limit(table: Mapping[str, Any], where: str, default: HostLimit) -> HostLimit:
    return HostLimit(_count(table, "concurrency", default.concurrency, where, minimum=1),
                     _number(table, "interval", default.interval, where, minimum=0))


def _http_settings(table: Mapping[str, Any], where: str) -> HttpSettings:
    """The [http] table; every number is checked (a zero timeout would fail every board, a negative
    interval would hammer a host), with an error naming the key."""
    section = f"{where}: [http]"
    default = _host_limit(table, section, HostLimit())
    hosts = _table(table, "hosts", f"{where}: [http]")
    host_limits = {}
    for host, limits in hosts.items():
        if not isinstance(limits, Mapping):
            raise ConfigError(f"{where}: [http.hosts.\"{host}\"] must be a table (concurrency, interval)")
        host_limits[host] = _host_limit(limits, f"{where}: [http.hosts.\"{host}\"]", default)
    return HttpSettings(
        connect_timeout=_number(table, "connect_timeout", 10.0, section, above=0),
        read_timeout=_number(table, "timeout", 60.0, section, above=0),
        retries=_count(table, "retries", 4, section, minimum=0),
        backoff=_number(table, "backoff", 1.0, section, minimum=0),
        max_retry_after=_number(table, "max_retry_after", 300.0, section, minimum=0),
        default_limit=default,
        host_limits=MappingProxyType(host_limits),
        max_bytes=int(_number(table, "max_mb", 64, section, above=0) * 1024 * 1024),
        max_seconds=_number(table, "max_seconds", 300.0, section, above=0),
        board_seconds=_number(table, "board_seconds", 600.0, section, above=0),
    )
