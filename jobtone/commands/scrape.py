"""Fetch the configured boards (or the ATS:TOKEN boards named) into the database.

Boards are fetched in parallel, politely per host; each board's postings are staged next to the database
and loaded in a short write, so the database stays free for readers. A board that fails is recorded and
the others go on; see `jobtone runs`. Exit code 1 if any board failed, 3 if the database stayed locked
(postings are kept staged and load on the next run).

Examples:
  jobtone scrape                      # every [[board]] in the config
  jobtone scrape greenhouse:stripe lever:spotify"""

from __future__ import annotations

import argparse
import logging

from jobtone.progress import Progress
from scraper.config import parse_board_spec
from scraper.scrape import BoardOutcome, RunSummary, scrape

NAME = "scrape"
log = logging.getLogger("jobtone")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("boards", nargs="*", metavar="ATS:TOKEN", help="boards to fetch instead of the configured ones")


def run(args: argparse.Namespace, ctx) -> int:
    boards = [parse_board_spec(spec) for spec in args.boards] or list(ctx.config.boards)
    return exit_code(scrape_boards(ctx, boards, "scrape"), ctx)


def scrape_boards(ctx, boards, command: str) -> RunSummary:
    """Scrape with a progress bar on a terminal and one log line per board otherwise."""
    if not boards:
        log.warning("no boards configured: add [[board]] entries to %s", ctx.config.path or "jobtone.toml (see `jobtone init`)")
    with Progress(len(boards), "scraping", ctx.err, ctx.interactive) as progress:
        def done(outcome: BoardOutcome) -> None:
            progress.advance(note=f"{outcome.source}:{outcome.board}")
            if outcome.failed:
                log.warning("%s:%s %s: %s", outcome.source, outcome.board, outcome.status, outcome.error)
            elif not ctx.interactive:
                log.info("%s:%s %s: %d fetched, %d new, %d updated, %d removed", outcome.source, outcome.board,
                         outcome.status, outcome.fetched, outcome.new, outcome.updated, outcome.removed)
        summary = scrape(ctx.config, boards, command=command, on_done=done)
    log.info("%s: %d boards, %d failed; %d postings fetched, %d new, %d updated, %d removed",
             summary.status, len(summary.outcomes), summary.failures, summary.total("fetched"),
             summary.total("new"), summary.total("updated"), summary.total("removed"))
    return summary


def exit_code(summary: RunSummary, ctx) -> int:
    if summary.locked_by:
        print(f"jobtone: database {ctx.db_path} is locked by {summary.locked_by}; fetched postings are staged "
              "and will load on the next run", file=ctx.err)
        return 3
    return 1 if summary.failures else 0
