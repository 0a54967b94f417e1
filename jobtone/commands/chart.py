"""Draw the charts and the HTML report (share by category, per term, by source) into a folder.

Analyses new or changed postings first. Writes share, terms and groups charts as PNG and SVG, plus
index.html with the trend table and the lexicon used.

Examples:
  jobtone chart
  jobtone chart --out reports/quarterly --by quarter --smooth 2"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb

from analysis.lexicon import Lexicon
from analysis.report import write_report
from analysis.series import ChartMeta, TrendRow
from analysis.trends import DATE_BASES, MIN_POSTINGS, PERIODS, TrendQuery, data_range, trend_rows
from jobtone.commands.analysis_options import add_analysis_options, analysed
from jobtone.commands.argtypes import positive_int

NAME = "chart"
DEFAULT_OUT = Path("reports")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder (default: reports)")
    parser.add_argument("--by", choices=PERIODS, default="month", help="period length (default: month)")
    parser.add_argument("--smooth", type=positive_int, default=1, metavar="N", help="moving average over N periods (default: 1, none)")
    parser.add_argument("--date", choices=tuple(DATE_BASES), default="posted", dest="date_basis",
                        help="posted: the source's posting date; seen: when jobtone first saw it (default: posted)")
    parser.add_argument("--min-postings", type=int, default=MIN_POSTINGS, metavar="N",
                        help=f"mark periods with fewer postings as uncertain (default: {MIN_POSTINGS})")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx) -> int:
    paths = analyse_and_report(ctx, args.lexicon, args.include_boilerplate, args.out, by=args.by,
                               smooth=args.smooth, date_basis=args.date_basis, min_postings=args.min_postings)
    print(f"wrote {len(paths)} files to {args.out}", file=ctx.err)
    return 0


def analyse_and_report(ctx, lexicon_arg: str | None, include_boilerplate: bool, out_dir: Path, *,
                       by: str = "month", smooth: int = 1, date_basis: str = "posted",
                       min_postings: int = MIN_POSTINGS) -> list[Path]:
    """Analyse what is new, then write the charts and index.html into `out_dir`; returns the files written."""
    from analysis.charts import write_charts  # matplotlib: imported only to draw (it costs ~0.6 s at start-up)

    with analysed(ctx, lexicon_arg, include_boilerplate) as (con, lexicon, stats):
        query = TrendQuery(stats.analysis_key, by, date_basis=date_basis, min_postings=min_postings)
        rows_by_kind = chart_series(con, query)
    meta = chart_meta(lexicon, rows_by_kind["share"], date_basis, include_boilerplate, ctx.now())
    charts = write_charts(rows_by_kind, meta, out_dir, smooth=smooth)
    report = write_report(out_dir, charts, rows_by_kind["share"], lexicon.terms, meta)
    return [*charts, report]


def chart_series(con: duckdb.DuckDBPyConnection, query: TrendQuery) -> dict[str, list[TrendRow]]:
    """The three series the charts draw: categories, terms, and categories split by source family."""
    return {
        "share": trend_rows(con, query),
        "terms": trend_rows(con, replace(query, terms=True)),
        "groups": trend_rows(con, replace(query, group=True)),
    }


def chart_meta(lexicon: Lexicon, rows: list[TrendRow], date_basis: str, include_boilerplate: bool,
               now: datetime) -> ChartMeta:
    start, end = data_range(rows)
    return ChartMeta(lexicon.name, lexicon.version, start, end, date_basis, include_boilerplate, now,
                     tuple((t.name, t.category) for t in lexicon.terms))

