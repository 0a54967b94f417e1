"""List the configured boards with their route and last outcome (status, counts, stored postings)."""

from __future__ import annotations

import argparse

from jobtone.output import FORMATS, write_rows
from scraper import store
from scraper.errors import JobtoneError

NAME = "sources"
COLUMNS = ["board", "company", "api_root", "last_run_utc", "status", "fetched", "new", "stored", "error"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table")


def run(args: argparse.Namespace, ctx) -> int:
    last = _last_outcomes(ctx)
    rows = []
    for board in ctx.config.boards:
        outcome = last.get((board.ats, board.token), (None,) * 6)
        rows.append([board.key, board.display, ctx.config.api_root(board.ats), *outcome])
    write_rows(COLUMNS, rows, args.format, ctx.out)
    return 0


def _last_outcomes(ctx) -> dict[tuple[str, str], tuple]:
    try:
        with store.opened(ctx.db_path, read_only=True, wait=30) as con:
            rows = con.execute("""
                WITH last AS (
                    SELECT * FROM board_runs QUALIFY row_number() OVER (PARTITION BY source, board ORDER BY started_at DESC) = 1),
                stored AS (SELECT source, board, count(*) AS n FROM postings WHERE removed_at IS NULL GROUP BY ALL)
                SELECT l.source, l.board, strftime(l.started_at, '%Y-%m-%d %H:%M'), l.status, l.fetched, l.new,
                       coalesce(s.n, 0), l.error
                FROM last l LEFT JOIN stored s USING (source, board)""").fetchall()
    except JobtoneError:
        return {}  # no database yet: every board shows as never run
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}
