"""`jobtone compact --wait S` waits up to S seconds for a running `jobtone run` (another process holding the run
lock) to finish, then compacts; it exits 4 only when the run is still going after S seconds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from e2e import jobtone, query
from scraper import store
from scraper.runlock import lock_path, read_holder


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "jobtone.duckdb"
    con = store.connect(path)
    con.execute("INSERT INTO runs (run_id, command, started_at, status) VALUES ('r1', 'run', now(), 'ok')")
    con.close()
    return path


def hold_run_lock(db: Path) -> subprocess.Popen:
    """Another process in the middle of a `jobtone run` (it holds the run lock); returns once it does.
    It lets go when a line arrives on its stdin."""
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from scraper.runlock import run_lock
        with run_lock({str(db)!r}, "run"):
            print("ready", flush=True)
            sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.communicate("\n", timeout=30)


def test_compact_waits_for_a_running_run_to_finish(db):
    holder = hold_run_lock(db)
    try:
        assert read_holder(lock_path(db))["pid"] == holder.pid
        # the run finishes a moment after compact started waiting
        timer = threading.Timer(1.0, release, [holder])
        timer.start()
        code, _, err = jobtone("--db", str(db), "compact", "--wait", "120")
        timer.join()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.communicate()
    assert code == 0, err
    assert f"compacted {db}" in err
    assert f"another jobtone run is in progress (PID {holder.pid}" in err and "waiting up to" in err
    assert query(db, "SELECT run_id FROM runs") == [("r1",)]


def test_compact_gives_up_after_waiting(db):
    holder = hold_run_lock(db)
    try:
        code, _, err = jobtone("--db", str(db), "compact", "--wait", "0.5")
    finally:
        release(holder)
    assert code == 4
    assert err.splitlines()[-1].startswith(f"jobtone: another jobtone run is in progress (PID {holder.pid}")


def test_compact_wait_zero_does_not_wait(db):
    holder = hold_run_lock(db)
    try:
        code, _, err = jobtone("--db", str(db), "--quiet", "compact", "--wait", "0")
    finally:
        release(holder)
    assert code == 4
    [line] = err.splitlines()
    assert line.startswith(f"jobtone: another jobtone run is in progress (PID {holder.pid}")
