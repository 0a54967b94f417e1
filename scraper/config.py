"""The TOML configuration: boards, API roots, database path and HTTP politeness.

Lookup order: `--config PATH`, else `jobtone.toml` in the working directory, else the built-in
default (`scraper/default.toml`, which `jobtone init` copies out for editing).
"""

from __future__ import annotations

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
        raise ConfigError(f"config file {path} not found")
    if path is None and Path(CONFIG_NAME).is_file():
        path = Path(CONFIG_NAME)
    text = path.read_text(encoding="utf-8") if path else default_config_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path or 'built-in default config'}: {exc}") from exc
    return config_from_dict(data, path=path, db=db)


def config_from_dict(data: Mapping[str, Any], path: Path | None = None, db: Path | None = None) -> Config:
    where = str(path or "built-in default config")
    database = _table(data, "database", where)
    api = _table(data, "api", where)
    for name, root in api.items():
        if not isinstance(root, str) or not root.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: [api] {name} must be an http(s) URL, got {root!r}")
    return Config(
        boards=tuple(parse_board(entry, where) for entry in data.get("board", []))
        + tuple(parse_page(entry, where) for entry in data.get("page", [])),
        db_path=Path(db or database.get("path") or DEFAULT_DB),
        api=MappingProxyType(dict(api)),
        http=_http_settings(_table(data, "http", where), where),
        lock_wait=float(database.get("lock_wait", 60.0)),
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
    minutes = table.get("max_minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0):
        raise ConfigError(f"{where}: [run] max_minutes must be a number of minutes above 0, got {minutes!r}")
    return RunSettings(None if minutes is None else float(minutes))


def _http_settings(table: Mapping[str, Any], where: str) -> HttpSettings:
    try:
        default = HostLimit(int(table.get("concurrency", 2)), float(table.get("interval", 0.5)))
        hosts = {
            host: HostLimit(int(v.get("concurrency", default.concurrency)), float(v.get("interval", default.interval)))
            for host, v in table.get("hosts", {}).items()
        }
        return HttpSettings(
            connect_timeout=float(table.get("connect_timeout", 10.0)),
            read_timeout=float(table.get("timeout", 60.0)),
            retries=int(table.get("retries", 4)),
            backoff=float(table.get("backoff", 1.0)),
            max_retry_after=float(table.get("max_retry_after", 300.0)),
            default_limit=default,
            host_limits=MappingProxyType(hosts),
            max_bytes=int(float(table.get("max_mb", 64)) * 1024 * 1024),
            max_seconds=float(table.get("max_seconds", 300.0)),
            board_seconds=float(table.get("board_seconds", 600.0)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{where}: bad [http] value: {exc}") from exc
