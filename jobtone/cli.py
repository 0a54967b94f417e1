"""`jobtone`: the command line. `main(argv) -> int`; one module per command in `jobtone/commands/`.

Exit codes (also in the README):
  0  success
  1  partial failure: some sources or rows failed; everything else was done and recorded
  2  usage or configuration error
  3  database locked by another process: fetched postings were staged and load on the next run
  4  another `jobtone run` is in progress
  70 internal error (a bug: run again with --debug for the traceback)
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TextIO

from jobtone import commands
from scraper import __version__
from scraper.config import Config, load_config
from scraper.dates import utcnow
from scraper.errors import ConfigError, DatabaseLocked, JobtoneError
from scraper.runlock import RunInProgress

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_LOCKED, EXIT_BUSY, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70

log = logging.getLogger("jobtone")


@dataclass
class Context:
    """What every command gets: the parsed global options, the configuration (read on first use) and streams."""

    config_path: Path | None = None
    db_override: Path | None = None
    quiet: bool = False
    debug: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path, self.db_override)

    @property
    def db_path(self) -> Path:
        return self.config.db_path

    @property
    def interactive(self) -> bool:
        """Progress bars only on a terminal; cron and pipes get plain log lines."""
        return not self.quiet and self.err.isatty()

    @staticmethod
    def now() -> datetime:
        return utcnow()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobtone",
        description="Track how employers talk in job postings: scrape public job boards into DuckDB "
                    "and chart supportive vs hard language over time.",
        epilog="Run `jobtone COMMAND --help` for a command's options. Exit codes: 0 ok, 1 partial failure, "
               "2 usage error, 3 database locked (fetched postings staged), 4 another run in progress.",
    )
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help="configuration file (default: ./jobtone.toml, else the built-in default)")
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help="DuckDB database file (default: [database] path, else data/jobtone.duckdb)")
    parser.add_argument("--quiet", "-q", action="store_true", help="only warnings and errors on stderr")
    parser.add_argument("--debug", action="store_true", help="verbose logs and full tracebacks")
    parser.add_argument("--version", action="version", version=f"jobtone {__version__}")
    sub = parser.add_subparsers(title="commands", dest="command_name", metavar="COMMAND", required=True)
    for module in commands.ALL:
        doc = (module.__doc__ or "").strip()
        command = sub.add_parser(module.NAME, help=doc.splitlines()[0] if doc else None, description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.register(command)
        command.set_defaults(command=module)
    return parser


def setup_logging(ctx: Context) -> None:
    level = logging.DEBUG if ctx.debug else logging.WARNING if ctx.quiet else logging.INFO
    handler = logging.StreamHandler(ctx.err)
    fmt = "%(message)s" if ctx.interactive else "%(asctime)s %(levelname)s %(message)s"
    handler.setFormatter(logging.Formatter(fmt, "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if not ctx.debug:
        logging.getLogger("urllib3").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Parse arguments, run one command, and turn jobtone's errors into one clear line and an exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return int(exc.code or 0)
    ctx = Context(args.config, args.db, args.quiet, args.debug, out or sys.stdout, err or sys.stderr)
    setup_logging(ctx)
    try:
        return int(args.command.run(args, ctx))
    except RunInProgress as exc:
        print(f"jobtone: {exc}", file=ctx.err)
        return EXIT_BUSY
    except DatabaseLocked as exc:
        print(f"jobtone: {exc}", file=ctx.err)
        return EXIT_LOCKED
    except ConfigError as exc:
        print(f"jobtone: {exc}", file=ctx.err)
        return EXIT_USAGE
    except JobtoneError as exc:
        if ctx.debug:
            log.exception("failed")
        print(f"jobtone: {exc}", file=ctx.err)
        return EXIT_PARTIAL
    except KeyboardInterrupt:
        print("jobtone: interrupted", file=ctx.err)
        return 130
    except BrokenPipeError:  # `jobtone sql ... | head`
        return EXIT_OK
    except Exception as exc:  # a bug: one line by default, the traceback with --debug
        if ctx.debug:
            raise
        print(f"jobtone: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=ctx.err)
        return EXIT_INTERNAL
