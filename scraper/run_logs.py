"""One log file per run: every record at INFO or above, whatever the console shows; the oldest are pruned."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

KEEP_LOGS = 500  # run logs kept in data/logs: four months of runs every 6 hours
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def logs_dir(db_path: Path) -> Path:
    """Where run logs go: `logs/` beside the database (`data/logs/` by default)."""
    return Path(db_path).parent / "logs"


@contextmanager
def run_log(db_path: Path, now: datetime, name: str = "run") -> Iterator[Path]:
    """Copy every log record of the block, at INFO level or above, into `logs/NAME-YYYYMMDDTHHMMSS.log`.

    The console keeps the level it had (`--quiet` stays quiet); the file always gets the whole story.
    """
    directory = logs_dir(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{now:%Y%m%dT%H%M%S}.log"
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)  # no file for a run that logs nothing
    handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    before = root.level
    for console in root.handlers:
        if console.level == logging.NOTSET:
            console.setLevel(before)  # the console keeps its verbosity while the root opens up for the file
    root.addHandler(handler)
    root.setLevel(min(before, logging.INFO) if before else logging.INFO)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
        handler.close()
        prune_logs(directory, name)


def prune_logs(directory: Path, name: str = "run", keep: int = KEEP_LOGS) -> int:
    """Delete all but the newest `keep` logs of this kind; returns how many went."""
    logs = sorted(directory.glob(f"{name}-*.log"))  # the timestamp in the name sorts by age
    for old in logs[:-keep] if keep else logs:
        old.unlink(missing_ok=True)
    return max(0, len(logs) - keep)
