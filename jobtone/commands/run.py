"""The main job: scrape everything configured into the database.

Safe to re-run and to schedule (cron/systemd): loading is idempotent, a failing source never stops the
others, and a locked database keeps what was fetched for the next run."""

from __future__ import annotations

import argparse

from jobtone.commands.scrape import exit_code, scrape_boards

NAME = "run"


def register(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:
    summary = scrape_boards(ctx, list(ctx.config.boards), "run")
    return exit_code(summary, ctx)
