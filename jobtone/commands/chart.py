"""Draw the charts and the HTML report (what is in the data, share by category, per term, by source) into a folder.

Analyses new or changed postings first. Writes the coverage, share, terms and groups charts as PNG and SVG,
plus index.html: postings per period by source and the companies and sources behind each period, the
charts, each term's precision and a few random matches in context, wording changes within postings, the
lexicon used and the trend table. Every trend chart marks the periods where sources or boards start, stop
or join (a step there is not a change in language).

Shares corrected for precision (dashed, with their band) are drawn when labels exist for the lexicon
(shipped with a built-in lexicon, or yours: `jobtone label`); --corrected asks for them (a warning when
there are no labels), --no-corrected leaves them out.

Examples:
  jobtone chart
  jobtone chart --out reports/quarterly --by quarter --smooth 2
  jobtone chart --corrected"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.publish import DEFAULT_OUT, analyse_and_report
from analysis.trends import DATE_BASES, MIN_POSTINGS, PERIODS
from jobtone.commands.analysis_options import add_analysis_options, watching
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
    parser.add_argument("--corrected", action=argparse.BooleanOptionalAction, default=None,
                        help="draw shares corrected for each term's labelled precision (default: when labels exist)")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    paths = analyse_and_report(ctx.config, args.lexicon, args.include_boilerplate, args.out, now=ctx.now(), by=args.by,
                               smooth=args.smooth, date_basis=args.date_basis, min_postings=args.min_postings,
                               corrected=args.corrected, watch=watching(ctx))
    print(f"wrote {len(paths)} files to {args.out}", file=ctx.err)
    return ExitCode.OK
