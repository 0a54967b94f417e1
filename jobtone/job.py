"""The main job as a library: load the Hacker News history once, scrape every configured board, analyse what
is new, and write the charts and report. `jobtone run` is this plus progress bars; a script may call `run`.

Safe to re-run and to schedule: one run at a time (a second raises RunInProgress), each run's whole log goes
to `logs/` beside the database, a failing source never stops the others, and a locked database keeps what
was fetched for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analysis.publish import DEFAULT_OUT, LexiconSpec, analyse_and_report
from jobtone.exitcodes import ExitCode, summary_code
from scraper.backfill import OnStep, Plan, backfill_hn, stored_threads
from scraper.config import Config
from scraper.dates import utcnow
from scraper.errors import DatabaseLocked, FetchError, JobtoneError, ParseError
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
    with run_log(config.db_path, now(), NAME) as log_file, run_lock(config.db_path, NAME):
        log.info("jobtone run: database %s, log %s", config.db_path, log_file)
        summaries, code = first_history(config, now=now, callbacks=callbacks)
        summary = scrape_boards(config, config.boards, NAME, now=now, callbacks=callbacks)
        code = max(code, summary_code(summary))
        written: list[Path] = []
        if not summary.locked_by:  # a locked database cannot be analysed either: the next run catches up
            written, report_code = report(config, lexicon, include_boilerplate, out_dir, now=now())
            code = max(code, report_code)
        log.info("jobtone run finished with exit code %d (%s)", code, summary.status)
    return JobResult((*summaries, summary), tuple(written), code)


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


def scrape_boards(config: Config, boards: Sequence[Board], command: str, *, now: Callable[[], datetime] = utcnow,
                  callbacks: Callbacks = Callbacks()) -> RunSummary:
    """Scrape `boards` (recorded as a run of `command`), reporting each board as it is done."""
    if not boards:
        log.warning("no boards configured: add [[board]] entries to %s",
                    config.path or "jobtone.toml (see `jobtone init`)")
    callbacks.scrape_start(len(boards))
    try:
        summary = scrape(config, boards, command=command, now=now, on_done=callbacks.board_done)
    except BaseException:
        callbacks.scrape_end(None)  # no progress bar left half-drawn over the error
        raise
    callbacks.scrape_end(summary)
    return summary


def report(config: Config, lexicon: LexiconSpec, include_boilerplate: bool, out_dir: Path, *,
           now: datetime) -> tuple[list[Path], ExitCode]:
    """Analyse and chart; a failure here is logged and counted but never undoes the scrape."""
    try:
        written = analyse_and_report(config, lexicon, include_boilerplate, out_dir, now=now)
    except DatabaseLocked as exc:
        log.warning("analysis skipped: %s; the next run catches up", exc)
        return [], ExitCode.LOCKED
    except (JobtoneError, OSError) as exc:  # OSError: the output folder cannot be written
        log.error("analysis failed: %s", exc)
        return [], ExitCode.PARTIAL
    log.info("charts and report: %d files in %s (open %s)", len(written), out_dir, out_dir / "index.html")
    return written, ExitCode.OK
