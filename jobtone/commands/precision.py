"""Show how precise each term is: of its counted matches, how many are the intended sense, from hand labels.

Per term (and per era — to 2019, 2020-2022, 2023 on — where an era has 30 or more labels): labelled
matches, intended ones, precision with its Wilson 95% interval, recall where labels of vetoed matches
exist, and whether every label came from a random draw (only random draws estimate precision).
Labels: those shipped with a built-in lexicon (drawn at random from real Hacker News postings; they
carry no posting text) plus your own (`jobtone label`); --own uses only yours. Labels made under
another version of the lexicon are left out: its rules counted other matches.

Examples:
  jobtone precision
  jobtone precision --lexicon extended --format csv"""

from __future__ import annotations

import argparse

from analysis.labels import known_labels
from analysis.lexicon import PACKS, load_lexicon
from analysis.precision import precision_table
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from jobtone.output import FORMATS, write_rows
from scraper import store

NAME = "precision"
COLUMNS = ("term", "era", "labelled", "intended", "unsure", "precision", "ci_low", "ci_high", "recall", "random")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--own", action="store_true", help="only your own labels, not the shipped ones")
    parser.add_argument("--lexicon", default="default", metavar="PATH|PACK",
                        help=f"lexicon TOML file, or a built-in pack: {', '.join(PACKS)} (default: default)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    lexicon = load_lexicon(args.lexicon)
    if ctx.db_path.exists():
        with store.opened(ctx.db_path, read_only=True, wait=ctx.config.lock_wait) as con:
            labels = known_labels(con, lexicon, own_only=args.own)
    else:
        labels = known_labels(None, lexicon, own_only=args.own)
    rows = precision_table(labels, lexicon)
    write_rows(COLUMNS, [(p.term, p.era, p.labelled, p.intended, p.unsure, _r(p.precision), _r(p.ci_low),
                          _r(p.ci_high), _r(p.recall), p.random) for p in rows], args.format, ctx.out)
    if not any(p.labelled for p in rows):
        print(f"no labels for lexicon {lexicon.name} {lexicon.version}: label a sample with `jobtone label TERM`",
              file=ctx.err)
    return ExitCode.OK


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
