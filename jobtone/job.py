"""The main job as a library: load the Hacker News history once, discover boards (with `[discover] auto`),
scrape every configured and enrolled board, analyse what is new, and write the charts and report.
`jobtone run` is this plus progress bars; a script may call `run`.

A run may have a time budget (`[run] max_minutes`): discovery's checks stop at half of it, and no board is
started after it; the boards left go first next run.

Safe to re-run and to schedule: one run at a time (a second raises RunInProgress), each run's whole log goes
to `logs/` beside the database, a failing source never stops the others, and a locked database keeps what
was fetched for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from analysis.publish import DEFAULT_OUT, LexiconSpec, Watch, analyse_and_report
from jobtone.exitcodes import ExitCode, summary_code
from scraper import discovery_store as ds
from scraper import store
from scraper.backfill import OnStep, Plan, backfill_hn, stored_threads
from scraper.board_check import CheckResult, check_boards
from scraper.config import Config
from scraper.dates import utcnow
from scraper.discover import config_key
from scraper.errors import DatabaseLocked, FetchError, JobtoneError, ParseError, StorageError
from scraper.run_logs import run_log
from scraper.runlock import run_lock
from scraper.scrape import BoardOutcome, RunSummary, scrape
from scraper.sources import Board

NAME = "run"  # the run lock's and the log files' name
log = logging.getLogger("jobtone")


@dataclass(frozen=True)
class Callbacks:
    """What the job tells its caller as it goes (the CLI draws progress bars from it); each does nothing by default."""

    history_plan: Plan = lambda todo, done_before: None  # Hacker News threads to load, threads stored before
    history_step: OnStep = lambda step: None  # one thread loaded
    history_end: Callable[[RunSummary | None], None] = lambda summary: None  # None: the history failed
    scrape_start: Callable[[int], None] = lambda boards: None  # how many boards are scraped
    board_done: Callable[[BoardOutcome], None] = lambda outcome: None
    scrape_end: Callable[[RunSummary | None], None] = lambda summary: None  # None: the scrape failed
    analysis: Watch = nullcontext  # called with the connection the analysis runs on, around it


@dataclass(frozen=True)
class JobResult:
    """What the main job did: the history backfills and the scrape, the files written, and the exit code."""

    summaries: tuple[RunSummary, ...]  # Hacker News histories loaded first (if any), then the scrape
    written: tuple[Path, ...]  # charts and report; none when the analysis was skipped or failed
    code: ExitCode


def run(config: Config, *, lexicon: LexiconSpec = None, include_boilerplate: bool = False,
        out_dir: Path = DEFAULT_OUT, now: Callable[[], datetime] = utcnow,
        callbacks: Callbacks = Callbacks()) -> JobResult:
    """History (once) + scrape + analyse + report, under the run lock and with a log file."""
    started = now()
    until = deadline(config, started)
    with run_log(config.db_path, started, NAME) as log_file, run_lock(config.db_path, NAME):
        log.info("jobtone run: database %s, log %s", config.db_path, log_file)
        summaries, code = first_history(config, now=now, callbacks=callbacks)
        if config.discover.auto:
            code = max(code, discover_first(config, now=now, until=None if until is None else started + (until - started) / 2))
        summary = scrape_all(config, NAME, now=now, callbacks=callbacks, until=until)
        code = max(code, summary_code(summary))
        written: list[Path] = []
        if not summary.locked_by:  # a locked database cannot be analysed either: the next run catches up
            written, report_code = report(config, lexicon, include_boilerplate, out_dir, now=now(),
                                          watch=callbacks.analysis)
            code = max(code, report_code)
        log.info("jobtone run finished with exit code %d (%s)", code, summary.status)
    return JobResult((*summaries, summary), tuple(written), code)


def deadline(config: Config, started: datetime) -> datetime | None:
    """When a run started at `started` must stop starting boards (`[run] max_minutes`); None: never."""
    return None if config.run.max_minutes is None else started + timedelta(minutes=config.run.max_minutes)


def first_history(config: Config, *, now: Callable[[], datetime] = utcnow,
                  callbacks: Callbacks = Callbacks()) -> tuple[list[RunSummary], ExitCode]:
    """Hacker News boards with nothing stored yet get their whole history first (a one-time backfill)."""
    summaries, code = [], ExitCode.OK
    for board in config.boards:
        if board.ats != "hn":
            continue
        try:
            if stored_threads(config, board.token):
                continue
        except DatabaseLocked:
            break  # the scrape will stage and say who holds the database
        log.info("first run: loading every Hacker News hiring thread since 2011 (once; resumable)")
        try:
            summaries.append(hn_history(config, board.token, now=now, callbacks=callbacks))
        except (FetchError, ParseError) as exc:  # one failing source never stops the others
            log.error("Hacker News history not loaded: %s; the boards are scraped anyway and the next run tries again",
                      exc)
            code = ExitCode.PARTIAL
    return summaries, max([code, *map(summary_code, summaries)])


def hn_history(config: Config, author: str = "whoishiring", since: str | None = None, until: str | None = None, *,
               now: Callable[[], datetime] = utcnow, callbacks: Callbacks = Callbacks()) -> RunSummary:
    """Load the hiring threads of months [since, until] not stored yet (and the open ones), one per write."""
    try:
        summary = backfill_hn(config, since=since, until=until, author=author, now=now,
                              on_plan=callbacks.history_plan, on_step=callbacks.history_step)
    except BaseException:
        callbacks.history_end(None)  # no progress bar left half-drawn over the error
        raise
    callbacks.history_end(summary)
    return summary


@dataclass(frozen=True)
class Discovery:
    """What one discover did (`jobtone discover`, or `jobtone run` with `[discover] auto`)."""

    scan: ds.ScanStats  # the links and boards the stored postings name
    checked: tuple[CheckResult, ...]  # the checks made, in the order the boards were due
    unchecked: int  # boards due a check that the time budget left for next time
    enrolled: int  # boards enrolled, or brought back from retirement
    retired: int  # enrolled boards retired: not found in their last ds.RETIRE_AFTER answers


def discover(config: Config, *, origins: Sequence[str] = ("postings",), check: bool = False, add: bool = False,
             now: Callable[[], datetime] = utcnow, until: datetime | None = None,
             on_due: Callable[[int], None] = lambda boards: None,
             on_checked: Callable[[CheckResult], None] = lambda result: None) -> Discovery:
    """Find the boards that stored postings (of `origins`: discovery_store.ORIGINS) link to; with `check`,
    probe each one due a check (new, or last checked over `[discover] recheck_days` ago; none started after
    `until`); with `add`, enrol those found with postings. Enrolled boards not found again are retired.
    `on_due` is told how many boards are due a check, `on_checked` each check as it ends."""
    at, configured = now(), ds.configured_keys(config.boards)
    with store.opened(config.db_path, wait=config.lock_wait) as con:
        stats = ds.scan(con, at, origins)
        due = ds.boards_to_check(con, at, config.discover.recheck_days, configured) if check else []
    on_due(len(due))
    results = check_boards(config, due, at, until=until, clock=now, on_done=on_checked)
    with store.opened(config.db_path, wait=config.lock_wait) as con:
        ds.record_checks(con, results)
        retired = ds.retire_missing(con, at)
        enrolled = ds.enrol(con, at, configured) if add else 0
    found = Discovery(stats, tuple(results), len(due) - len(results), enrolled, retired)
    log.info("discover: %d links to %d boards (%d new); %d checked%s, %d enrolled, %d retired", stats.links,
             stats.boards, stats.new_boards, len(results), f" ({found.unchecked} left for next time)" if found.unchecked
             else "", enrolled, retired)
    return found


def discover_first(config: Config, *, now: Callable[[], datetime] = utcnow, until: datetime | None = None) -> ExitCode:
    """Discovery before the scrape (`[discover] auto`): a failure is logged, and the scrape goes on with the
    boards enrolled before."""
    try:
        discover(config, check=True, add=True, now=now, until=until)
    except JobtoneError as exc:
        log.error("discovery skipped: %s", exc)
        return ExitCode.PARTIAL
    return ExitCode.OK


def run_boards(config: Config) -> list[Board]:
    """The configured boards and the enrolled ones (`jobtone discover --add`) not configured as well."""
    try:
        with store.opened(config.db_path, wait=0) as con:
            enrolled = ds.enrolled_boards(con)
    except DatabaseLocked as exc:
        log.warning("enrolled boards not scraped this time: %s", exc)
        enrolled = []
    except StorageError as exc:  # the scrape fails on it too, says so in one line, and is recorded as failed
        log.info("enrolled boards not read: %s", exc)
        enrolled = []
    configured = set(ds.configured_keys(config.boards))
    return [*config.boards, *(b for b in enrolled if config_key(b.ats, b.token) not in configured)]


def scrape_all(config: Config, command: str, *, now: Callable[[], datetime] = utcnow,
               callbacks: Callbacks = Callbacks(), until: datetime | None = None) -> RunSummary:
    """Scrape the configured and enrolled boards (until `until`), then retire the enrolled boards not
    found in their last ds.RETIRE_AFTER answers."""
    summary = scrape_boards(config, run_boards(config), command, now=now, callbacks=callbacks, until=until)
    try:
        with store.opened(config.db_path, wait=0) as con:
            if retired := ds.retire_missing(con, now()):
                log.warning("%d enrolled board(s) not found %d times in a row: retired (kept, no longer scraped)",
                            retired, ds.RETIRE_AFTER)
    except DatabaseLocked:
        pass  # the next run counts them
    return summary


def scrape_boards(config: Config, boards: Sequence[Board], command: str, *, now: Callable[[], datetime] = utcnow,
                  callbacks: Callbacks = Callbacks(), until: datetime | None = None) -> RunSummary:
    """Scrape `boards` (recorded as a run of `command`), reporting each board as it is done; no board is
    started after `until`."""
    if not boards:
        log.warning("no boards configured: add [[board]] entries to %s",
                    config.path or "jobtone.toml (see `jobtone init`)")
    callbacks.scrape_start(len(boards))
    try:
        summary = scrape(config, boards, command=command, now=now, on_done=callbacks.board_done, until=until)
    except BaseException:
        callbacks.scrape_end(None)  # no progress bar left half-drawn over the error
        raise
    callbacks.scrape_end(summary)
    return summary


def report(config: Config, lexicon: LexiconSpec, include_boilerplate: bool, out_dir: Path, *,
           now: datetime, watch: Watch = nullcontext) -> tuple[list[Path], ExitCode]:
    """Analyse and chart; a failure here is logged and counted but never undoes the scrape."""
    try:
        written = analyse_and_report(config, lexicon, include_boilerplate, out_dir, now=now, watch=watch)
    except DatabaseLocked as exc:
        log.warning("analysis skipped: %s; the next run catches up", exc)
        return [], ExitCode.LOCKED
    except (JobtoneError, OSError) as exc:  # OSError: the output folder cannot be written
        log.error("analysis failed: %s", exc)
        return [], ExitCode.PARTIAL
    log.info("charts and report: %d files in %s (open %s)", len(written), out_dir, out_dir / "index.html")
    return written, ExitCode.OK
