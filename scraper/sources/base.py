"""What every source module provides, and the small records passed to it.

A source module defines:

    NAME: str            # the `ats` value in config and the `source` column in the store
    ROOT: str            # default API root; the user can override it in the config's [api] table
    COMPLETE: bool       # True when one fetch returns the whole board (missing postings are then removed)
    HOST_LIMIT: HostLimit | None   # optional politeness default for its host
    def fetch(ctx: FetchContext, board: Board) -> Iterator[Any]   # HTTP and paging only: yields documents
    def parse(doc: Any, board: Board) -> list[Posting]            # pure: no I/O, no clock; strict
    def records(doc: Any) -> list[tuple[str, Any]]                # optional: each record on its own

and gets one line in `scraper/sources/__init__.py`.

`parse` is strict: a record it cannot read is ParseError (`each` wraps the per-record step). Documents
are parsed through `parse_document`, the one parse boundary: when `parse` fails, a source with `records`
(each record as its id and a copy of the document holding only it) has each record parsed on its own, so
a bad record is skipped and noted against its id while the others are kept; any error a parser raises
comes out as ParseError, and lone surrogates are replaced in every posting's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from scraper.errors import BadResponse, ParseError
from scraper.http import Client, HostLimit
from scraper.posting import Posting

R = TypeVar("R")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON may escape one ("\ud800"); UTF-8 cannot hold it


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


@dataclass(frozen=True)
class Skipped:
    """A record that could not be read: its id (as its posting's `external_id`; "" without one) and why."""

    record_id: str
    reason: str


class Parsed(list[Posting]):
    """A document's postings, and the records of it that were skipped."""

    def __init__(self, postings: Iterable[Posting] = (), skipped: Iterable[Skipped] = ()) -> None:
        super().__init__(postings)
        self.skipped = list(skipped)


def collect(source: Source, ctx: FetchContext, board: Board, skipped: list[Skipped] | None = None) -> Iterator[Posting]:
    """Fetch a board and parse every document it yields; records that could not be read go to `skipped`."""
    for doc in source.fetch(ctx, board):
        parsed = parse_document(source, doc, board)
        if skipped is not None:
            skipped += parsed.skipped
        yield from parsed


def parse_document(source: Source, doc: Any, board: Board) -> Parsed:
    """`source.parse(doc)`; when that fails, each of the document's records on its own (a bad record is
    skipped, the others kept). ParseError only when the document itself cannot be read."""
    try:
        return Parsed(map(storable, source.parse(doc, board)))
    except Exception as exc:  # a parser's bug is still a record it could not read, never an internal error
        whole = as_parse_error(source.NAME, exc)
    records = getattr(source, "records", None)
    try:
        parts = list(records(doc)) if records is not None else None
    except Exception:
        parts = None
    if parts is None:
        raise whole
    postings, skipped = [], []
    for record_id, part in parts:
        try:
            postings += source.parse(part, board)
        except Exception as exc:
            skipped.append(Skipped(record_id, as_parse_error(source.NAME, exc).reason))
    return Parsed(map(storable, postings), skipped)


def each(source: str, records: Iterable[R], make: Callable[[R], Posting]) -> list[Posting]:
    """`make(record)` for every record; any error in one is ParseError naming the source."""
    try:
        return [make(record) for record in records]
    except Exception as exc:
        raise as_parse_error(source, exc) from exc


def as_parse_error(source: str, exc: Exception) -> ParseError:
    """Any error raised while parsing, as the ParseError it stands for."""
    if isinstance(exc, ParseError):
        return exc
    if isinstance(exc, RecursionError):
        return ParseError(source, "a record nested too deeply to read")
    return ParseError(source, f"unexpected record shape: {exc!r}")


def record_list(doc: Any, key: str | None, source: str) -> list[Any]:
    """The document's records: `doc[key]` (the document itself when `key` is None) if it is a list, else
    ParseError."""
    items = doc if key is None else doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ParseError(source, "expected a list of records" if key is None else f"expected an object with a `{key}` list")
    return items


def objects(doc: Any, key: str | None, source: str) -> list[dict[str, Any]]:
    """`record_list`, each record an object (ParseError otherwise)."""
    items = record_list(doc, key, source)
    if not all(isinstance(item, dict) for item in items):
        raise ParseError(source, f"expected the `{key or 'list'}` records to be objects")
    return items


def one_by_one(doc: Any, key: str | None, source: str, id_field: str) -> list[tuple[str, Any]]:
    """Each record on its own, for `records`: (its `id_field`, a copy of the document holding only it)."""
    def alone(item: Any) -> Any:
        return [item] if key is None else {**doc, key: [item]}
    return [(record_id(item, id_field), alone(item)) for item in record_list(doc, key, source)]


def record_id(record: Any, id_field: str) -> str:
    """A record's id as text ("" when it has none that could be an id)."""
    value = record.get(id_field) if isinstance(record, dict) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def listed(data: Any, key: str, url: str) -> Any:
    """`data` when `data[key]` is a list; else BadResponse (a 200 carrying an error object, a changed API)."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise BadResponse(url, f"no `{key}` list in the response")
    return data


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is an object, else an empty one: for optional nested fields."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` when it is a list, else an empty one: for optional list fields."""
    return value if isinstance(value, list) else []


def storable(posting: Posting) -> Posting:
    """The posting with lone surrogates replaced by U+FFFD in every text field, so it can be written."""
    changed: dict[str, Any] = {f.name: _LONE_SURROGATE.sub("\ufffd", value) for f in fields(posting)
               if isinstance(value := getattr(posting, f.name), str) and _LONE_SURROGATE.search(value)}
    return replace(posting, **changed) if changed else posting
