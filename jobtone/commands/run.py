"""The main job: scrape everything configured, analyse what is new, write charts and report.

The first run also loads the history of the Hacker News hiring threads in the config (every thread since
2011: about 180 requests and a few minutes, once; resumable like `jobtone backfill hn`), so the charts
show a decade of trends from day one. Later runs fetch new threads and the comments of open ones.

Besides the configured boards it scrapes those `jobtone discover --add` enrolled (retiring a board not
found three times in a row); with `[discover] auto = true` it discovers first. `[run] max_minutes` in the
config is a time budget: no board is started after it, and the boards not reached go first next run.

Safe to re-run and to schedule (cron/systemd; see `jobtone schedule`): loading is idempotent, a failing
source never stops the others, a locked database keeps what was fetched for the next run, and only one
run goes at a time (a second exits with code 4). Each run's whole log also goes to data/logs/.

Examples:
  jobtone run
  jobtone run --lexicon extended --out reports/extended"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.publish import DEFAULT_OUT
from jobtone import job
from jobtone.commands.analysis_options import add_analysis_options, watching
from jobtone.context import Context
from jobtone.progress import ScrapeProgress, hn_progress, warn_locked

NAME = "run"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help="where the charts and index.html go (default: reports)")
    add_analysis_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    history, scraping = hn_progress(ctx.err, ctx.interactive), ScrapeProgress(ctx.err, ctx.interactive)
    callbacks = job.Callbacks(history.plan, history.step, history.end, scraping.start, scraping.done, scraping.end,
                              watching(ctx))
    result = job.run(ctx.config, lexicon=args.lexicon, include_boilerplate=args.include_boilerplate,
                     out_dir=args.out, now=ctx.now, callbacks=callbacks)
    warn_locked(result.summaries, ctx.db_path, ctx.err)
    return result.code
