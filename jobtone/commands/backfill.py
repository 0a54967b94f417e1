"""Load history: Hacker News "Who is hiring?" threads since 2011, or Wayback Machine captures of a URL.

  jobtone backfill hn [--since YYYY-MM] [--until YYYY-MM]
      Every monthly "Ask HN: Who is hiring?" thread in the range (default: all, April 2011 on), one
      thread per load. Resumable: after an interruption, run it again; threads already stored are not
      fetched again (except threads still open, which keep growing for weeks).
  jobtone backfill wayback URL [--from YYYY] [--to YYYY]
      Every distinct capture of URL in the Internet Archive (a Greenhouse/Lever/Ashby board API URL,
      or a career page with schema.org JobPosting JSON-LD; `URL/*` for every page under it), oldest
      first. Postings without a date of their own are dated by their capture (date_source "capture").
      Keeps to the Archive's limits (30 listing requests a minute; a 429 waits 60 s: [wayback] wait_429).

Recorded as a run (`jobtone runs`). Exit codes as for `jobtone run`: 1 if a thread or capture failed, or
the list of threads or captures could not be fetched, or the disk failed (one line naming the file; the
backfill is recorded as failed); 3 if the database stayed locked (what was fetched stays staged and loads
on the next run).

Examples:
  jobtone backfill hn --since 2019-01
  jobtone backfill wayback "https://boards-api.greenhouse.io/v1/boards/gitlab/jobs" --from 2018 --to 2022"""

from __future__ import annotations

import argparse
import re

from jobtone import job
from jobtone.context import Context
from jobtone.exitcodes import ExitCode, summary_code
from jobtone.progress import BackfillProgress, hn_progress, warn_locked
from scraper.backfill import backfill_wayback
from scraper.errors import FetchError

NAME = "backfill"


def register(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="SOURCE", required=True)
    hn = kinds.add_parser("hn", help='Hacker News "Ask HN: Who is hiring?" threads')
    hn.add_argument("--since", type=_month, metavar="YYYY-MM", help="first thread month (default: the first, 2011-04)")
    hn.add_argument("--until", type=_month, metavar="YYYY-MM", help="last thread month (default: the latest)")
    wayback = kinds.add_parser("wayback", help="Wayback Machine captures of a board API URL or a career page")
    wayback.add_argument("url", metavar="URL", help="the URL whose captures to load (`URL/*` for a prefix)")
    wayback.add_argument("--from", dest="year_from", type=_year, metavar="YYYY", help="first year of captures")
    wayback.add_argument("--to", dest="year_to", type=_year, metavar="YYYY", help="last year of captures")


def run(args: argparse.Namespace, ctx: Context) -> int:
    return run_hn(args, ctx) if args.kind == "hn" else run_wayback(args, ctx)


def run_hn(args: argparse.Namespace, ctx: Context) -> int:
    progress = hn_progress(ctx.err, ctx.interactive)
    callbacks = job.Callbacks(history_plan=progress.plan, history_step=progress.step, history_end=progress.end)
    summary = job.hn_history(ctx.config, since=args.since, until=args.until, now=ctx.now, callbacks=callbacks)
    warn_locked([summary], ctx.db_path, ctx.err)
    return summary_code(summary)


def run_wayback(args: argparse.Namespace, ctx: Context) -> int:
    progress = BackfillProgress(ctx.err, ctx.interactive, "captures", "captures",
                                "JSON-LD blocks or captures unreadable")
    try:
        summary = backfill_wayback(ctx.config, args.url, year_from=args.year_from, year_to=args.year_to,
                                   now=ctx.now, on_plan=progress.plan, on_step=progress.step)
    except FetchError as exc:
        progress.end(None)
        print(f"jobtone: cannot backfill {args.url} from the Wayback Machine: {exc.reason} ({exc.url})", file=ctx.err)
        return ExitCode.PARTIAL
    except BaseException:
        progress.end(None)  # no progress bar left half-drawn over the error
        raise
    progress.end(summary)
    warn_locked([summary], ctx.db_path, ctx.err)
    return summary_code(summary)


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}")
    return value


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value):
        raise argparse.ArgumentTypeError(f"expected YYYY, got {value!r}")
    return int(value)
