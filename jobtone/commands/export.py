"""Export postings and trends (or any tables) to Parquet or CSV files with DuckDB's own COPY.

By default exports `postings`, `trends` (each category's share per period) and `term_trends` (each
term's), the trends brought up to date first as `jobtone trends` does. Name tables or views to export
those instead (`jobtone sql "SHOW TABLES"` lists them). Each goes to DIR/NAME.parquet (or .csv), written
under a temporary name first, so a reader never sees half a file.

Examples:
  jobtone export                                   # data/export/postings.parquet, trends.parquet, ...
  jobtone export --format csv --by year trends
  jobtone export --out /tmp/jobtone postings runs board_runs"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analysis.publish import stage_trends
from analysis.trends import DATE_BASES, PERIODS, TrendQuery, trend_rows
from jobtone.commands.analysis_options import add_analysis_options, analysed
from jobtone.commands.argtypes import finite_nonnegative_float
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from scraper import store
from scraper.errors import ConfigError
from scraper.sql import sql_identifier, sql_string

NAME = "export"
FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}
TRENDS = {"trends": False, "term_trends": True}  # computed tables → one series per term?
DEFAULT_TABLES = ("postings", *TRENDS)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tables", nargs="*", metavar="TABLE",
                        help="tables or views to export (default: postings, trends, term_trends)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="parquet", help="file format (default: parquet)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: export/ beside the database)")
    parser.add_argument("--by", choices=PERIODS, default="month", help="trends: period length (default: month)")
    parser.add_argument("--date", choices=tuple(DATE_BASES), default="posted", dest="date_basis",
                        help="trends: posted (the source's date) or seen (when jobtone first saw it)")
    parser.add_argument("--wait", type=finite_nonnegative_float, default=30.0, metavar="SECONDS",
                        help="how long to wait for a writer to release the database (default: 30)")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    out_dir = args.out or Path(ctx.db_path).parent / "export"
    wanted = args.tables or list(DEFAULT_TABLES)
    with _connection(ctx, args, any(t in TRENDS for t in wanted)) as (con, analysis_key):
        names = existing_tables(con)
        unknown = [t for t in wanted if t not in names and t not in TRENDS]
        if unknown:
            raise ConfigError(f"no table or view named {', '.join(map(repr, unknown))}; there are: {', '.join(sorted(names))}")
        out_dir.mkdir(parents=True, exist_ok=True)
        for table in wanted:
            if table in TRENDS:
                query = TrendQuery(analysis_key, args.by, TRENDS[table], date_basis=args.date_basis)
                stage_trends(con, table, trend_rows(con, query))
            path, rows = export_table(con, table, out_dir, args.format)
            print(f"{path}: {rows:,} rows", file=ctx.err)
    return ExitCode.OK


@contextmanager
def _connection(ctx: Context, args: argparse.Namespace, trends: bool
                ) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A read-only connection, or with trends wanted, the analysed (written) database and its analysis key."""
    if trends:
        with analysed(ctx, args.lexicon, args.include_boilerplate) as (con, _lexicon, stats):
            yield con, stats.analysis_key
    else:
        with store.opened(ctx.db_path, read_only=True, wait=args.wait) as con:
            yield con, ""


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables and views of the main schema."""
    rows = con.execute("""SELECT table_name FROM information_schema.tables
                          WHERE table_schema = 'main' AND table_catalog = current_database()""").fetchall()
    return {name for (name,) in rows}


def export_table(con: duckdb.DuckDBPyConnection, table: str, out_dir: Path, fmt: str) -> tuple[Path, int]:
    """COPY one table to OUT_DIR/TABLE.FMT through a temporary file and an atomic rename; returns (path, rows)."""
    final = out_dir / f"{table}.{fmt}"
    partial = out_dir / f".{table}.{fmt}.partial"
    con.execute(f"COPY (SELECT * FROM {sql_identifier(table)}) TO {sql_string(str(partial))} {FORMATS[fmt]}")
    os.replace(partial, final)
    (rows,) = con.execute(f"SELECT count(*) FROM {sql_identifier(table)}").fetchall()[0]
    return final, int(rows)



