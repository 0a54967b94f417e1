"""Import postings from a CSV, JSON Lines or Parquet file (e.g. a dataset of old postings).

DuckDB reads the file directly; rows are checked, normalised like scraped text and merged, so
importing the same file again changes nothing. Rows with no text, an unparseable date or (with
--id-col) no id, JSON lines that are no JSON object and CSV records that cannot be read are reported
with their line numbers and skipped; the rest is imported, with exit code 1.
Without an id column (--id-col, or a column named `id`), a posting's id is a hash of its text.
Importing another file whose ids are already stored under the same --source is refused (exit 2)
unless --replace is given: each posting remembers the file it came from.

Examples:
  jobtone import old_postings.csv --source kaggle --text-col description --date-col posted
  jobtone import hn.parquet --source hn --id-col objectID --html"""

from __future__ import annotations

import argparse
from pathlib import Path

from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from jobtone.progress import statement_progress
from scraper import store
from scraper.file_import import ImportSpec, import_file

NAME = "import"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help=".csv, .tsv, .jsonl/.ndjson (or any of them gzipped: .jsonl.gz) or .parquet")
    parser.add_argument("--source", default="import", metavar="NAME", help="source name for these postings (default: import)")
    parser.add_argument("--text-col", default="text", metavar="COL", help="column with the posting text (default: text)")
    parser.add_argument("--date-col", default="date", metavar="COL", help="column with the posting date (default: date)")
    parser.add_argument("--id-col", metavar="COL", help="column with a unique id (default: `id` if present, else a hash of the text)")
    parser.add_argument("--company-col", default="company", metavar="COL", help="column with the company name (default: company)")
    parser.add_argument("--html", action="store_true", help="the text column is HTML: convert it to plain text")
    parser.add_argument("--replace", action="store_true",
                        help="replace postings with the same ids imported under this --source from another file")


def run(args: argparse.Namespace, ctx: Context) -> int:
    spec = ImportSpec(args.file, args.source, args.text_col, args.date_col, args.id_col, args.company_col,
                      html=args.html, replace=args.replace)
    with store.opened(ctx.db_path, wait=ctx.config.lock_wait) as con, \
            statement_progress(con, "importing", ctx.err, ctx.interactive):
        result = import_file(con, spec, ctx.now())
    stats = result.stats
    print(f"{args.file}: {result.rows} rows; {stats.new} new, {stats.updated} updated, {stats.unchanged} unchanged, "
          f"{result.bad_count} bad, {stats.implausible_dates} implausible dates (before "
          f"{store.EARLIEST_POSTED:%Y} or over a year ahead: stored as unknown)", file=ctx.err)
    for where, reason in result.bad:
        print(f"  {where}: {reason}", file=ctx.err)
    if result.bad_count > len(result.bad):
        print(f"  ... and {result.bad_count - len(result.bad)} more", file=ctx.err)
    return ExitCode.PARTIAL if result.bad_count else ExitCode.OK
