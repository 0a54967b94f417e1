"""Fetch the configured boards (or the ATS:TOKEN boards named) into the database.

Boards are fetched in parallel, politely per host; each board's postings are staged next to the database
and loaded in a short write, so the database stays free for readers. A board that fails is recorded and
the others go on; see `jobtone runs`. Exit code 1 if any board failed, 3 if the database stayed locked
(postings are kept staged and load on the next run).

With no board named, the boards enrolled by `jobtone discover --add` are fetched too, and `[run]
max_minutes` bounds the scrape (the boards not reached go first next time).

Examples:
  jobtone scrape                      # every [[board]] in the config, and the enrolled boards
  jobtone scrape greenhouse:stripe lever:spotify"""

from __future__ import annotations

import argparse

from jobtone import job
from jobtone.context import Context
from jobtone.exitcodes import summary_code
from jobtone.progress import ScrapeProgress, warn_locked
from scraper.config import parse_board_spec

NAME = "scrape"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("boards", nargs="*", metavar="ATS:TOKEN", help="boards to fetch instead of the configured ones")


def run(args: argparse.Namespace, ctx: Context) -> int:
    progress = ScrapeProgress(ctx.err, ctx.interactive)
    callbacks = job.Callbacks(scrape_start=progress.start, board_done=progress.done, scrape_end=progress.end)
    if args.boards:
        boards = [parse_board_spec(spec) for spec in args.boards]
        summary = job.scrape_boards(ctx.config, boards, NAME, now=ctx.now, callbacks=callbacks)
    else:  # the configured and the enrolled boards, within [run] max_minutes
        summary = job.scrape_all(ctx.config, NAME, now=ctx.now, callbacks=callbacks, until=job.deadline(ctx.config, ctx.now()))
    warn_locked([summary], ctx.db_path, ctx.err)
    return summary_code(summary)
