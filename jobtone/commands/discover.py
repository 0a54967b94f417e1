"""Find the public job boards that stored postings link to, check them, and enrol them for scraping.

Every link to a Greenhouse, Lever, Ashby, Workable, Recruitee, SmartRecruiters or Workday board in the
stored postings (their text, raw records and URLs: HN comments, JSON-LD pages, imported rows) becomes a
candidate, with the postings that name it as evidence. Boards already in the configuration are marked
`configured`. --check asks each new candidate (or one last checked more than `[discover] recheck_days`
ago, default 30) once, politely, whether it exists and how many postings it lists; --add enrols the
boards found with postings, in the database (the TOML file is never rewritten): `jobtone run` scrapes
them besides the configured ones. An enrolled board not found three times in a row is retired (kept,
no longer scraped). `[discover] auto = true` makes every discover check and enrol.

Examples:
  jobtone discover                           # what the stored postings link to
  jobtone discover --check --add             # probe the new ones and enrol those that answer
  jobtone discover --from pages --format json"""

from __future__ import annotations

import argparse
import logging
from datetime import datetime
from typing import Any, TextIO

from jobtone.context import Context
from jobtone.output import FORMATS, write_rows
from jobtone.progress import Progress
from scraper import discovery_store as ds
from scraper import store
from scraper.board_check import CheckResult, check_boards
from scraper.sources import Board

NAME = "discover"
log = logging.getLogger("jobtone")
TABLE_COLUMNS = ["ats", "token", "company", "status", "postings", "mentions", "last_posted", "url"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="origins", action="append", choices=sorted(ds.ORIGINS), metavar="WHAT",
                        help="which stored postings to read: postings (all, the default), pages (career pages' "
                             "JSON-LD) or wayback (Wayback captures); repeatable")
    parser.add_argument("--check", action="store_true",
                        help="probe each new candidate (or one last checked over recheck_days ago) once")
    parser.add_argument("--add", action="store_true",
                        help="enrol the checked boards that list postings, so `jobtone run` scrapes them")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="output format (default: table; json adds each board's evidence)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    settings, now = ctx.config.discover, ctx.now()
    configured = ds.configured_keys(ctx.config.boards)
    with store.opened(ctx.db_path, wait=ctx.config.lock_wait) as con:
        stats = ds.scan(con, now, args.origins or ["postings"])
        to_check = ds.boards_to_check(con, now, settings.recheck_days, configured) if args.check or settings.auto else []
    log.info("discover: %d links to %d boards (%d new)", stats.links, stats.boards, stats.new_boards)
    results = _check(ctx, to_check, now)
    with store.opened(ctx.db_path, wait=ctx.config.lock_wait) as con:
        ds.record_checks(con, results)
        retired = ds.retire_missing(con, now)
        enrolled = ds.enrol(con, now, configured) if args.add or settings.auto else 0
        rows = ds.candidates(con, configured, evidence=args.format == "json")
    if results or enrolled or retired:
        log.info("discover: %d checked, %d enrolled, %d retired", len(results), enrolled, retired)
    _write(rows, args.format, ctx.out)
    return 0


def _check(ctx: Context, boards: list[Board], now: datetime) -> list[CheckResult]:
    """Check with a progress bar on a terminal and one log line per board otherwise."""
    with Progress(len(boards), "checking", ctx.err, ctx.interactive) as progress:
        def done(result: CheckResult) -> None:
            progress.advance(note=f"{result.ats}:{result.token}")
            if not ctx.interactive:
                log.info("%s:%s %s %s%s", result.ats, result.token, result.status,
                         "" if result.postings is None else f"({result.postings} postings)", result.error)
        return check_boards(ctx.config, boards, now, on_done=done)


def _write(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        columns = list(rows[0]) if rows else ds.CANDIDATE_COLUMNS + ["evidence"]
        write_rows(columns, [list(row.values()) for row in rows], fmt, out)
        return
    columns = TABLE_COLUMNS if fmt == "table" else ds.CANDIDATE_COLUMNS
    write_rows(columns, [[row[c] for c in columns] for row in rows], fmt, out)
