"""A database file that does not grow without bound: `compact` rewrites it, optionally pruning old runs.

DuckDB reuses the space of deleted rows only partly and never shrinks its file, so `compact` rewrites the
database into a fresh file (ATTACH + COPY FROM DATABASE) and swaps it in with an atomic rename. The swap
happens while the old file is still held open for writing, so no other writer can slip a write into the
old file in between: a writer waiting for the lock opens the new file by name once the old one is closed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from scraper import store
from scraper.errors import JobtoneError
from scraper.sql import sql_string, transaction


@dataclass(frozen=True)
class CompactStats:
    size_before: int
    size_after: int
    runs_pruned: int = 0
    board_runs_pruned: int = 0


def file_size(db_path: Path) -> int:
    """Bytes of the database file and its write-ahead log."""
    return sum(p.stat().st_size for p in (Path(db_path), wal_path(db_path)) if p.exists())


def wal_path(db_path: Path) -> Path:
    """DuckDB's write-ahead log beside the database file."""
    return Path(db_path).with_name(Path(db_path).name + ".wal")


def compact(db_path: Path, *, wait: float = 60.0, prune_before: datetime | None = None) -> CompactStats:
    """Rewrite the database into a fresh file and swap it in; optionally drop run records older than
    `prune_before` first. The caller should hold the run lock so no scheduled run is mid-way."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise JobtoneError(f"no database at {db_path} to compact")
    before = file_size(db_path)
    fresh = db_path.with_name(db_path.name + ".compact")
    _remove(fresh)
    with store.opened(db_path, wait=wait) as con:
        runs, boards = prune_runs(con, prune_before) if prune_before else (0, 0)
        con.execute("CHECKPOINT")
        _copy_database(con, fresh)
        if wal_path(db_path).exists():  # the fresh file would replay the old file's log: refuse
            _remove(fresh)
            raise JobtoneError(f"{wal_path(db_path)} still exists after CHECKPOINT; nothing was changed")
        os.replace(fresh, db_path)  # while the old file is still locked: no writer can get in between
    return CompactStats(before, file_size(db_path), runs, boards)


def prune_runs(con: duckdb.DuckDBPyConnection, before: datetime) -> tuple[int, int]:
    """Delete runs (and their board outcomes) that started before `before`; returns (runs, board_runs)."""
    with transaction(con):
        boards = con.execute("""DELETE FROM board_runs WHERE run_id IN
                                (SELECT run_id FROM runs WHERE started_at < ?)""", [before]).fetchall()[0][0]
        runs = con.execute("DELETE FROM runs WHERE started_at < ?", [before]).fetchall()[0][0]
    return int(runs), int(boards)


def days_ago(now: datetime, days: float) -> datetime:
    """`days` before `now`."""
    return now - timedelta(days=days)


def _copy_database(con: duckdb.DuckDBPyConnection, fresh: Path) -> None:
    name = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f"ATTACH {sql_string(str(fresh))} AS jobtone_compact")
    try:
        con.execute(f'COPY FROM DATABASE "{name}" TO jobtone_compact')
        con.execute("CHECKPOINT jobtone_compact")
    finally:
        con.execute("DETACH jobtone_compact")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    wal_path(path).unlink(missing_ok=True)
