"""The staging area next to the database: every fetched batch is written here first, then loaded.

A batch is two files: `NAME.jsonl` (postings, the store's JSON-lines format) and `NAME.json` (what it is:
source, board, when it was seen, whether it is the board's whole listing). The `.json` is written last by
an atomic rename, so a batch without it (a killed process) is ignored and rewritten by the next fetch.
A batch is deleted only after the database committed it; loading the same batch twice is harmless.
So nothing fetched is lost when the database is locked or the process is killed.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

from scraper.errors import StorageError
from scraper.posting import Posting
from scraper.store import write_jsonl

_seq = count()


@dataclass(frozen=True)
class Batch:
    source: str
    board: str
    seen_at: datetime
    complete: bool
    run_id: str
    postings_file: str  # file name, in the staging directory
    skipped: int = 0  # records of the board that could not be read (so the batch is not its whole listing)

    def meta(self) -> dict[str, Any]:
        return {**asdict(self), "seen_at": self.seen_at.isoformat()}

    @property
    def pid(self) -> int | None:
        """The process that staged it (its id is in the file name)."""
        return _writer_pid(self.postings_file)


class Staging:
    def __init__(self, db_path: Path) -> None:
        self.dir = Path(db_path).with_name(Path(db_path).name + ".staging")

    def stage(self, postings: Iterable[Posting], *, source: str, board: str, seen_at: datetime,
              complete: bool, run_id: str, finish: Callable[[Batch], Batch] = lambda batch: batch) -> tuple[Batch, int]:
        """Write a batch as `postings` arrive (a board's fetch streams through here, never whole in memory);
        returns it and its number of postings. If `postings` raises, nothing is left behind. `finish` amends
        the batch once every posting is written, before it is described: what a fetch learns only at the end
        (records skipped, so not the whole listing) is in the staged file too."""
        self._make_dir()
        stem = f"{seen_at:%Y%m%dT%H%M%S%f}-{os.getpid()}-{next(_seq):04d}-{_safe(source)}-{_safe(board)}"
        batch = Batch(source, board, seen_at, complete, run_id, stem + ".jsonl")
        try:
            n = write_jsonl(postings, self.dir / (stem + ".jsonl.tmp"))
            os.replace(self.dir / (stem + ".jsonl.tmp"), self.dir / batch.postings_file)
            batch = finish(batch)
            _write_atomic(self.dir / (stem + ".json"), json.dumps(batch.meta()))
        except BaseException as exc:
            (self.dir / (stem + ".jsonl.tmp")).unlink(missing_ok=True)
            if (disk := _disk_failure(self.dir, exc)) is not None:
                raise disk from exc
            raise
        return batch, n

    def _make_dir(self) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise StorageError(str(self.dir), "a file is in the way of the staging folder") from exc
        except OSError as exc:
            raise (_disk_failure(self.dir, exc) or exc) from exc

    def pending(self) -> list[Batch]:
        """Complete batches not loaded yet, oldest first."""
        if not self.dir.is_dir():
            return []
        batches = []
        for meta in sorted(self.dir.glob("*.json")):
            data = json.loads(meta.read_text(encoding="utf-8"))
            data["seen_at"] = datetime.fromisoformat(data["seen_at"])
            batch = Batch(**data)
            if (self.dir / batch.postings_file).exists():
                batches.append(batch)
        return batches

    def path(self, batch: Batch) -> Path:
        return self.dir / batch.postings_file

    def done(self, batch: Batch) -> None:
        """Forget a batch the database has committed."""
        stem = batch.postings_file.removesuffix(".jsonl")
        (self.dir / (stem + ".json")).unlink(missing_ok=True)
        (self.dir / batch.postings_file).unlink(missing_ok=True)

    def clean_partial(self, older_than: float = 600.0) -> None:
        """Remove what a killed process left half-written (no .json beside it): at once when the process
        that wrote it (its id is in the name) is gone, else once it is old enough not to be another
        process's batch in the making."""
        if not self.dir.is_dir():
            return
        cutoff = time.time() - older_than
        for path in [*self.dir.glob("*.tmp"), *self.dir.glob("*.jsonl")]:
            orphan = path.suffix == ".tmp" or not path.with_suffix(".json").exists()
            if orphan and (_writer_gone(path.name) or _mtime(path) < cutoff):
                path.unlink(missing_ok=True)

    def stage_run(self, record: dict[str, Any]) -> None:
        """Keep a run's record (runs + board_runs rows) for the next run to write, when the database is locked."""
        self._make_dir()
        try:
            _write_atomic(self._run_file(record["run_id"]), json.dumps(record, default=str))
        except OSError as exc:
            raise (_disk_failure(self.dir, exc) or exc) from exc

    def holds_run(self, run_id: str) -> bool:
        """Whether a record of run `run_id` is staged, waiting for the next run to write it."""
        return self._run_file(run_id).is_file()

    def _run_file(self, run_id: str) -> Path:
        return self.dir / f"run-{run_id}.runjson"

    def pending_runs(self) -> list[tuple[Path, dict[str, Any]]]:
        if not self.dir.is_dir():
            return []
        return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(self.dir.glob("run-*.runjson"))]


def _disk_failure(path: Path, exc: BaseException) -> StorageError | None:
    """A file-system failure (disk full, read-only, permission: an OSError with an errno) as StorageError
    naming the file or folder; None for anything else (a fetch failing while the batch streams in)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return StorageError(str(exc.filename or path), exc.strerror or str(exc))
    return None


def _writer_pid(name: str) -> int | None:
    found = re.match(r"\d{8}T\d+-(\d+)-", name)
    return int(found.group(1)) if found else None


def _writer_gone(name: str) -> bool:
    """Whether the process that staged this file (`<time>-<pid>-...`) no longer runs; False if unknown."""
    pid = _writer_pid(name)
    return pid is not None and process_gone(pid)


def process_gone(pid: int) -> bool:
    """Whether process `pid` no longer runs on this machine (never true of this process)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, owned by someone else
        return False
    return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # another process cleaned it first
        return float("inf")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
