"""Write the built-in default configuration to jobtone.toml, to edit.

The default lists 30+ well-known companies' public job boards, Hacker News and the study's companies,
each with the evidence for its board id. Edit the [[board]] entries to follow the companies you care about."""

from __future__ import annotations

import argparse
from pathlib import Path

from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from scraper.config import CONFIG_NAME, default_config_text

NAME = "init"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", type=Path, default=Path(CONFIG_NAME), help=f"where to write it (default: {CONFIG_NAME})")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.path.exists() and not args.force:
        print(f"jobtone: {args.path} exists; use --force to overwrite it", file=ctx.err)
        return ExitCode.USAGE
    args.path.write_text(default_config_text(), encoding="utf-8")
    print(f"wrote {args.path}: edit its [[board]] entries, then run `jobtone run`", file=ctx.err)
    return ExitCode.OK
