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
from typing import Any, TextIO

from jobtone.context import Context
from jobtone.job import discover
from jobtone.output import FORMATS, write_rows
from jobtone.progress import Progress
from scraper import discovery_store as ds
from scraper import store
from scraper.board_check import CheckResult

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
    auto = ctx.config.discover.auto
    with Progress(0, "checking", ctx.err, ctx.interactive) as progress:
        def due(boards: int) -> None:
            progress.total = boards

        def checked(result: CheckResult) -> None:
            progress.advance(note=f"{result.ats}:{result.token}")
            if not ctx.interactive:
                log.info("%s:%s %s %s%s", result.ats, result.token, result.status,
                         "" if result.postings is None else f"({result.postings} postings)", result.error)
        discover(ctx.config, origins=args.origins or ["postings"], check=args.check or auto, add=args.add or auto,
                 now=ctx.now, on_due=due, on_checked=checked)
    with store.opened(ctx.db_path, read_only=True, wait=ctx.config.lock_wait) as con:
        rows = ds.candidates(con, ds.configured_keys(ctx.config.boards), evidence=args.format == "json")
    _write(rows, args.format, ctx.out)
    return 0


def _write(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        columns = list(rows[0]) if rows else ds.CANDIDATE_COLUMNS + ["evidence"]
        write_rows(columns, [list(row.values()) for row in rows], fmt, out)
        return
    columns = TABLE_COLUMNS if fmt == "table" else ds.CANDIDATE_COLUMNS
    write_rows(columns, [[row[c] for c in columns] for row in rows], fmt, out)
