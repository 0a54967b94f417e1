"""Show postings whose wording changed while jobtone watched them, and the terms each change added or removed.

The same posting before and after: the mix of employers cannot move, so this is change in language alone.
Each change compares one stored wording with the next (earlier wordings are kept in `posting_history`),
both matched with the current lexicon and its sense rules. With --by, one row per period and category
instead: how many postings gained it and how many lost it.

Examples:
  jobtone changes
  jobtone changes --term flexible --since 2025-01-01 --format csv
  jobtone changes --by month"""

from __future__ import annotations

import argparse

from analysis.changes import change_summary, changes
from analysis.trends import PERIODS
from jobtone.commands.analysis_options import add_analysis_options, analysed, iso_date
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from jobtone.output import FORMATS, write_rows
from scraper.errors import ConfigError

NAME = "changes"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=iso_date, metavar="D", help="only changes from this date (YYYY-MM-DD)")
    parser.add_argument("--term", metavar="T", help="only changes that added or removed this term")
    parser.add_argument("--by", choices=PERIODS, metavar="P",
                        help="per period (month, quarter, year) and category: postings that gained or lost it")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    with analysed(ctx, args.lexicon, args.include_boilerplate) as (con, lexicon, _stats):
        if args.term and args.term not in {t.name for t in lexicon.terms}:
            raise ConfigError(f"no term {args.term!r} in lexicon {lexicon.name}")
        found = changes(con, lexicon, args.since, args.term)
    if args.by:
        write_rows(("period", "category", "gained", "lost"), change_summary(found, lexicon, args.by), args.format,
                   ctx.out)
    else:
        write_rows(("changed_at", "source", "board", "company", "title", "added", "removed"),
                   [(c.changed_at, c.source, c.board, c.company, c.title, " ".join(c.added), " ".join(c.removed))
                    for c in found], args.format, ctx.out)
    if not found:
        print("no wording changes that added or removed a counted term", file=ctx.err)
    return ExitCode.OK
