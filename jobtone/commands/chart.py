"""Draw the charts and the HTML report (share by category, per term, by source) into a folder.

Analyses new or changed postings first. Writes share, terms and groups charts as PNG and SVG, plus
index.html with the trend table and the lexicon used.

Examples:
  jobtone chart
  jobtone chart --out reports/quarterly --by quarter --smooth 2"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.publish import DEFAULT_OUT, analyse_and_report
from analysis.trends import DATE_BASES, MIN_POSTINGS, PERIODS
from jobtone.commands.analysis_options import add_analysis_options
from jobtone.commands.argtypes import positive_int
from jobtone.context import Context
from jobtone.exitcodes import ExitCode

NAME = "chart"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder (default: reports)")
    parser.add_argument("--by", choices=PERIODS, default="month", help="period length (default: month)")
    parser.add_argument("--smooth", type=positive_int, default=1, metavar="N", help="moving average over N periods (default: 1, none)")
    parser.add_argument("--date", choices=tuple(DATE_BASES), default="posted", dest="date_basis",
                        help="posted: the source's posting date; seen: when jobtone first saw it (default: posted)")
    parser.add_argument("--min-postings", type=int, default=MIN_POSTINGS, metavar="N",
                        help=f"mark periods with fewer postings as uncertain (default: {MIN_POSTINGS})")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    paths = analyse_and_report(ctx.config, args.lexicon, args.include_boilerplate, args.out, now=ctx.now(), by=args.by,
                               smooth=args.smooth, date_basis=args.date_basis, min_postings=args.min_postings)
    print(f"wrote {len(paths)} files to {args.out}", file=ctx.err)
    return ExitCode.OK
