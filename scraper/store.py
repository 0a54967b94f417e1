"""The DuckDB store: every write of postings. Its tables are declared in scraper/schema.sql (older files are
converted by scraper/migrations.py).

Writers hold the file only while writing one batch; readers open it read-only. Postings are loaded in bulk:
a batch is read by DuckDB itself (`read_json` of a staged JSON-lines file, or any SQL for imports) into a
temporary table `incoming`, then merged by delete + insert in one transaction — measured 26-47x faster than
row-at-a-time inserts and 3.7x faster than INSERT ... ON CONFLICT here.
An import whose postings are all new skips `incoming`: `append_new` writes them in one statement.

Timestamps are naive UTC throughout.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from analysis.lines import hash_lines
from scraper.dates import utcnow
from scraper.errors import ConfigError, DatabaseLocked, JobtoneError, StorageError
from scraper.migrations import SCHEMA_VERSION, migrate, stored_version
from scraper.posting import Posting, words_sql
from scraper.sql import raise_storage_error, sql_string, temp_tables, transaction

log = logging.getLogger("jobtone")

# Columns of a posting as staged and loaded; `incoming` has these (an import adds its record number and reason).
INCOMING_COLUMNS: dict[str, str] = {
    "posting_id": "BIGINT", "source": "VARCHAR", "board": "VARCHAR", "external_id": "VARCHAR",
    "company": "VARCHAR", "title": "VARCHAR", "location": "VARCHAR", "url": "VARCHAR",
    "text": "VARCHAR", "boilerplate": "VARCHAR", "posted_at": "TIMESTAMP", "date_source": "VARCHAR",
    "raw": "VARCHAR", "fingerprint": "VARCHAR", "seen_only": "BOOLEAN", "content_hash": "VARCHAR",
}

# What merge_incoming copies from `incoming` into `postings` (`incoming` may carry more columns).
STORED_COLUMNS = ", ".join(f"i.{name}" for name in INCOMING_COLUMNS if name != "seen_only")


# DuckDB spills to <db>.tmp beyond its memory limit: capped, so one runaway query cannot fill the disk.
MAX_TEMP_SIZE = "8GB"
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB file
# Never fetch code at run time: a file DuckDB cannot read is an error, not a reason to download a reader.
# Every connection: no extension is ever downloaded or loaded behind the user's back (a foreign file must not
# make DuckDB fetch one).
CONNECTION_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# Per posting, at most this many characters of text (and of boilerplate) are stored; a longer one is cut
# and ends with TRUNCATED_NOTE. About 300 typical postings: no real posting comes near it.
MAX_TEXT_CHARS = 1_000_000
# DuckDB caches data pages up to its memory limit (80% of RAM by default) and holds temp tables in memory
# until then: analysis and import run under this limit instead, spilling to <db>.tmp beyond it.
MEMORY_LIMIT = "2GB"
TRUNCATED_NOTE = f"\n[jobtone: text cut at {MAX_TEXT_CHARS:,} characters]"
# Posting dates before this, or more than MAX_DAYS_AHEAD after the load (latest_plausible), are implausible:
# the posting is stored without a date (its `raw` keeps what the source said) and the load counts it.
EARLIEST_POSTED = datetime(1995, 1, 1)
MAX_DAYS_AHEAD = 366

# The error that stops `append_new` at a posting that is not plainly new.
NOT_NEW = "jobtone: not every posting is new"

_LOCK_HOLDER = re.compile(r"(?:Conflicting lock is held in|lock is held by)\s+(.+?)(?:\.\s+See also|$)", re.S)


@dataclass(frozen=True)
class LoadStats:
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    implausible_dates: int = 0  # posting dates stored as unknown (see EARLIEST_POSTED, MAX_DAYS_AHEAD)

    def __add__(self, other: LoadStats) -> LoadStats:
        return LoadStats(*(a + b for a, b in zip(asdict(self).values(), asdict(other).values(), strict=True)))


# -- connections ---------------------------------------------------------------------------------

def connect(path: Path, *, read_only: bool = False, wait: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open the database. Writers create and migrate it; a reader of a file an older jobtone wrote converts
    it first (briefly as a writer). A lock held by another process is retried with backoff for `wait`
    seconds, then raised as DatabaseLocked naming the holder."""
    path = Path(path)
    if read_only and not path.exists():
        raise JobtoneError(f"no database at {path} yet: run `jobtone scrape` (or `jobtone run`) first")
    check_database_file(path)
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(str(path.parent), exc.strerror or str(exc)) from exc
    con = _connect_waiting(path, read_only, wait)
    if read_only and 0 < (version := stored_version(con)) < SCHEMA_VERSION:
        con.close()  # written by an older jobtone: converted once, as any writer would, then read
        try:
            connect(path, wait=wait).close()
        except StorageError as exc:
            raise StorageError(str(path), f"written by an older jobtone (schema version {version}, now "
                                          f"{SCHEMA_VERSION}) and cannot be converted: {exc.reason}") from exc
        con = _connect_waiting(path, read_only, wait)
    con.execute(f"SET max_temp_directory_size = '{MAX_TEMP_SIZE}'")
    # Progress is tracked (jobtone draws it, see jobtone/progress.py), never drawn by DuckDB: it draws on stdout,
    # and `jobtone sql … > file` carried it.
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    if not read_only:
        _remove_spill_files(path)
        migrate(con)
    return con


