"""A scrape: fetch boards in parallel (politely per host), stage each board's postings, load the staged
batches in short writes, and record the run. One failing board never stops the others.

At thousands of boards: each host gets at most its concurrency's worth of boards at a time while hosts run in
parallel (so no worker waits on a busy host's gate while another host idles), the boards visited longest ago
go first (`board_visits`), a run may stop starting boards at a deadline (`[run] max_minutes`), and the
boards finished meanwhile are loaded in one transaction by a thread of their own (scraper/background_load.py), so
database writes never hold up the fetches.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scraper import discovery_store, store
from scraper.background_load import BackgroundLoad
from scraper.batch_load import load_batches
from scraper.config import Config
from scraper.dates import utcnow
from scraper.errors import DatabaseLocked, FetchError, JobtoneError, NotFound, StorageError, one_line
from scraper.host_turns import HostTurns, in_turn
from scraper.http import Client
from scraper.run_records import close_abandoned, count_batches, write_run_record
from scraper.sources import Board, FetchContext, collect, get_source
from scraper.sources.base import Skipped
from scraper.staging import Batch, Staging

log = logging.getLogger(__name__)

MAX_ERROR = 2000  # characters of an outcome's error text kept (a board may skip many records)

# What the store holds for detail-per-posting sources: (source, board) -> external_id -> fingerprint
StoredFingerprints = Mapping[tuple[str, str], Mapping[str, str]]


@dataclass(frozen=True)
class BoardOutcome:
    source: str
    board: str
    company: str
    started_at: datetime
    ended_at: datetime
    status: str  # ok | not_found | failed | staged
    fetched: int = 0
    new: int = 0
    updated: int = 0
    removed: int = 0
    url: str = ""
    error: str = ""  # why it failed; or, for a board that did not, the records skipped and why
    skipped: int = 0  # records that could not be read (the board's other postings are stored)
    implausible_dates: int = 0  # posting dates stored as unknown (scraper/store.py EARLIEST_POSTED, MAX_DAYS_AHEAD)
    batch: str = ""  # the staged batch of its postings (its file name), once staged

    @property
    def failed(self) -> bool:
        return self.status in ("not_found", "failed")


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    command: str
    started_at: datetime
    ended_at: datetime
    outcomes: tuple[BoardOutcome, ...]
    locked_by: str = ""
    left: int = 0  # boards not started before the run's deadline: they go first next run
    write_seconds: float = 0.0  # spent loading postings into the database
    error: str = ""  # what stopped the whole run (the disk or the database file failing), if anything
    interrupted: bool = False  # stopped by Ctrl-C

    @property
    def failures(self) -> int:
        return sum(o.failed for o in self.outcomes)

    @property
    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        if self.error:
            return "failed"
        if self.locked_by:
            return "locked"
        if not self.failures:
            return "ok"
        return "failed" if self.failures == len(self.outcomes) else "partial"

    def total(self, field: str) -> int:
        return sum(getattr(o, field) for o in self.outcomes)


@dataclass
class Run:
    """A run being recorded (`Loader.recorded`): what its body has done so far, recorded however it ends."""

    run_id: str
    command: str
    started_at: datetime
    outcomes: list[BoardOutcome] = field(default_factory=list)  # boards, threads or captures, as each is done
    left: int = 0  # boards not started before the run's deadline
    summary: RunSummary | None = None  # what was recorded, once the body ended without an exception


def loader_for(config: Config) -> Loader:
    """A loader for `config`'s database and its staging folder, without what a killed process half-wrote."""
    staging = Staging(config.db_path)
    staging.clean_partial()
    return Loader(config, staging)


