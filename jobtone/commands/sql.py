"""Run a read-only SQL query against the database and print the rows.

The database is opened read-only, so nothing can be written; if a scrape holds the file for a moment,
the query waits briefly (--wait) and then answers. Tables: postings, posting_history, runs, board_runs,
plus the analysis tables and views described in the README.

Rows are written as DuckDB produces them, so a result of millions of rows streams to a file or a pipe
without filling memory. Ctrl-C stops a query at once (exit 130); --timeout stops one that computes for
longer than that (exit 1). Time spent waiting for whoever reads the output (a pager, a slow pipe) does
not count.

While a query runs it holds the database read-only: other readers (`jobtone sql`, `jobtone runs`) are
not held up, but a writer is — a `jobtone run` or `scrape` meanwhile keeps what it fetched in the staging
folder, retries for [database] lock_wait seconds, then exits 3 and loads the staged postings next time.
Nothing is lost, and --timeout bounds how long a forgotten query can keep writers out.

Examples:
  jobtone sql "SELECT source, count(*) FROM postings GROUP BY ALL"
  jobtone sql --format csv "SELECT company, title, posted_at FROM postings" > postings.csv
  jobtone sql --timeout 30 "SELECT ..." """

from __future__ import annotations

import argparse
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import duckdb

from jobtone.commands.argtypes import finite_nonnegative_float, non_blank
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from jobtone.output import FORMATS, write_batches
from scraper import store
from scraper.errors import ConfigError, JobtoneError

NAME = "sql"
DEFAULT_TIMEOUT = 300.0
CHUNK_ROWS = 2048  # rows fetched at a time (one DuckDB vector); at most QUEUED chunks wait to be written
QUEUED = 2
POLL = 0.1  # seconds: how often the waiting main thread looks at the clock (and lets Ctrl-C in)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", type=non_blank, help="the SQL query (read-only)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--wait", type=finite_nonnegative_float, default=30.0, metavar="SECONDS",
                        help="how long to wait for a writer to release the database (default: 30)")
    parser.add_argument("--timeout", type=finite_nonnegative_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop the query after it has computed for this long, exit 1 (default: "
                             f"{DEFAULT_TIMEOUT:g}; 0: no limit)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    with store.opened(ctx.db_path, read_only=True, wait=args.wait) as con:
        # No file access from ad hoc SQL either: no COPY TO, no ATTACH of another file read-write.
        con.execute("SET enable_external_access = false; SET lock_configuration = true")
        with RunningQuery(con, args.query, args.timeout) as query:
            columns = query.columns()
            if columns is not None:
                write_batches(columns, query.batches(), args.format, ctx.out)
    return ExitCode.OK


class RunningQuery:
    """One query run on a worker thread, its rows handed over in chunks through a small queue.

    The main thread only ever waits on the queue, in short steps, so Ctrl-C (KeyboardInterrupt, raised in
    the main thread) and the time limit are noticed at once wherever DuckDB is — planning, computing, or
    producing the next chunk — and answered with `interrupt()`, which DuckDB honours from another thread.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, sql: str, timeout: float) -> None:
        self._con = con
        self._sql = sql
        self._timeout = timeout
        self._waited = 0.0
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=QUEUED)
        self._stopping = threading.Event()
        self._worker = threading.Thread(target=self._work, name="jobtone-sql", daemon=True)

    def __enter__(self) -> RunningQuery:
        self._worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def columns(self) -> list[str] | None:
        """The result's column names once DuckDB has planned the query; None for a statement without rows."""
        kind, value = self._next()
        if kind == "empty":
            raise ConfigError("the query holds no SQL statement (only white space, comments or `;`)")
        return value

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        while True:
            kind, value = self._next()
            if kind == "end":
                return
            yield value

    def stop(self) -> None:
        """Interrupt DuckDB if it is still busy and wait for the worker to finish."""
        self._stopping.set()
        while self._worker.is_alive():
            self._con.interrupt()  # again each round: an interrupt before the query starts would be lost
            self._worker.join(POLL)

    def _next(self) -> tuple[str, Any]:
        """The worker's next item; only the time spent waiting here counts towards the limit."""
        while True:
            started = time.monotonic()
            try:
                kind, value = self._queue.get(timeout=POLL)
            except queue.Empty:
                self._waited += time.monotonic() - started
                if self._timeout and self._waited >= self._timeout:
                    self.stop()
                    raise JobtoneError(f"query stopped after {self._timeout:g} seconds (--timeout): narrow it "
                                       "down, or give it longer with --timeout") from None
                continue
            self._waited += time.monotonic() - started
            if kind == "error":
                if isinstance(value, duckdb.Error):
                    raise JobtoneError(f"query failed: {(str(value).splitlines() or [type(value).__name__])[0]}") \
                        from value
                raise value
            return kind, value

    def _work(self) -> None:
        try:
            cursor = self._con.execute(self._sql)
            if cursor is None:
                self._put("empty", None)
                return
            self._put("columns", None if cursor.description is None else [d[0] for d in cursor.description])
            while cursor.description is not None and not self._stopping.is_set():
                rows = cursor.fetchmany(CHUNK_ROWS)
                if not rows:
                    break
                self._put("rows", rows)
            self._put("end", None)
        except BaseException as exc:  # handed to the main thread, which raises it
            self._put("error", exc)

    def _put(self, kind: str, value: Any) -> None:
        while not self._stopping.is_set():
            try:
                self._queue.put((kind, value), timeout=POLL)
                return
            except queue.Full:
                continue
