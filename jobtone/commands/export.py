"""Export tables to Parquet or CSV files (DuckDB's own COPY: fast, typed, no rows through Python).

By default exports `postings` and, once the analysis has run, the trend tables; name any tables or views
to export those instead (`jobtone sql "SHOW TABLES"` lists them). Each goes to DIR/NAME.parquet (or .csv),
written to a temporary name first, so a reader never sees half a file. The database is opened read-only.

Examples:
  jobtone export                                   # data/export/postings.parquet, ...
  jobtone export --format csv --out /tmp/jobtone postings runs"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from scraper import store
from scraper.errors import ConfigError

NAME = "export"
FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}
DEFAULT_TABLES = ("postings", "trends", "term_trends", "category_trends")  # those that exist are exported


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tables", nargs="*", metavar="TABLE", help="tables or views to export (default: postings and trends)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="parquet", help="file format (default: parquet)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: export/ beside the database)")
    parser.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                        help="how long to wait for a writer to release the database (default: 30)")


def run(args: argparse.Namespace, ctx) -> int:
    out_dir = args.out or Path(ctx.db_path).parent / "export"
    with store.opened(ctx.db_path, read_only=True, wait=args.wait) as con:
        names = existing_tables(con)
        wanted = args.tables or [t for t in DEFAULT_TABLES if t in names]
        unknown = [t for t in wanted if t not in names]
        if unknown:
            raise ConfigError(f"no table or view named {', '.join(map(repr, unknown))}; there are: {', '.join(sorted(names))}")
        out_dir.mkdir(parents=True, exist_ok=True)
        for table in wanted:
            path = export_table(con, table, out_dir, args.format)
            rows = con.execute(f"SELECT count(*) FROM {_identifier(table)}").fetchone()[0]
            print(f"{path}: {rows:,} rows", file=ctx.err)
    return 0


def existing_tables(con) -> set[str]:
    """Names of the tables and views of the main schema."""
    rows = con.execute("""SELECT table_name FROM information_schema.tables
                          WHERE table_schema = 'main' AND table_catalog = current_database()""").fetchall()
    return {name for (name,) in rows}


def export_table(con, table: str, out_dir: Path, fmt: str) -> Path:
    """COPY one table to OUT_DIR/TABLE.FMT through a temporary file and an atomic rename."""
    final = out_dir / f"{table}.{fmt}"
    partial = out_dir / f".{table}.{fmt}.partial"
    con.execute(f"COPY (SELECT * FROM {_identifier(table)}) TO {_sql_string(str(partial))} {FORMATS[fmt]}")
    os.replace(partial, final)
    return final


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
