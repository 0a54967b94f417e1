"""Options shared by every command that analyses (trends, chart, kwic, run): --lexicon, --include-boilerplate."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb

from analysis import publish
from analysis.lexicon import PACKS, Lexicon, load_lexicon
from analysis.pipeline import AnalysisStats
from jobtone.context import Context
from jobtone.progress import statement_progress


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """Add --lexicon and --include-boilerplate to a command's parser."""
    parser.add_argument("--lexicon", default="default", metavar="PATH|PACK",
                        help=f"lexicon TOML file, or a built-in pack: {', '.join(PACKS)} (default: default)")
    parser.add_argument("--include-boilerplate", action="store_true",
                        help="also count boilerplate: text the source marked as shared, and paragraphs repeated "
                             "in at least half of a company's postings (left out by default)")


def iso_date(value: str) -> date:
    """argparse type for YYYY-MM-DD (a year or year-month also work: 2024 → 2024-01-01)."""
    parts = value.strip().split("-")
    try:
        return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError) as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


@contextmanager
def analysed(ctx: Context, lexicon_arg: str | None, include_boilerplate: bool
             ) -> Iterator[tuple[duckdb.DuckDBPyConnection, Lexicon, AnalysisStats]]:
    """Open the database for writing, bring the analysis up to date, and yield (connection, lexicon, stats)."""
    lexicon = load_lexicon(lexicon_arg)
    with publish.analysed(ctx.config, lexicon, include_boilerplate, now=ctx.now(), watch=watching(ctx)) as (con, stats):
        yield con, lexicon, stats


def watching(ctx: Context) -> publish.Watch:
    """How far DuckDB is through each statement of the analysis, on a terminal."""
    return lambda con: statement_progress(con, "analysing", ctx.err, ctx.interactive)
