"""How a long job shows what it is doing: a small progress bar on a terminal, nothing of it when stderr is not
one (cron gets one log line per step instead), and a summary line at the end."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import duckdb

from scraper.backfill import Step
from scraper.scrape import BoardOutcome, RunSummary

log = logging.getLogger("jobtone")


class Progress:
    """A bar of `total` steps drawn on `stream` when `enabled`."""

    def __init__(self, total: int, label: str, stream: TextIO, enabled: bool) -> None:
        self.total, self.label, self.stream, self.enabled = max(total, 0), label, stream, enabled
        self.done = 0
        self.started = time.monotonic()

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if self.enabled:
            self._draw(note)

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _draw(self, note: str) -> None:
        elapsed = time.monotonic() - self.started
        filled = _bar(self.done / self.total if self.total else 1)
        self.stream.write(f"\r\033[K{self.label} [{filled}] {self.done}/{self.total} {elapsed:4.0f}s {note[:40]}")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def statement_progress(con: duckdb.DuckDBPyConnection, label: str, stream: TextIO, enabled: bool,
                       every: float = 0.25) -> Iterator[None]:
    """While the block runs, how far DuckDB is through the statement it is running (an import's scan of the
    file, an analysis' scan of the texts), redrawn `every` seconds on `stream` when `enabled`."""
    if not enabled:
        yield
        return
    stop, started = threading.Event(), time.monotonic()

    def draw() -> None:
        while not stop.wait(every):
            try:
                done = con.query_progress()  # -1 between statements
            except duckdb.Error:  # the connection was closed, or failed: the caller reports that
                return
            if done >= 0:
                stream.write(f"\r\033[K{label} [{_bar(done / 100)}] {done:3.0f}% {time.monotonic() - started:4.0f}s")
                stream.flush()

    drawing = threading.Thread(target=draw, daemon=True)
    drawing.start()
    try:
        yield
    finally:
        stop.set()
        drawing.join()
        stream.write("\r\033[K")
        stream.flush()


def _bar(fraction: float, width: int = 24) -> str:
    filled = int(width * min(max(fraction, 0), 1))
    return "#" * filled + "-" * (width - filled)


class ScrapeProgress:
    """Scraping boards: a progress bar on a terminal, one log line per board otherwise, then a summary line."""

    def __init__(self, err: TextIO, interactive: bool) -> None:
        self.err, self.interactive = err, interactive
        self.bar: Progress | None = None

    def start(self, boards: int) -> None:
        self.bar = Progress(boards, "scraping", self.err, self.interactive)

    def done(self, outcome: BoardOutcome) -> None:
        if self.bar:
            self.bar.advance(note=f"{outcome.source}:{outcome.board}")
        if outcome.failed:
            log.warning("%s:%s %s: %s", outcome.source, outcome.board, outcome.status, outcome.error)
        elif not self.interactive:
            log.info("%s:%s %s: %d fetched, %d new, %d updated, %d removed%s", outcome.source, outcome.board,
                     outcome.status, outcome.fetched, outcome.new, outcome.updated, outcome.removed,
                     oddities(outcome.skipped, outcome.implausible_dates))

    def end(self, summary: RunSummary | None) -> None:
        if self.bar:
            self.bar.close()
        if summary:
            log.info("%s: %d boards, %d failed; %d postings fetched, %d new, %d updated, %d removed%s",
                     summary.status, len(summary.outcomes), summary.failures, summary.total("fetched"),
                     summary.total("new"), summary.total("updated"), summary.total("removed"),
                     oddities(summary.total("skipped"), summary.total("implausible_dates")))


def oddities(skipped: int, implausible_dates: int) -> str:
    """What a summary line adds about records skipped and dates stored as unknown ("" when none)."""
    return (f", {skipped} records skipped" if skipped else "") + (
        f", {implausible_dates} implausible dates stored as unknown" if implausible_dates else "")


class BackfillProgress:
    """A backfill's steps (threads or captures): a progress bar on a terminal, one log line per step otherwise,
    then a summary line naming the unit ("threads") and what its skipped items are."""

    def __init__(self, err: TextIO, interactive: bool, label: str, unit: str, skipped_what: str) -> None:
        self.err, self.interactive = err, interactive
        self.label, self.unit, self.skipped_what = label, unit, skipped_what
        self.bar: Progress | None = None
        self.skipped = 0

    def plan(self, todo: int, done_before: int) -> None:
        if done_before:
            log.info("%d %s already stored; %d to load", done_before, self.label, todo)
        self.bar, self.skipped = Progress(todo, self.label, self.err, self.interactive), 0

    def step(self, step: Step) -> None:
        o = step.outcome
        self.skipped += step.skipped
        if self.bar:
            self.bar.advance(note=f"{step.label} {o.fetched} postings")
        if o.failed:
            log.warning("%s failed: %s (%s)", step.label, o.error, o.url)
        elif not self.interactive:
            log.info("%s %s: %d postings (%d skipped), %d new, %d updated", step.label, o.status, o.fetched,
                     step.skipped, o.new, o.updated)

    def end(self, summary: RunSummary | None) -> None:
        if self.bar:
            self.bar.close()
        if summary:
            log.info("%s: %d %s, %d failed; %d postings, %d new, %d updated; %d %s",
                     summary.status, len(summary.outcomes), self.unit, summary.failures, summary.total("fetched"),
                     summary.total("new"), summary.total("updated"), self.skipped, self.skipped_what)


def hn_progress(err: TextIO, interactive: bool) -> BackfillProgress:
    """The progress of loading Hacker News hiring threads (`jobtone backfill hn`, and `jobtone run`'s first)."""
    return BackfillProgress(err, interactive, "hn threads", "threads", "comments skipped (deleted, dead or empty)")


def warn_locked(summaries: Iterable[RunSummary], db_path: Path, err: TextIO) -> None:
    """One line per run that found the database locked: who holds it, and that nothing fetched is lost."""
    for summary in summaries:
        if summary.locked_by:
            print(f"jobtone: database {db_path} is locked by {summary.locked_by}; fetched postings are staged "
                  "and will load on the next run", file=err)