def check_database_file(path: Path) -> None:
    """Refuse, before DuckDB reads it, a file that is not a DuckDB database (a SQLite file, say: DuckDB
    would try to download an extension to read it)."""
    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not a database file (--db or [database] path)")
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb") as file:
        head = file.read(16)
    if head[8:12] != DUCKDB_MAGIC:
        kind = "a SQLite database" if head.startswith(b"SQLite format 3") else "not a DuckDB database"
        raise ConfigError(f"{path} is {kind}: jobtone keeps its data in a DuckDB file (--db or [database] path)")


def _connect_waiting(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline, delay = time.monotonic() + wait, 0.1
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(CONNECTION_CONFIG))
        except duckdb.IOException as exc:
            holder = lock_holder(str(exc))
            if holder is None:
                raise StorageError(str(path), str(exc).splitlines()[0]) from exc
            if time.monotonic() + delay > deadline:
                raise DatabaseLocked(str(path), holder) from exc
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _remove_spill_files(path: Path) -> None:
    """A writer is alone with the file (DuckDB's lock excludes every other process, readers too), so any
    spill file in its temp directory was left by a killed process: remove them before they pile up."""
    for spill in path.with_name(path.name + ".tmp").glob("*"):
        if spill.is_file():
            spill.unlink(missing_ok=True)


def limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Bound DuckDB's memory on this connection (see MEMORY_LIMIT): for the heavy work, analysis and import."""
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")


