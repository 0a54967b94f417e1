"""Show how often each category (or term) appears, per month, quarter or year.

Per period and series: postings, postings matching, their share with a Wilson 95% interval, and
mentions per 10,000 words. Periods with fewer postings than --min-postings are flagged (low_count).
Analyses new or changed postings first. CSV columns:
period,series,postings,matches,share,ci_low,ci_high,per_10k_words

Comparing like with like:
  --panel        only companies (a posting without a company: its board) with postings in every period of
                 the range asked for (after --since/--until/--source);
  --adjust U     hold the mix of companies (U = company) or sources (U = source) fixed: each period's share
                 is the average of its units' shares weighted by each unit's share of all postings in the
                 range (the pooled mix). The interval is a Wilson interval on the effective sample size
                 (sum w)^2 / sum(w^2 / n), so it widens where few postings carry much weight. A period where
                 some units of the mix have no posting is flagged (mix_coverage < 1), never filled in;
                 --panel --adjust company has no such periods. CSV adds raw_share,mix_coverage.
  --dedupe M     none (default): every posting counts, as published; period: a text posted again in the
                 same period (same words, ignoring case and spacing) counts once; all: once overall, in
                 the period it first appeared. The default keeps the share a share of published ads;
                 Hacker News companies repost monthly, so `--by year --dedupe period` counts each once.
Table and JSON output also give the companies and sources behind each period.

Sense-corrected shares (--corrected): next to each share, the share times the precision of the terms
behind it (from hand labels: see `jobtone precision`; per era where labels allow), with an interval that
carries both the sample of postings and the sample of labels. CSV adds precision,corrected,corrected_low,
corrected_high after its other columns; a series without labels has them empty.

Examples:
  jobtone trends
  jobtone trends --by year --panel --adjust company
  jobtone trends --by quarter --terms --source hn --format csv > terms.csv
  jobtone trends --company stripe --since 2020-01-01 --date seen"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TextIO

from analysis.labels import known_labels
from analysis.precision import corrected_rows, precision_table
from analysis.series import CSV_COLUMNS, TrendRow
from analysis.trends import DATE_BASES, DEDUPE, MIN_POSTINGS, MIX_UNITS, PERIODS, TrendQuery, trend_rows
from jobtone.commands.analysis_options import add_analysis_options, analysed, iso_date
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
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
    parser.add_argument("--panel", action="store_true",
                        help="only companies with postings in every period of the range (see below)")
    parser.add_argument("--adjust", choices=tuple(MIX_UNITS), metavar="company|source",
                        help="hold the mix of companies or sources fixed at the pooled mix of the range")
    parser.add_argument("--dedupe", choices=DEDUPE, default="none",
                        help="count a reposted text once per period, once overall, or every time (default: none)")
    parser.add_argument("--corrected", action="store_true",
                        help="add shares corrected for each term's labelled precision (see below)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.since and args.until and args.since > args.until:  # before any analysis work
        raise ConfigError(f"--since {args.since} is after --until {args.until}: no period fits")
    with analysed(ctx, args.lexicon, args.include_boilerplate) as (con, lexicon, stats):
        query = TrendQuery(stats.analysis_key, args.by, args.terms, args.source, args.company, args.since,
                           args.until, args.date_basis, args.min_postings, panel=args.panel, adjust=args.adjust,
                           dedupe=args.dedupe)
        rows = trend_rows(con, query)
        if args.corrected:
            term_rows = [] if args.terms else trend_rows(con, replace(query, terms=True))
            rows = corrected_rows(rows, precision_table(known_labels(con, lexicon), lexicon), lexicon, term_rows)
    write_trends(rows, args.format, ctx.out, adjusted=args.adjust is not None, corrected=args.corrected)
    return ExitCode.OK


MIX_COLUMNS = ("raw_share", "mix_coverage")
CORRECTED_COLUMNS = ("precision", "corrected", "corrected_low", "corrected_high")


def write_trends(rows: list[TrendRow], fmt: str, out: TextIO, adjusted: bool = False, corrected: bool = False) -> None:
    """CSV: CSV_COLUMNS (then the fixed-mix and corrected columns when asked for); table and JSON add low_count
    and the companies and sources behind each period."""
    extra = (*(MIX_COLUMNS if adjusted else ()), *(CORRECTED_COLUMNS if corrected else ()))
    if fmt == "csv":
        write_rows([*CSV_COLUMNS, *extra], [_rounded((*row.csv_values(), *_values(row, extra))) for row in rows],
                   fmt, out)
        return
    columns = [*CSV_COLUMNS, *extra, "low_count", "companies", "sources"]
    write_rows(columns, [[*_rounded((*row.csv_values(), *_values(row, extra))), row.low_count, row.companies,
                          row.sources] for row in rows], fmt, out)


def _values(row: TrendRow, names: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(getattr(row, name) for name in names)


def _rounded(values: tuple[object, ...]) -> list[object]:
    return [round(v, 6) if isinstance(v, float) else v for v in values]
