"""Show recent runs, what stopped them and what failed in them (what happened at 3 a.m.)."""

from __future__ import annotations

import argparse

from jobtone.commands.argtypes import positive_int
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from jobtone.output import FORMATS, write_rows
from scraper import store

NAME = "runs"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=positive_int, default=10, help="how many recent runs (default: 10)")
    parser.add_argument("--format", choices=FORMATS, default="table")


def run(args: argparse.Namespace, ctx: Context) -> int:
    with store.opened(ctx.db_path, read_only=True, wait=30) as con:
        cursor = con.execute("""
            SELECT run_id, command, strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started_utc,
                   round(epoch(ended_at - started_at), 1) AS seconds, status,
                   fetched, new, updated, removed, coalesce(b.skipped, 0) AS skipped,
                   coalesce(b.implausible_dates, 0) AS implausible_dates, failures, coalesce(error, '') AS error
            FROM runs LEFT JOIN (SELECT run_id, sum(skipped)::BIGINT AS skipped,
                                        sum(implausible_dates)::BIGINT AS implausible_dates
                                 FROM board_runs GROUP BY run_id) b USING (run_id)
            ORDER BY started_at DESC LIMIT ?""", [args.limit])
        write_rows([d[0] for d in cursor.description], cursor.fetchall(), args.format, ctx.out)
        failures = con.execute("""
            SELECT b.run_id, b.source || ':' || b.board AS board, b.status, b.error, b.url
            FROM board_runs b JOIN (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT ?) r USING (run_id)
            WHERE b.status NOT IN ('ok') ORDER BY b.run_id, board""", [args.limit])
        rows = failures.fetchall()
        if rows and args.format == "table":
            ctx.out.write("\nfailures and staged boards:\n")
            write_rows([d[0] for d in failures.description], rows, args.format, ctx.out)
    return ExitCode.OK
