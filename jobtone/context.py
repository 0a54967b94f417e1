"""What every command gets: the global options, the configuration (read on first use), the streams and the clock."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TextIO

from scraper.config import Config, load_config
from scraper.dates import utcnow


@dataclass
class Context:
    """The parsed global options (`--config`, `--db`, `--quiet`, `--debug`) and where output goes."""

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
