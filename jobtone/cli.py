"""`jobtone`: the command line. `main(argv) -> int`; one module per command in `jobtone/commands/`.

Exit codes: `jobtone.exitcodes.ExitCode` (also in the README).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import NoReturn, TextIO

from jobtone import commands
from jobtone.context import Context
from jobtone.exitcodes import ExitCode
from scraper import __version__
from scraper.errors import ConfigError, DatabaseLocked, JobtoneError, one_line
from scraper.runlock import RunInProgress

log = logging.getLogger("jobtone")


class UsageError(Exception):
    """A command line argparse refused: `line` is the one line that explains it."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`jobtone COMMAND: error: ...` and where help is), not the
    usage synopsis first; the command's subparsers are of this class too (argparse makes them of ours)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message} (see `{self.prog} --help`)")


def build_parser() -> Parser:
    parser = Parser(
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


def console() -> NoReturn:
    """The `jobtone` command: `main`, then exit at once, without Python's teardown: freeing every object took
    0.3-0.5 s after `jobtone chart`, and every file and the database are closed by then. After Ctrl-C,
    fetches still under way are not waited for either (a thread cannot be stopped; the run is recorded
    `interrupted`, what they half-staged the next run removes)."""
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError):  # a reader that has gone (`jobtone sql ... | head`)
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Parse arguments, run one command, and turn jobtone's errors into one clear line and an exit code."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(exc.line, file=err or sys.stderr)
        return ExitCode.USAGE
    except SystemExit as exc:  # argparse: --help, --version
        return int(exc.code or 0)
    ctx = Context(args.config, args.db, args.quiet, args.debug, out or sys.stdout, err or sys.stderr)
    setup_logging(ctx)
    try:
        return int(args.command.run(args, ctx))
    except RunInProgress as exc:
        print(f"jobtone: {exc}", file=ctx.err)
        return ExitCode.BUSY
    except DatabaseLocked as exc:
        print(f"jobtone: {exc}", file=ctx.err)
        return ExitCode.LOCKED
    except ConfigError as exc:
        print(f"jobtone: {exc}", file=ctx.err)
        return ExitCode.USAGE
    except JobtoneError as exc:
        if ctx.debug:
            log.exception("failed")
        print(f"jobtone: {exc}", file=ctx.err)
        return ExitCode.PARTIAL
    except KeyboardInterrupt:
        print("jobtone: interrupted", file=ctx.err)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `jobtone sql ... | head`
        return ExitCode.OK
    except Exception as exc:  # a bug: one line by default, the traceback with --debug
        if ctx.debug:
            raise
        if isinstance(exc, OSError) and exc.errno is not None:  # not a bug: the file system refused
            print(f"jobtone: {one_line(exc)}", file=ctx.err)  # (full, read-only, ...)
            return ExitCode.PARTIAL
        print(f"jobtone: {one_line(exc)} (run with --debug for the traceback)", file=ctx.err)
        return ExitCode.INTERNAL
