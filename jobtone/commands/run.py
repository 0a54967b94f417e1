"""The main job: scrape everything configured into the database.

Safe to re-run and to schedule (cron/systemd): loading is idempotent, a failing source never stops the
others, and a locked database keeps what was fetched for the next run."""

from __future__ import annotations

import argparse
import logging

from jobtone.commands.scrape import exit_code, scrape_boards
from scraper.housekeeping import run_log
from scraper.runlock import run_lock

NAME = "run"
log = logging.getLogger("jobtone")


def register(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:
    # Each run's log also goes to data/logs/ (from the lock's note on a stale holder on); one run at a time:
    # a second one exits with code 4 at once.
    with run_log(ctx.db_path, ctx.now(), NAME) as log_file, run_lock(ctx.db_path, NAME):
        log.info("jobtone run: database %s, log %s", ctx.db_path, log_file)
        summary = scrape_boards(ctx, list(ctx.config.boards), "run")
        code = exit_code(summary, ctx)
        log.info("jobtone run finished with exit code %d (%s)", code, summary.status)
    return code