class Loader:
    """Loads staged batches into the database, holding the file only for one group of batches at a time."""

    def __init__(self, config: Config, staging: Staging) -> None:
        self.db_path = config.db_path
        self.wait = config.lock_wait
        self.staging = staging
        self.locked_by = ""
        self.write_seconds = 0.0  # in load_many, opening and closing the file included

    def load(self, batch: Batch, wait: float | None = None) -> store.LoadStats | None:
        """Load one batch; None (and the batch stays staged) when the database stays locked."""
        return self.load_many([batch], wait)[0]

    def load_many(self, batches: Sequence[Batch], wait: float | None = None,
                  visits: Sequence[BoardOutcome] = ()) -> list[store.LoadStats | None]:
        """Load batches in one transaction (and note the boards of `visits` as visited); None for each batch
        left staged because the database stayed locked."""
        if not (batches or visits) or (self.locked_by and wait is None):
            return [None] * len(batches)  # waited once already this run; the final flush tries again
        began = time.perf_counter()
        try:
            with store.opened(self.db_path, wait=self.wait if wait is None else wait) as con:
                loaded: list[store.LoadStats | None] = list(load_batches(con, self.staging, batches, count_batches))
                discovery_store.record_visits(con, [(o.source, o.board, o.started_at) for o in visits])
            self.write_seconds += time.perf_counter() - began
        except DatabaseLocked as exc:
            self.locked_by = exc.holder
            log.warning("database locked by %s: %d batch(es) stay staged in %s", exc.holder, len(batches), self.staging.dir)
            return [None] * len(batches)
        for batch in batches:
            self.staging.done(batch)  # committed: a crash before this line only loads them again (harmless)
        return loaded

    def last_visits(self) -> Mapping[tuple[str, str], datetime]:
        """When each board was last fetched; empty when the database is busy or new."""
        try:
            with store.opened(self.db_path, wait=0) as con:
                return discovery_store.last_visits(con)
        except DatabaseLocked:
            return {}

    def flush(self, wait: float | None = None) -> dict[str, store.LoadStats]:
        """Write every pending run record, then load every pending batch, oldest first (earlier runs'
        leftovers included: each is counted against the run that fetched it), then close the runs whose
        process died; returns the stats of each batch loaded, by its file name."""
        self.locked_by = ""
        self._write_pending_runs(wait)
        batches = self.staging.pending() if not self.locked_by else []
        loaded = self.load_many(batches, wait)
        if not self.locked_by:
            self._close_abandoned_runs()
        return {batch.postings_file: stats for batch, stats in zip(batches, loaded, strict=True) if stats is not None}

    @contextmanager
    def recorded(self, command: str, now: Callable[[], datetime] = utcnow) -> Iterator[Run]:
        """Record what runs inside as one run of `command` (a scrape, a backfill): `running` from the start
        (after loading what earlier runs left staged), so a killed run still shows; at the end as its
        outcomes say (ok, partial, failed, locked), or `failed` with the error that stopped it (the disk, the
        database file, a list that cannot be fetched), or `interrupted` by Ctrl-C; the exception goes on.
        A record the database cannot take is staged for the next run (`record_failed`)."""
        run = Run(uuid.uuid4().hex[:12], command, now())
        try:
            self.flush(wait=0)  # earlier runs' staged batches first, if the database is free right now
            self.mark_running(self.summary(run, run.started_at))
            yield run
            run.summary = self.summary(run, now())
            self.record(run.summary)
        except DatabaseLocked as exc:  # waited `lock_wait` in vain: a locked run, recorded by the next one
            self.locked_by = exc.holder
            self.record_failed(self.summary(run, now()))
            raise
        except KeyboardInterrupt:
            self.record_failed(replace(self.summary(run, now()), error="interrupted (Ctrl-C)", interrupted=True), wait=0)
            raise
        except Exception as exc:
            self.record_failed(replace(self.summary(run, now()), error=one_line(exc)))
            raise

    def summary(self, run: Run, ended_at: datetime) -> RunSummary:
        """What `run` did until `ended_at`, with what this loader knows (the lock, the time spent writing)."""
        return RunSummary(run.run_id, run.command, run.started_at, ended_at, tuple(run.outcomes), self.locked_by,
                          run.left, self.write_seconds)

    def record(self, summary: RunSummary, wait: float | None = None) -> None:
        """Write the run and its board outcomes; staged for the next run when the database is locked."""
        record = run_record(summary)
        try:
            self.staging.stage_run(record)
        except StorageError:  # the staging folder cannot be written: the database may still be
            with store.opened(self.db_path, wait=self.wait) as con:
                write_run_record(con, record)
            return
        if not self.locked_by:
            self._write_pending_runs(wait)

    def record_failed(self, summary: RunSummary, wait: float | None = None) -> None:
        """Record a run something stopped, as far as the disk lets; never raises. What cannot be written
        now is written by the next run (the staged record), or that run closes the `running` row."""
        try:
            self.record(summary, wait)
        except JobtoneError as exc:  # said in the log only: the error that stopped the run is the one line to read
            if self.staging.holds_run(summary.run_id):
                log.info("the run's record is staged for the next run to write (%s)", exc)
            else:
                log.info("the run's record could not be written either: %s", exc)

    def mark_running(self, summary: RunSummary) -> None:
        """A `running` row, so a run that is killed still shows in `jobtone runs` (replaced at the end)."""
        record = run_record(summary)
        record["run"].update(status="running", ended_at=None)
        try:
            with store.opened(self.db_path, wait=0) as con:
                write_run_record(con, record)
        except DatabaseLocked:
            pass  # not worth waiting for: the final record is what counts

    def stored_fingerprints(self) -> StoredFingerprints:
        """Stored fingerprints for detail-per-posting sources; empty when the database is busy or new."""
        try:
            with store.opened(self.db_path, wait=0) as con:
                return store.known_fingerprints(con)
        except DatabaseLocked:
            return {}

    def _close_abandoned_runs(self) -> None:
        try:
            with store.opened(self.db_path, wait=0) as con:
                close_abandoned(con)
        except DatabaseLocked:
            pass  # the next run closes them

    def _write_pending_runs(self, wait: float | None) -> None:
        for path, record in self.staging.pending_runs():
            try:
                with store.opened(self.db_path, wait=self.wait if wait is None else wait) as con:
                    write_run_record(con, record)
            except DatabaseLocked as exc:
                self.locked_by = exc.holder
                return
            path.unlink(missing_ok=True)


