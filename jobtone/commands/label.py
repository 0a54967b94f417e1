"""Label a random sample of a term's matches by hand: is each one the term's intended sense?

Shows one match at a time with the words around it, the match highlighted, and takes one key:
  y or 1  intended sense        n or 0  another sense        u or ?  can't tell
  s       skip (no label)       q       quit (what you labelled is kept)
The sample is random, stratified by year and source family so every era is represented (each stratum
in proportion to its matches, at least one each); labels are stored in the database with the lexicon
version, the rule that counted the match, the draw (seed and size) and the context. `jobtone precision`
turns them into precision with an interval. Needs a terminal; without one, use --import.

Examples:
  jobtone label flexible --n 50
  jobtone label empathy --seed 7
  jobtone label flexible --export flexible-labels.jsonl
  jobtone label flexible --import my-labels.jsonl"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from analysis.labelling import Sample, draw_sample
from analysis.labels import Label, export_labels, import_labels, save_labels, stored_labels
from jobtone.commands.analysis_options import add_analysis_options, analysed
from jobtone.commands.argtypes import positive_int
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from scraper import store
from scraper.dates import utcnow
from scraper.errors import ConfigError

NAME = "label"
KEYS = {"y": "intended", "1": "intended", "n": "other", "0": "other", "u": "unsure", "?": "unsure"}
HIGHLIGHT = ("\x1b[1;7m", "\x1b[0m")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("term", metavar="TERM", help="a term name of the lexicon (e.g. flexible)")
    parser.add_argument("--n", type=positive_int, default=50, metavar="N", help="matches to label (default: 50)")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="the random draw (default: 1)")
    parser.add_argument("--export", type=Path, metavar="FILE", help="write every stored label to FILE (JSON Lines)")
    parser.add_argument("--import", dest="import_", type=Path, metavar="FILE",
                        help="add the labels in FILE (JSON Lines, as --export writes) to the database")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.export or args.import_:
        return _share(args, ctx)
    if not sys.stdin.isatty():
        raise ConfigError("jobtone label reads one key per match and needs a terminal (stdin is not one); "
                          "use --import FILE to add labels from a file")
    with analysed(ctx, args.lexicon, args.include_boilerplate) as (con, lexicon, stats):
        samples = draw_sample(con, lexicon, stats.analysis_key, args.include_boilerplate, args.term, args.n,
                              args.seed)
    if not samples:
        print(f"no counted matches of {args.term!r} to label", file=ctx.err)
        return ExitCode.OK
    labels: list[Label] = []
    try:
        with _keys() as read_key:
            label_samples(samples, read_key, ctx.out, labels.append)
    finally:  # a quit, Ctrl-C or an error keeps what was labelled
        if labels:
            with store.opened(ctx.db_path, wait=ctx.config.lock_wait) as con:
                save_labels(con, labels)
        print(f"{len(labels)} labels stored", file=ctx.err)
    return ExitCode.OK


def label_samples(samples: Sequence[Sample], read_key: Callable[[], str], out: TextIO,
                  keep: Callable[[Label], None]) -> None:
    """Show each sample and record the key pressed, until the end or `q`."""
    highlight = HIGHLIGHT if out.isatty() else ("[[", "]]")
    for i, sample in enumerate(samples, 1):
        out.write(f"\n[{i}/{len(samples)}] {sample.term} · {sample.year or '?'} · {sample.family} · "
                  f"{sample.company or '-'} ({sample.rule})\n")
        out.write(f"  {sample.left}{highlight[0]}{sample.match}{highlight[1]}{sample.right}\n")
        out.write("  intended? [y]es [n]o [u]nsure [s]kip [q]uit: ")
        out.flush()
        key = _next_key(read_key)
        out.write(key + "\n")
        if key == "q":
            return
        if key in KEYS:
            keep(sample.label(KEYS[key], utcnow()))


def _next_key(read_key: Callable[[], str]) -> str:
    while True:
        key = read_key().lower()
        if key in KEYS or key in ("s", "q"):
            return key
        if key == "":  # end of input
            return "q"


@contextmanager
def _keys() -> Iterator[Callable[[], str]]:
    """Read single key presses from the terminal (cbreak mode: no Enter needed), restored on exit."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield lambda: os.read(fd, 1).decode(errors="replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _share(args: argparse.Namespace, ctx: Context) -> int:
    with store.opened(ctx.db_path, wait=ctx.config.lock_wait) as con:
        if args.import_:
            print(f"{import_labels(con, args.import_)} labels imported from {args.import_}", file=ctx.err)
        if args.export:
            mine = [label for label in stored_labels(con) if label.term == args.term]
            print(f"{export_labels(mine, args.export)} labels of {args.term!r} written to {args.export}", file=ctx.err)
    return ExitCode.OK
