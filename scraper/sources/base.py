"""What every source module provides, and the small records passed to it.

A source module defines:

    NAME: str            # the `ats` value in config and the `source` column in the store
    ROOT: str            # default API root; the user can override it in the config's [api] table
    COMPLETE: bool       # True when one fetch returns the whole board (missing postings are then removed)
    HOST_LIMIT: HostLimit | None   # optional politeness default for its host
    def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]   # HTTP and paging only: yields documents
    def parse(doc: Any, board: Board) -> list[Posting]            # pure: no I/O, no clock

and gets one line in `scraper/sources/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol

from scraper.http import Client, HostLimit
from scraper.posting import Posting


@dataclass(frozen=True)
class Board:
    """One configured board: a `[[board]]` entry (or `ats:token` on the command line)."""

    ats: str
    token: str
    company: str = ""
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key(self) -> str:
        return f"{self.ats}:{self.token}"

    @property
    def display(self) -> str:
        return self.company or self.token


@dataclass(frozen=True)
class FetchContext:
    """What `fetch` may use: the polite client, this source's API root, the user's whole `[api]` table
    (for sources with a second root, e.g. `lever_eu`), and what is stored already."""

    client: Client
    root: str
    now: datetime
    api: Mapping[str, str] = field(default_factory=dict)
    known: Callable[[], Mapping[str, str]] = lambda: {}  # external_id -> stored fingerprint, for this board

    def url(self, path: str) -> str:
        return self.root.rstrip("/") + "/" + path.lstrip("/")


class Source(Protocol):
    NAME: str
    ROOT: str
    COMPLETE: bool
    HOST_LIMIT: HostLimit | None

    def fetch(self, ctx: FetchContext, board: Board) -> Iterator[Any]: ...

    def parse(self, doc: Any, board: Board) -> list[Posting]: ...


def collect(source: Source, ctx: FetchContext, board: Board) -> Iterator[Posting]:
    """Fetch a board and parse every document it yields."""
    for doc in source.fetch(ctx, board):
        yield from source.parse(doc, board)