def scrape(config: Config, boards: Iterable[Board], *, command: str = "scrape",
           now: Callable[[], datetime] = utcnow, on_done: Callable[[BoardOutcome], None] = lambda o: None,
           workers: int | None = None, until: datetime | None = None) -> RunSummary:
    """Fetch, stage and load every board, those visited longest ago first; after `until` (by `now()`) no
    board is started (at least one is), the rest go first next run. Returns what happened (also recorded
    in `runs`/`board_runs`). `workers` defaults to the hosts' concurrency added up (at most MAX_WORKERS)."""
    boards = list(boards)
    loader = loader_for(config)
    with loader.recorded(command, now) as run:
        fingerprints = loader.stored_fingerprints()
        turns = HostTurns(config, in_turn(boards, loader.last_visits()))
        client = polite_client(config, boards)

        def fetch(board: Board) -> tuple[BoardOutcome, Batch | None]:
            return fetch_board(client, config, board, loader.staging, run.started_at, run.run_id, fingerprints)

        def finished(results: Sequence[tuple[BoardOutcome, Batch | None]]) -> None:
            for outcome in load_finished(loader, results):
                run.outcomes.append(outcome)
                on_done(outcome)

        loads = BackgroundLoad(finished)
        pool = ThreadPoolExecutor(max_workers=workers or turns.workers())
        try:
            _drive(pool, turns, fetch, loads.put, lambda: until is not None and now() >= until)
            loads.close()
            pool.shutdown()
        except BaseException:  # the disk, not a board (every other board would fail the same way), or Ctrl-C:
            pool.shutdown(wait=False, cancel_futures=True)  # not waiting for the fetches under way
            raise
        finally:
            loads.abandon()  # after close: nothing left; after Ctrl-C: the write under way ends first
            client.close()
        run.left = turns.left()
        if run.left:
            log.warning("time budget reached: %d board(s) not started, they go first next run", run.left)
        if loader.locked_by:  # one last wait for the lock before giving up until the next run
            loaded = loader.flush()
            run.outcomes = [_with_stats(o, loaded[o.batch]) if o.batch in loaded else o for o in run.outcomes]
    assert run.summary is not None  # recorded: the body ended without an exception
    return run.summary


def _drive(pool: ThreadPoolExecutor, turns: HostTurns, fetch: Callable[[Board], tuple[BoardOutcome, Batch | None]],
           finished: Callable[[tuple[BoardOutcome, Batch | None]], None], out_of_time: Callable[[], bool]) -> None:
    """Keep every host busy up to its concurrency until the boards (or the time) run out, handing each
    finished board to `finished` (the background load) at once."""
    running: dict[Future[tuple[BoardOutcome, Batch | None]], str] = {}

    def start_more() -> None:
        for host, board in turns.take(out_of_time):
            running[pool.submit(fetch, board)] = host

    start_more()
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            turns.release(running.pop(future))
            finished(future.result())
        start_more()


def load_finished(loader: Loader, results: Sequence[tuple[BoardOutcome, Batch | None]]) -> list[BoardOutcome]:
    """Load the finished boards' batches in one transaction; their outcomes with what the load did (a batch
    left staged keeps the outcome `staged`)."""
    batches = [batch for _, batch in results if batch is not None]
    stats = iter(loader.load_many(batches, visits=[outcome for outcome, _ in results]))
    return [outcome if batch is None else _with_stats(outcome, next(stats)) for outcome, batch in results]


def polite_client(config: Config, boards: Iterable[Board]) -> Client:
    """A client with each used source's own host limit (users' [http.hosts] entries win)."""
    client = Client(config.http)
    for name in {b.ats for b in boards}:
        limit = getattr(get_source(name), "HOST_LIMIT", None)
        if limit is not None:
            client.limit_host(urlsplit(config.api_root(name)).netloc, limit)
    return client


