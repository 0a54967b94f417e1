"""A small progress bar for terminals; nothing at all when stderr is not one (cron gets log lines)."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO, enabled: bool) -> None:
        self.total, self.label, self.stream, self.enabled = max(total, 0), label, stream, enabled
        self.done = 0
        self.started = time.monotonic()

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if self.enabled:
            self._draw(note)

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _draw(self, note: str) -> None:
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r\033[K{self.label} [{bar}] {self.done}/{self.total} {elapsed:4.0f}s {note[:40]}")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
