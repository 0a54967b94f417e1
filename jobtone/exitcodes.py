"""jobtone's exit codes, one enum for every command (the README's "Exit codes" table says the same)."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scraper.scrape import RunSummary


class ExitCode(IntEnum):
    """How a command ended. Codes order by severity, so `max(a, b)` is the worse of two outcomes."""

    OK = 0
    PARTIAL = 1  # some sources or rows failed; everything else was done and recorded
    USAGE = 2  # usage or configuration error
    LOCKED = 3  # the database stayed locked by another process: fetched postings are staged for the next run
    BUSY = 4  # another `jobtone run` is in progress
    INTERNAL = 70  # a bug (EX_SOFTWARE): run again with --debug for the traceback
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


def summary_code(summary: RunSummary) -> ExitCode:
    """LOCKED when the database stayed locked, PARTIAL when a board failed, else OK."""
    if summary.locked_by:
        return ExitCode.LOCKED
    return ExitCode.PARTIAL if summary.failures else ExitCode.OK
