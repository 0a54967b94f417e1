"""Rewrite the database into a fresh file to give back the space of deleted and rewritten rows.

DuckDB never shrinks its file on its own. Daily re-scraping rewrites every seen posting (its last_seen_at
moves), so the file settles at about 1.3 times its compact size rather than growing for ever (see
benchmarks/growth.py); compacting now and then returns that slack. --prune-runs DAYS also drops the run
records (`runs`, `board_runs`) older than that. Postings and their history are never pruned.

It takes the run lock (a scheduled `jobtone run` cannot be half-way: one that is going is waited for, up
to --wait seconds, then compact exits 4) and the database's write lock; the new file replaces the old one
with an atomic rename, so a crash at any moment leaves one of the two whole.

Examples:
  jobtone compact
  jobtone compact --prune-runs 90
  jobtone compact --wait 3600            # after the run that is going now"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from jobtone.commands.argtypes import finite_nonnegative_float
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from scraper.compact import compact, days_ago
from scraper.runlock import RunInProgress, run_lock

NAME = "compact"
MAX_PRUNE_DAYS = 36_500  # a hundred years: --prune-runs 1e9 is a typo, not a date
POLL = 0.5  # seconds between looks at the run lock while a run is going

log = logging.getLogger(__name__)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prune-runs", type=prune_days, metavar="DAYS",
                        help="also delete run records (runs, board_runs) older than DAYS days")
    parser.add_argument("--wait", type=finite_nonnegative_float, metavar="SECONDS",
                        help="how long to wait for a running `jobtone run` to finish and for other processes to "
                             "release the database (default: [database] lock_wait)")


def prune_days(text: str) -> float:
    days = finite_nonnegative_float(text)
    if days > MAX_PRUNE_DAYS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_PRUNE_DAYS} days, got {text!r}")
    return days


def run(args: argparse.Namespace, ctx: Context) -> int:
    prune_before = days_ago(ctx.now(), args.prune_runs) if args.prune_runs is not None else None
    wait = ctx.config.lock_wait if args.wait is None else args.wait
    deadline = time.monotonic() + wait
    with run_lock_waiting(ctx.db_path, wait):
        stats = compact(ctx.db_path, wait=max(0.0, deadline - time.monotonic()), prune_before=prune_before)
    pruned = f"; pruned {stats.runs_pruned} runs, {stats.board_runs_pruned} board outcomes" if prune_before else ""
    print(f"compacted {ctx.db_path}: {stats.size_before / 1e6:.1f} MB -> {stats.size_after / 1e6:.1f} MB{pruned}", file=ctx.err)
    return ExitCode.OK


@contextmanager
def run_lock_waiting(db_path: Path, wait: float) -> Iterator[Path]:
    """The run lock, waiting up to `wait` seconds for a `jobtone run` that holds it to finish; then
    RunInProgress (exit 4) as before."""
    deadline = time.monotonic() + wait
    said = False
    while True:
        stack = ExitStack()
        try:
            path = stack.enter_context(run_lock(db_path, NAME))
            break
        except RunInProgress as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            if not said:
                log.info("%s; waiting up to %.0f s for it to finish (--wait)",
                         str(exc).partition(": exiting")[0], left)
                said = True
            time.sleep(min(POLL, left))
    with stack:  # holds the lock taken above until the block is done
        yield path
