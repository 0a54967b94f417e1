"""Show how often each category (or term) appears, per month, quarter or year.

Per period and series: postings, postings matching, their share with a Wilson 95% interval, and
mentions per 10,000 words. Periods with fewer postings than --min-postings are flagged (low_count).
Analyses new or changed postings first. CSV columns:
period,series,postings,matches,share,ci_low,ci_high,per_10k_words

Examples:
  jobtone trends
  jobtone trends --by quarter --terms --source hn --format csv > terms.csv
  jobtone trends --company stripe --since 2020-01-01 --date seen"""

from __future__ import annotations

import argparse

from analysis.series import CSV_COLUMNS, TrendRow
from analysis.trends import DATE_BASES, MIN_POSTINGS, PERIODS, TrendQuery, trend_rows
from jobtone.commands.analysis_options import add_analysis_options, analysed, iso_date
from jobtone.output import FORMATS, write_rows
from scraper.errors import ConfigError

NAME = "trends"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", choices=PERIODS, default="month", help="period length (default: month)")
    parser.add_argument("--terms", action="store_true", help="one series per term instead of per category")
    parser.add_argument("--source", metavar="S", help="only postings from this source (e.g. hn, greenhouse)")
    parser.add_argument("--company", metavar="C", help="only postings of this company (case-insensitive)")
    parser.add_argument("--since", type=iso_date, metavar="D", help="from this date (YYYY-MM-DD)")
    parser.add_argument("--until", type=iso_date, metavar="D", help="up to and including this date")
    parser.add_argument("--date", choices=tuple(DATE_BASES), default="posted", dest="date_basis",
                        help="posted: the source's posting date; seen: when jobtone first saw it (default: posted)")
    parser.add_argument("--min-postings", type=int, default=MIN_POSTINGS, metavar="N",
                        help=f"flag periods with fewer postings (default: {MIN_POSTINGS})")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx) -> int:
    if args.since and args.until and args.since > args.until:
        raise ConfigError(f"--since {args.since} is after --until {args.until}: no period fits")
    with analysed(ctx, args.lexicon, args.include_boilerplate) as (con, _lexicon, stats):
        rows = trend_rows(con, TrendQuery(stats.analysis_key, args.by, args.terms, args.source, args.company,
                                          args.since, args.until, args.date_basis, args.min_postings))
    write_trends(rows, args.format, ctx.out)
    return 0


def write_trends(rows: list[TrendRow], fmt: str, out) -> None:
    """CSV: exactly CSV_COLUMNS; table and JSON add the low_count flag."""
    if fmt == "csv":
        write_rows(CSV_COLUMNS, [_rounded(row.csv_values()) for row in rows], fmt, out)
        return
    columns = [*CSV_COLUMNS, "low_count"]
    write_rows(columns, [[*_rounded(row.csv_values()), row.low_count] for row in rows], fmt, out)


def _rounded(values: tuple[object, ...]) -> list[object]:
    return [round(v, 6) if isinstance(v, float) else v for v in values]
