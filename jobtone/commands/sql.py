"""Run a read-only SQL query against the database and print the rows.

The database is opened read-only, so nothing can be written; if a scrape holds the file for a moment,
the query waits briefly (--wait) and then answers. Tables: postings, posting_history, runs, board_runs,
plus the analysis tables and views described in the README.

Examples:
  jobtone sql "SELECT source, count(*) FROM postings GROUP BY ALL"
  jobtone sql --format csv "SELECT company, title, posted_at FROM postings" > postings.csv"""

from __future__ import annotations

import argparse

import duckdb

from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from jobtone.output import FORMATS, write_rows
from scraper import store
from scraper.errors import JobtoneError

NAME = "sql"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="the SQL query (read-only)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                        help="how long to wait for a writer to release the database (default: 30)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    with store.opened(ctx.db_path, read_only=True, wait=args.wait) as con:
        # No file access from ad hoc SQL either: no COPY TO, no ATTACH of another file read-write.
        con.execute("SET enable_external_access = false; SET lock_configuration = true")
        try:
            cursor = con.execute(args.query)
        except duckdb.Error as exc:
            raise JobtoneError(f"query failed: {str(exc).splitlines()[0]}") from exc
        if cursor.description is None:
            return ExitCode.OK
        columns = [d[0] for d in cursor.description]
        write_rows(columns, cursor.fetchall(), args.format, ctx.out)
    return ExitCode.OK
