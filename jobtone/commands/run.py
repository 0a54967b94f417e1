"""The main job: scrape everything configured, analyse what is new, write charts and report.

The first run also loads the history of the Hacker News hiring threads in the config (every thread since
2011: about 180 requests and a few minutes, once; resumable like `jobtone backfill hn`), so the charts
show a decade of trends from day one. Later runs fetch new threads and the comments of open ones.

Safe to re-run and to schedule (cron/systemd; see `jobtone schedule`): loading is idempotent, a failing
source never stops the others, a locked database keeps what was fetched for the next run, and only one
run goes at a time (a second exits with code 4). Each run's whole log also goes to data/logs/.

Examples:
  jobtone run
  jobtone run --lexicon extended --out reports/extended"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from jobtone.commands.analysis_options import add_analysis_options
from jobtone.commands.backfill import hn_history
from jobtone.commands.chart import DEFAULT_OUT, analyse_and_report
from jobtone.commands.scrape import exit_code, scrape_boards
from scraper.backfill import stored_threads
from scraper.errors import DatabaseLocked, FetchError, JobtoneError, ParseError
from scraper.run_logs import run_log
from scraper.runlock import run_lock

NAME = "run"
log = logging.getLogger("jobtone")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help="where the charts and index.html go (default: reports)")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx) -> int:
    with run_log(ctx.db_path, ctx.now(), NAME) as log_file, run_lock(ctx.db_path, NAME):
        log.info("jobtone run: database %s, log %s", ctx.db_path, log_file)
        code = first_history(ctx)
        summary = scrape_boards(ctx, list(ctx.config.boards), "run")
        code = max(code, exit_code(summary, ctx))
        if not summary.locked_by:
            code = max(code, report(args, ctx))
        log.info("jobtone run finished with exit code %d (%s)", code, summary.status)
    return code


def first_history(ctx) -> int:
    """Hacker News boards with nothing stored yet get their whole history first (a one-time backfill)."""
    code = 0
    for board in ctx.config.boards:
        if board.ats != "hn":
            continue
        try:
            if stored_threads(ctx.config, board.token):
                continue
        except DatabaseLocked:
            return 0  # the scrape will stage and say who holds the database
        log.info("first run: loading every Hacker News hiring thread since 2011 (once; resumable)")
        try:
            code = max(code, exit_code(hn_history(ctx, board.token), ctx))
        except (FetchError, ParseError) as exc:  # one failing source never stops the others
            log.error("Hacker News history not loaded: %s; the boards are scraped anyway and the next run tries again",
                      exc)
            code = max(code, 1)
    return code


def report(args: argparse.Namespace, ctx) -> int:
    """Analyse and chart; a failure here is reported but never undoes the scrape."""
    try:
        written = analyse_and_report(ctx, args.lexicon, args.include_boilerplate, args.out)
    except DatabaseLocked as exc:
        log.warning("analysis skipped: %s; the next run catches up", exc)
        return 3
    except JobtoneError as exc:
        log.error("analysis failed: %s", exc)
        return 1
    log.info("charts and report: %d files in %s (open %s)", len(written), args.out, args.out / "index.html")
    return 0
