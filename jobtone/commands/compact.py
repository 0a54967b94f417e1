"""Rewrite the database into a fresh file to give back the space of deleted and rewritten rows.

DuckDB never shrinks its file on its own. Daily re-scraping rewrites every seen posting (its last_seen_at
moves), so the file settles at about 1.3 times its compact size rather than growing for ever (see
benchmarks/growth.py); compacting now and then returns that slack. --prune-runs DAYS also drops the run
records (`runs`, `board_runs`) older than that. Postings and their history are never pruned.

It takes the run lock (a scheduled `jobtone run` cannot be half-way) and the database's write lock; the
new file replaces the old one with an atomic rename, so a crash at any moment leaves one of the two whole.

Examples:
  jobtone compact
  jobtone compact --prune-runs 90"""

from __future__ import annotations

import argparse

from scraper.compact import compact, days_ago
from scraper.runlock import run_lock

NAME = "compact"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prune-runs", type=float, metavar="DAYS",
                        help="also delete run records (runs, board_runs) older than DAYS days")
    parser.add_argument("--wait", type=float, metavar="SECONDS",
                        help="how long to wait for other processes to release the database (default: [database] lock_wait)")


def run(args: argparse.Namespace, ctx) -> int:
    if args.prune_runs is not None and args.prune_runs < 0:
        print("jobtone: --prune-runs takes a number of days, 0 or more", file=ctx.err)
        return 2
    prune_before = days_ago(ctx.now(), args.prune_runs) if args.prune_runs is not None else None
    with run_lock(ctx.db_path, NAME):
        wait = ctx.config.lock_wait if args.wait is None else args.wait
        stats = compact(ctx.db_path, wait=wait, prune_before=prune_before)
    pruned = f"; pruned {stats.runs_pruned} runs, {stats.board_runs_pruned} board outcomes" if prune_before else ""
    print(f"compacted {ctx.db_path}: {stats.size_before / 1e6:.1f} MB -> {stats.size_after / 1e6:.1f} MB{pruned}", file=ctx.err)
    return 0
