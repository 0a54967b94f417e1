"""Loading finished boards on a thread of its own, so that a database write never holds up the fetches.

A scrape's main thread hands each finished board here and goes straight back to starting boards; this
thread loads what has gathered in one transaction: everything that finished while the previous write
ran, or what finished within FLUSH_SECONDS of the oldest waiting board (at most FLUSH_BOARDS). So slow
writes (a busy machine, a big database) make fewer, larger writes instead of idle hosts: measured on
2,000 boards, writes on the main thread left each host idle for a write's length every half second.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

FLUSH_SECONDS = 0.5  # finished boards are loaded together at least this often...
FLUSH_BOARDS = 200  # ...or once this many have finished

T = TypeVar("T")
_STOP = object()


class BackgroundLoad(Generic[T]):
    """Calls `load(items)` on its own thread with the items `put` since its last call, in order."""

    def __init__(self, load: Callable[[Sequence[T]], object], seconds: float = FLUSH_SECONDS,
                 most: int = FLUSH_BOARDS) -> None:
        self._load, self._seconds, self._most = load, seconds, most
        self._queue: queue.Queue[tuple[float, object]] = queue.Queue()
        self._abandoned = False
        self.error: BaseException | None = None  # what stopped the thread (a StorageError: the disk failing)
        self._thread = threading.Thread(target=self._run, name="jobtone-load", daemon=True)
        self._thread.start()

    def put(self, item: T) -> None:
        """Queue an item; raises what stopped the thread, if something did."""
        if self.error is not None:
            raise self.error
        self._queue.put((time.monotonic(), item))

    def close(self) -> None:
        """Load everything queued, then stop; raises what stopped the thread, if something did."""
        self._queue.put((time.monotonic(), _STOP))
        self._thread.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        """Stop after the write under way (what is still queued stays staged for the next run); never raises."""
        self._abandoned = True
        self._queue.put((time.monotonic(), _STOP))
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            queued_at, item = self._queue.get()
            if item is _STOP:
                return
            items, deadline = [item], queued_at + self._seconds
            while len(items) < self._most:
                try:
                    _, item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                items.append(item)
            if self._abandoned:
                return
            try:
                self._load(items)  # type: ignore[arg-type]
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                self.error = exc
                return
