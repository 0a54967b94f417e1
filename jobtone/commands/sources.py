"""List the configured boards with their last outcome, and what each route covers.

The first table has one row per configured board: its last run, status, counts and postings stored.
The second (table format only) covers the 2022 study's ten companies: the route used for each, whether
it gives the posting's text and date, whether it costs a request per posting, and whether the Wayback
Machine could add history. Meta has no dependable plain-HTTP route: load an export with `jobtone import`."""

from __future__ import annotations

import argparse

from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from jobtone.output import FORMATS, write_rows
from scraper import store
from scraper.discovery_store import enrolled_rows
from scraper.errors import JobtoneError
from scraper.study import ROUTES, STUDY_COMPANIES

NAME = "sources"
COLUMNS = ["board", "company", "api_root", "last_run_utc", "status", "fetched", "new", "skipped", "implausible_dates",
           "stored", "error"]
ENROLLED_COLUMNS = ["board", "company", "enrolled", "retired", "last_check", "postings"]
STUDY_COLUMNS = ["company", "route", "text", "posted_date", "per_posting_requests", "history"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    last = _last_outcomes(ctx)
    rows = []
    for board in ctx.config.boards:
        outcome = last.get((board.ats, board.token), (None,) * 8)
        rows.append([board.key, board.display, ctx.config.api_root(board.ats), *outcome])
    write_rows(COLUMNS, rows, args.format, ctx.out)
    if args.format == "table":
        ctx.out.write("\nThe 2022 study's companies: route and coverage\n")
        write_rows(STUDY_COLUMNS, study_rows(), "table", ctx.out)
        if enrolled := _enrolled(ctx):
            ctx.out.write("\nDiscovered boards (`jobtone discover --add`), scraped besides the configured ones\n")
            write_rows(ENROLLED_COLUMNS, enrolled, "table", ctx.out)
    return ExitCode.OK


def study_rows() -> list[list[str]]:
    rows = []
    for company in STUDY_COMPANIES:
        route = ROUTES[company.source]
        where = f"{route.source}: {company.boards}" if route.source else route.route
        rows.append([company.company, where, "yes" if route.text else "no", route.posted_date.split(", ")[0] or "no",
                     "yes" if route.detail_requests else "no", route.wayback.split(":")[0] or "no"])
    return rows


def _enrolled(ctx: Context) -> list[tuple[object, ...]]:
    try:
        with store.opened(ctx.db_path, read_only=True, wait=30) as con:
            return enrolled_rows(con)
    except JobtoneError:
        return []


def _last_outcomes(ctx: Context) -> dict[tuple[str, str], tuple[object, ...]]:
    try:
        with store.opened(ctx.db_path, read_only=True, wait=30) as con:
            rows = con.execute("""
                WITH last AS (
                    SELECT * FROM board_runs QUALIFY row_number() OVER (PARTITION BY source, board ORDER BY started_at DESC) = 1),
                stored AS (SELECT source, board, count(*) AS n FROM postings WHERE removed_at IS NULL GROUP BY ALL)
                SELECT l.source, l.board, strftime(l.started_at, '%Y-%m-%d %H:%M'), l.status, l.fetched, l.new,
                       l.skipped, l.implausible_dates, coalesce(s.n, 0), l.error
                FROM last l LEFT JOIN stored s USING (source, board)""").fetchall()
    except JobtoneError:
        return {}  # no database yet: every board shows as never run
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}
