"""One `jobtone run` at a time per database: a lock file beside it that names its holder.

The lock is an operating-system lock on `<database>.runlock` (flock), so it dies with its process: the
file a killed run leaves behind is simply taken over by the next run, which says so in its log. The PID,
command and start time written into the file only serve the message a second run prints. The file is
never deleted: deleting it would let two runs lock two different files of the same name.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from scraper.dates import utcnow
from scraper.errors import JobtoneError, StorageError

try:
    import fcntl
except ImportError:  # Windows: a byte-range lock on the file's first byte does the same job
    fcntl = None  # type: ignore[assignment]
    import msvcrt

log = logging.getLogger(__name__)


class RunInProgress(JobtoneError):
    """Another jobtone process holds the run lock of this database."""

    def __init__(self, path: Path, holder: dict[str, Any]) -> None:
        who = f"PID {holder.get('pid', '?')}" + (f", `jobtone {holder['command']}`" if holder.get("command") else "")
        since = f" since {holder['started_at']} UTC" if holder.get("started_at") else ""
        super().__init__(f"another jobtone run is in progress ({who}{since}; lock file {path}): "
                         "exiting without doing anything")
        self.path = path
        self.holder = holder


def lock_path(db_path: Path) -> Path:
    """The run lock file of a database: `data/jobtone.duckdb` → `data/jobtone.duckdb.runlock`."""
    return Path(db_path).with_name(Path(db_path).name + ".runlock")


@contextmanager
def run_lock(db_path: Path, command: str = "run") -> Iterator[Path]:
    """Hold the database's run lock for the block, or raise RunInProgress at once if someone holds it."""
    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held open: the lock lives as long as the handle)
    except OSError as exc:
        raise StorageError(str(path), exc.strerror or str(exc)) from exc
    try:
        if not _try_lock(handle):
            raise RunInProgress(path, read_holder(path))
        _note_stale(path, read_holder(path))
        _noted(path, lambda: _write_holder(handle, command))
        yield path
        _noted(path, lambda: _clear_holder(handle))
    finally:
        with suppress(OSError):  # what it failed to write was said above
            handle.close()  # closing releases the OS lock (even when the last write failed)


def _noted(path: Path, write: Callable[[], None]) -> None:
    """Write to the lock file; the file system failing it (disk full, read-only) is StorageError naming it."""
    try:
        write()
    except OSError as exc:
        raise StorageError(str(path), exc.strerror or str(exc)) from exc


def read_holder(path: Path) -> dict[str, Any]:
    """What the lock file says about its holder (empty when it says nothing readable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True


def _try_lock(handle: IO[str]) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _note_stale(path: Path, holder: dict[str, Any]) -> None:
    """A holder recorded in an unlocked file died without cleaning up (killed, power loss): say so."""
    pid = holder.get("pid")
    if isinstance(pid, int) and pid != os.getpid():
        state = "still running but no longer holding it" if pid_alive(pid) else "no longer running"
        log.warning("took over the stale run lock %s from PID %d (%s, started %s UTC)", path, pid, state,
                    holder.get("started_at", "?"))


def _write_holder(handle: IO[str], command: str) -> None:
    started = utcnow().replace(microsecond=0).isoformat()
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "command": command, "started_at": started}))
    handle.flush()


def _clear_holder(handle: IO[str]) -> None:
    handle.seek(0)
    handle.truncate()
    handle.flush()