@contextmanager
def opened(path: Path, *, read_only: bool = False, wait: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect` as a context manager that always closes, so the file is held as briefly as possible. The
    file system failing a statement of the block (disk full, read-only, permission), or the close, is
    StorageError naming the file, never DuckDB's own words for a commit that could not be written."""
    con = connect(path, read_only=read_only, wait=wait)
    try:
        yield con
    except BaseException as exc:
        with suppress(duckdb.Error):
            con.close()
        raise_storage_error(str(path), exc)
        raise
    try:
        con.close()  # a writer's close checkpoints: it writes too
    except duckdb.Error as exc:
        raise_storage_error(str(path), exc)
        raise


def lock_holder(message: str) -> str | None:
    """Who holds the lock, from DuckDB's "Could not set lock" message; None for other I/O errors."""
    if "lock" not in message.lower():
        return None
    found = _LOCK_HOLDER.search(message)
    return found.group(1).strip() if found else "another process"


# -- loading postings ------------------------------------------------------------------------------

def posting_record(posting: Posting) -> dict[str, Any]:
    """A posting as one JSON-lines record of the `incoming` shape."""
    record = {name: getattr(posting, name) for name in INCOMING_COLUMNS if name not in ("posting_id", "content_hash")}
    record["posting_id"] = posting.posting_id
    record["content_hash"] = posting.content_hash
    record["posted_at"] = posting.posted_at.isoformat() if posting.posted_at else None
    return record


def write_jsonl(postings: Iterable[Posting], path: Path) -> int:
    """Write postings as JSON lines (the staging format); returns how many."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for posting in postings:
            out.write(json.dumps(posting_record(posting)))  # ASCII escapes: faster to write
            out.write("\n")
            count += 1
    return count


def load_postings(con: duckdb.DuckDBPyConnection, postings: Iterable[Posting], seen_at: datetime,
                  complete: Sequence[tuple[str, str]] = ()) -> LoadStats:
    """Bulk-load postings seen at `seen_at`. For each (source, board) in `complete`, the batch is that
    board's whole listing: its stored postings missing from the batch are marked removed."""
    fd, name = tempfile.mkstemp(suffix=".jsonl", prefix="jobtone-")
    os.close(fd)
    try:
        write_jsonl(postings, Path(name))
        return load_jsonl(con, Path(name), seen_at, complete)
    finally:
        os.unlink(name)


def load_jsonl(con: duckdb.DuckDBPyConnection, path: Path, seen_at: datetime,
               complete: Sequence[tuple[str, str]] = (),
               on_loaded: Callable[[duckdb.DuckDBPyConnection, LoadStats], object] = lambda con, stats: None) -> LoadStats:
    """Bulk-load a staged JSON-lines file (see `write_jsonl`) in one transaction; `on_loaded` runs in it
    (a run counts what it loaded there: the postings and their count are committed together or not at all)."""
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in INCOMING_COLUMNS.items()) + "}"
    with transaction(con), temp_tables(con, "incoming"):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE incoming AS
            SELECT * FROM read_json({sql_string(str(path))}, format = 'newline_delimited',
                                    columns = {columns}, maximum_object_size = 268435456)""")
        stats = merge_incoming(con, seen_at, complete)
        on_loaded(con, stats)
        return stats


def append_new(con: duckdb.DuckDBPyConnection, rows: str, params: dict[str, Any], seen_at: datetime) -> int | None:
    """Store the postings `rows` selects (INCOMING_COLUMNS) in one statement, their lines hashed, when every
    one is new: what `merge_incoming` would do for them, without `incoming` (a temp table holding every
    text once more: a third of the time of a large import). Returns how many; None, with nothing changed,
    if any is not plainly new — its id stored already or twice in `rows`, its date implausible, its text
    too long, or `rows` raising NOT_NEW — (the statement stops where one is met): merge those instead."""
    plain = (f"NOT seen_only AND strlen(text) <= {MAX_TEXT_CHARS} AND strlen(boilerplate) <= {MAX_TEXT_CHARS} "
             "AND (posted_at IS NULL OR posted_at BETWEEN $earliest AND $latest) "
             "AND posting_id NOT IN (SELECT posting_id FROM postings)")
    try:
        with transaction(con):
            before = int(con.execute("SELECT coalesce(max(rowid), -1) FROM postings").fetchall()[0][0])
            count = int(con.execute(f"""
                INSERT INTO postings BY NAME
                SELECT {STORED_COLUMNS}, {words_sql('i.text')} AS words, $seen AS first_seen_at,
                       $seen AS last_seen_at, NULL::TIMESTAMP AS removed_at, $seen AS changed_at
                FROM ({rows}) i WHERE CASE WHEN {plain} THEN true ELSE error('{NOT_NEW}') END""",
                {**params, "seen": seen_at, "earliest": EARLIEST_POSTED,
                 "latest": latest_plausible(seen_at)}).fetchall()[0][0])
            # Rows appended in this transaction come after every row id the table had.
            added = f"(SELECT posting_id, company, text FROM postings WHERE rowid > {before})"
            if con.execute(f"SELECT count(*) > count(DISTINCT posting_id) FROM {added}").fetchall()[0][0]:
                con.execute(f"SELECT error('{NOT_NEW}')")
            hash_lines(con, added)
    except duckdb.InvalidInputException as exc:
        if NOT_NEW not in str(exc):
            raise
        return None
    return count


def merge_incoming(con: duckdb.DuckDBPyConnection, seen_at: datetime,
                   complete: Sequence[tuple[str, str]] = ()) -> LoadStats:
    """Merge the caller's temp table `incoming` (INCOMING_COLUMNS; others are ignored) into `postings`; the
    caller owns the transaction.

    Postings seen again with the same wording and metadata (and `seen_only` rows) only get `last_seen_at`
    advanced, in place. New and changed postings are written by delete + insert, with their word count and
    their lines hashed (the analysis's hook, analysis/lines.py); a change of wording keeps the earlier one in posting_history.
    Stored text is never read except for postings whose wording changed.
    """
    if con.execute("SELECT count(*) > count(DISTINCT posting_id) FROM incoming").fetchall()[0][0]:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE incoming AS
            SELECT * FROM incoming QUALIFY row_number() OVER (PARTITION BY posting_id ORDER BY seen_only) = 1""")
    implausible = _clean_incoming(con, seen_at)
    with temp_tables(con, "triage"):
        return replace(_merge_triaged(con, seen_at, complete), implausible_dates=implausible)


def _clean_incoming(con: duckdb.DuckDBPyConnection, seen_at: datetime) -> int:
    """Apply the per-posting limits to `incoming`: texts cut at MAX_TEXT_CHARS, implausible posting dates
    made unknown (the caller's `raw` is kept); returns how many dates."""
    for column in ("text", "boilerplate"):  # strlen first: a byte count, free; length() reads the text
        con.execute(f"""UPDATE incoming SET {column} = left({column}, {MAX_TEXT_CHARS}) || $note
                        WHERE strlen({column}) > {MAX_TEXT_CHARS} AND length({column}) > {MAX_TEXT_CHARS}""",
                    {"note": TRUNCATED_NOTE})
    latest = latest_plausible(seen_at)
    # A source record without `raw` (a file import) keeps the dropped date there: {"import:date": "2900-06-01 ..."}.
    rows = con.execute("""UPDATE incoming SET posted_at = NULL, date_source = '',
                                              raw = if(raw = '', json_object(date_source, posted_at::VARCHAR)::VARCHAR, raw)
                          WHERE posted_at < $earliest OR posted_at > $latest""",
                       {"earliest": EARLIEST_POSTED, "latest": latest}).fetchall()
    implausible = int(rows[0][0]) if rows else 0
    if implausible:
        log.warning("%d posting dates before %s or after %s: stored as unknown (kept in raw)",
                    implausible, EARLIEST_POSTED.date(), latest.date())
    return implausible


def latest_plausible(seen_at: datetime | None = None) -> datetime:
    """The latest plausible posting date: MAX_DAYS_AHEAD after now (or after `seen_at` if later). Now,
    not only `seen_at`: a backfill's postings are seen at their capture time, years ago."""
    return max(utcnow(), seen_at or utcnow()) + timedelta(days=MAX_DAYS_AHEAD)


def _merge_triaged(con: duckdb.DuckDBPyConnection, seen_at: datetime, complete: Sequence[tuple[str, str]]) -> LoadStats:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE triage AS
        SELECT i.posting_id, p.posting_id IS NOT NULL AS known,
               p.posting_id IS NOT NULL AND (i.seen_only OR (
                   i.content_hash = p.content_hash AND i.company IS NOT DISTINCT FROM p.company
                   AND i.location IS NOT DISTINCT FROM p.location AND i.url IS NOT DISTINCT FROM p.url
                   AND i.posted_at IS NOT DISTINCT FROM p.posted_at)) AS same,
               p.posting_id IS NOT NULL AND NOT i.seen_only AND i.content_hash <> p.content_hash AS changed,
               p.first_seen_at, p.changed_at
        FROM incoming i
        LEFT JOIN (SELECT posting_id, content_hash, company, location, url, posted_at, first_seen_at, changed_at
                   FROM postings WHERE posting_id IN (SELECT posting_id FROM incoming)) p USING (posting_id)""")
    new, updated, unchanged = con.execute(
        "SELECT count(*) FILTER (NOT known), count(*) FILTER (changed), count(*) FILTER (known AND NOT changed) FROM triage"
    ).fetchall()[0]
    con.execute("""
        UPDATE postings SET first_seen_at = least(first_seen_at, $seen), last_seen_at = greatest(last_seen_at, $seen),
                            removed_at = NULL
        WHERE posting_id IN (SELECT posting_id FROM triage WHERE same)""", {"seen": seen_at})
    if updated:
        con.execute("""
            INSERT INTO posting_history
            SELECT posting_id, content_hash, title, text, boilerplate, changed_at, $seen FROM postings
            WHERE posting_id IN (SELECT posting_id FROM triage WHERE changed)""", {"seen": seen_at})
    con.execute("DELETE FROM postings WHERE posting_id IN (SELECT posting_id FROM triage WHERE known AND NOT same)")
    con.execute(f"""
        INSERT INTO postings BY NAME
        SELECT {STORED_COLUMNS}, {words_sql('i.text')} AS words, coalesce(least(t.first_seen_at, $seen), $seen) AS first_seen_at,
               $seen AS last_seen_at, NULL::TIMESTAMP AS removed_at,
               if(t.known AND NOT t.changed, t.changed_at, $seen) AS changed_at
        FROM incoming i JOIN triage t USING (posting_id) WHERE NOT t.same""", {"seen": seen_at})
    hash_lines(con, "(SELECT i.posting_id, i.company, i.text FROM incoming i JOIN triage t USING (posting_id) WHERE NOT t.same)")
    removed = _mark_removed(con, complete, seen_at)
    return LoadStats(new + updated + unchanged, new, updated, unchanged, removed)


def _mark_removed(con: duckdb.DuckDBPyConnection, complete: Sequence[tuple[str, str]], seen_at: datetime) -> int:
    """Mark removed the stored postings of the `complete` boards missing from `incoming`: one statement for all
    the boards (one per board scanned `postings` once per board: 1 s a flush of 200 boards, growing with the file)."""
    if not complete:
        return 0
    row = con.execute("""
        UPDATE postings p SET removed_at = $seen
        FROM (SELECT DISTINCT b[1] AS source, b[2] AS board FROM (SELECT unnest($boards) AS b)) c
        WHERE p.source = c.source AND p.board = c.board AND p.removed_at IS NULL AND p.last_seen_at < $seen
          AND p.posting_id NOT IN (SELECT posting_id FROM incoming)""",
        {"seen": seen_at, "boards": [list(board) for board in complete]}).fetchone()
    return int(row[0]) if row else 0



# -- reading helpers -------------------------------------------------------------------------------

def known_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, str]]:
    """(source, board) → {external_id: fingerprint} for listed postings that carry a fingerprint."""
    known: dict[tuple[str, str], dict[str, str]] = {}
    rows = con.execute("""SELECT source, board, external_id, fingerprint FROM postings
                          WHERE removed_at IS NULL AND coalesce(fingerprint, '') <> ''""").fetchall()
    for source, board, external_id, fingerprint in rows:
        known.setdefault((source, board), {})[external_id] = fingerprint
    return known