def fetch_board(client: Client, config: Config, board: Board, staging: Staging, seen_at: datetime,
                run_id: str, fingerprints: StoredFingerprints) -> tuple[BoardOutcome, Batch | None]:
    """Fetch one board within `[http] board_seconds` and stage its postings; any failure of the board becomes
    a recorded outcome, never an exception (StorageError, the disk failing, stops the run). Records that
    could not be read are skipped and counted."""
    source = get_source(board.ats)
    started = utcnow()
    ctx = FetchContext(client.with_deadline(config.http.board_seconds), config.api_root(board.ats), seen_at, config.api,
                       lambda: fingerprints.get((board.ats, board.token), {}))
    base = BoardOutcome(board.ats, board.token, board.company, started, started, "failed", url=ctx.root)
    skipped: list[Skipped] = []
    try:
        batch, n = staging.stage(collect(source, ctx, board, skipped), source=board.ats, board=board.token,
                                 seen_at=seen_at, complete=bool(getattr(source, "COMPLETE", False)), run_id=run_id,
                                 finish=lambda batch: not_whole(batch, len(skipped)))
    except StorageError:
        raise
    except Exception as exc:
        return failed(base, exc), None
    staged = replace(base, ended_at=utcnow(), status="staged", fetched=n, batch=batch.postings_file)
    return with_skipped(staged, skipped), batch


def not_whole(batch: Batch, skipped: int) -> Batch:
    """A batch with records skipped is not the board's whole listing: nothing is marked removed from it
    this time (said in its staged file too, for a batch loaded by a later run)."""
    return replace(batch, complete=batch.complete and not skipped, skipped=skipped)


def failed(base: BoardOutcome, exc: Exception, what: str = "board") -> BoardOutcome:
    """What went wrong fetching or staging a board (or a backfill's thread or capture), as its outcome:
    the one place an exception becomes a recorded outcome, for the scrape and both backfills."""
    ended = utcnow()
    if isinstance(exc, NotFound):
        return replace(base, ended_at=ended, status="not_found", url=exc.url, error=f"{what} not found (HTTP 404)")
    if isinstance(exc, FetchError):
        return replace(base, ended_at=ended, url=exc.url, error=exc.reason)
    if isinstance(exc, JobtoneError):
        return replace(base, ended_at=ended, error=str(exc))
    log.debug("%s %s:%s failed", what, base.source, base.board, exc_info=True)  # a bug must not sink the others
    return replace(base, ended_at=ended, error=f"internal error: {type(exc).__name__}: {exc}")


def with_skipped(outcome: BoardOutcome, skipped: Sequence[Skipped]) -> BoardOutcome:
    """The outcome counting the records skipped, their ids and reasons in its `error` text."""
    if not skipped:
        return outcome
    notes = "; ".join(f"{s.record_id or '(no id)'}: {s.reason}" for s in skipped)
    log.warning("%s:%s: %d record(s) skipped: %s", outcome.source, outcome.board, len(skipped), notes[:500])
    return replace(outcome, skipped=len(skipped), error=f"{len(skipped)} skipped: {notes}"[:MAX_ERROR])


def _with_stats(outcome: BoardOutcome, stats: store.LoadStats | None) -> BoardOutcome:
    if stats is None:
        return outcome  # stays "staged": loaded by the next run
    return replace(outcome, status="ok", new=stats.new, updated=stats.updated, removed=stats.removed,
                   implausible_dates=stats.implausible_dates)


def run_record(summary: RunSummary) -> dict[str, Any]:
    """The `runs` row and `board_runs` rows of a run, as written (or staged while the database is locked)."""
    run = {"run_id": summary.run_id, "command": summary.command, "started_at": summary.started_at,
           "ended_at": summary.ended_at, "status": summary.status, "fetched": summary.total("fetched"),
           "new": summary.total("new"), "updated": summary.total("updated"), "removed": summary.total("removed"),
           "failures": summary.failures, "error": run_error(summary), "pid": os.getpid()}
    boards = [{"run_id": summary.run_id, **asdict(o), "batch": o.batch or None} for o in summary.outcomes]
    return {"run_id": summary.run_id, "run": run, "boards": boards}


def run_error(summary: RunSummary) -> str:
    """The run's note for `jobtone runs`: what stopped it, who held the database, the boards the time budget left."""
    notes = [summary.error] if summary.error else []
    if summary.locked_by:
        notes.append(f"database locked by {summary.locked_by}")
    if summary.left:
        notes.append(f"time budget reached: {summary.left} board(s) left for the next run")
    return "; ".join(notes)

