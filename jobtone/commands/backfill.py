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

Exit codes as for `jobtone run`: 1 if a thread or capture failed, 3 if the database stayed locked
(what was fetched stays staged and loads on the next run).

Examples:
  jobtone backfill hn --since 2019-01
  jobtone backfill wayback "https://boards-api.greenhouse.io/v1/boards/gitlab/jobs" --from 2018 --to 2022"""

from __future__ import annotations

import argparse
import logging
import re

from jobtone.commands.scrape import exit_code
from jobtone.progress import Progress
from scraper.backfill import Step, backfill_hn, backfill_wayback
from scraper.errors import FetchError, JobtoneError
from scraper.scrape import RunSummary

NAME = "backfill"
log = logging.getLogger("jobtone")


def register(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="SOURCE", required=True)
    hn = kinds.add_parser("hn", help='Hacker News "Ask HN: Who is hiring?" threads')
    hn.add_argument("--since", type=_month, metavar="YYYY-MM", help="first thread month (default: the first, 2011-04)")
    hn.add_argument("--until", type=_month, metavar="YYYY-MM", help="last thread month (default: the latest)")
    wayback = kinds.add_parser("wayback", help="Wayback Machine captures of a board API URL or a career page")
    wayback.add_argument("url", metavar="URL", help="the URL whose captures to load (`URL/*` for a prefix)")
    wayback.add_argument("--from", dest="year_from", type=_year, metavar="YYYY", help="first year of captures")
    wayback.add_argument("--to", dest="year_to", type=_year, metavar="YYYY", help="last year of captures")


def run(args: argparse.Namespace, ctx) -> int:
    return run_hn(args, ctx) if args.kind == "hn" else run_wayback(args, ctx)


def run_hn(args: argparse.Namespace, ctx) -> int:
    return exit_code(hn_history(ctx, since=args.since, until=args.until), ctx)


def hn_history(ctx, author: str = "whoishiring", since: str | None = None, until: str | None = None) -> RunSummary:
    """Load the hiring threads not stored yet (and the open ones), one per write, with progress."""
    report = _Report(ctx, "hn threads")
    try:
        summary = backfill_hn(ctx.config, since=since, until=until, author=author, on_plan=report.plan,
                              on_step=report.step)
    except JobtoneError:
        report.abort()  # no progress bar left half-drawn over the error
        raise
    report.close(summary, "threads", "comments skipped (deleted, dead or empty)")
    return summary


def run_wayback(args: argparse.Namespace, ctx) -> int:
    report = _Report(ctx, "captures")
    try:
        summary = backfill_wayback(ctx.config, args.url, year_from=args.year_from, year_to=args.year_to,
                                   on_plan=report.plan, on_step=report.step)
    except FetchError as exc:
        report.abort()
        print(f"jobtone: cannot backfill {args.url} from the Wayback Machine: {exc.reason} ({exc.url})", file=ctx.err)
        return 1
    report.close(summary, "captures", "JSON-LD blocks or captures unreadable")
    return exit_code(summary, ctx)


class _Report:
    """A progress bar on a terminal (one step per thread or capture), one log line per step otherwise."""

    def __init__(self, ctx, label: str) -> None:
        self.ctx, self.label = ctx, label
        self.progress: Progress | None = None
        self.skipped = 0

    def plan(self, todo: int, done_before: int) -> None:
        if done_before:
            log.info("%d %s already stored; %d to load", done_before, self.label, todo)
        self.progress = Progress(todo, self.label, self.ctx.err, self.ctx.interactive)

    def step(self, step: Step) -> None:
        o = step.outcome
        self.skipped += step.skipped
        if self.progress:
            self.progress.advance(note=f"{step.label} {o.fetched} postings")
        if o.failed:
            log.warning("%s failed: %s (%s)", step.label, o.error, o.url)
        elif not self.ctx.interactive:
            log.info("%s %s: %d postings (%d skipped), %d new, %d updated", step.label, o.status, o.fetched,
                     step.skipped, o.new, o.updated)

    def abort(self) -> None:
        if self.progress:
            self.progress.close()

    def close(self, summary: RunSummary, unit: str, skipped_what: str) -> None:
        self.abort()
        log.info("%s: %d %s, %d failed; %d postings, %d new, %d updated; %d %s",
                 summary.status, len(summary.outcomes), unit, summary.failures, summary.total("fetched"),
                 summary.total("new"), summary.total("updated"), self.skipped, skipped_what)


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}")
    return value


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value):
        raise argparse.ArgumentTypeError(f"expected YYYY, got {value!r}")
    return int(value)
