"""Show every match of a term in context (keyword in context), to audit what the lexicon counts.

Lines are aligned on the match: date, company, left context, [match], right context; control
characters are shown escaped. --show-excluded adds matches vetoed by an exclusion phrase or by the
term's `near` or `not_near` rule, marked as such ("(not_near: API)" names the word that vetoed it).

Examples:
  jobtone kwic flexible --limit 20
  jobtone kwic discipline --show-excluded --since 2023-01-01"""

from __future__ import annotations

import argparse

from analysis.kwic import format_lines, kwic
from jobtone.commands.analysis_options import add_analysis_options, analysed, iso_date
from jobtone.commands.argtypes import positive_int
from jobtone.context import Context
from jobtone.exitcodes import ExitCode

NAME = "kwic"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("term", metavar="TERM", help="a term name of the lexicon (e.g. flexible)")
    parser.add_argument("--limit", type=positive_int, default=50, metavar="N", help="at most N lines (default: 50)")
    parser.add_argument("--since", type=iso_date, metavar="D", help="only postings from this date (YYYY-MM-DD)")
    parser.add_argument("--show-excluded", action="store_true",
                        help="also show matches an exclusion phrase or the `near`/`not_near` rules vetoed")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    with analysed(ctx, args.lexicon, args.include_boilerplate) as (con, lexicon, stats):
        lines = kwic(con, lexicon, stats.analysis_key, args.include_boilerplate, args.term, args.limit,
                     args.since, args.show_excluded)
    for line in format_lines(lines, show_status=args.show_excluded):
        ctx.out.write(line + "\n")
    if not lines:
        print(f"no matches of {args.term!r}", file=ctx.err)
    return ExitCode.OK
