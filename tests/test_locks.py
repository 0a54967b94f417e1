"""Locks and readers: one `jobtone run` at a time (exit 4, naming the holder; a dead holder's lock is taken over),
a run's own log file, `run` while another process holds the database read-only, and read commands that wait
for a writer and then answer."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from e2e import board, hold_database, jobtone, query, release, write_config
from jobtone import commands
from replay import ReplayServer, Reply
from scraper.runlock import lock_path, read_holder

GH = "/v1/boards/{}/jobs"
BOARDS = board("greenhouse", "anthropic", "Anthropic") + board("greenhouse", "gitlab", "GitLab")


@pytest.fixture
def config(tmp_path, server):
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json"))
    return write_config(tmp_path, server.url, BOARDS, lock_wait=0.5)


def start_jobtone(config, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jobtone", "--config", str(config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_second_run_exits_at_once_naming_the_running_one(config, server, tmp_path):
    server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json", delay=1))
    first = start_jobtone(config, "run")
    try:
        wait_for(lambda: server.hits(GH.format("gitlab")) > 0)
        holder = read_holder(lock_path(tmp_path / "jobtone.duckdb"))
        assert holder["pid"] == first.pid and holder["command"] == "run" and holder["started_at"]
        code, _, err = jobtone("--config", str(config), "run")
        assert code == 4, err
        assert f"another jobtone run is in progress (PID {first.pid}, `jobtone run` since " in err
        assert "exiting without doing anything" in err
    finally:
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    db = tmp_path / "jobtone.duckdb"
    assert query(db, "SELECT command, status FROM runs") == [("run", "ok")]  # the second run did nothing
    assert lock_path(db).exists() and read_holder(lock_path(db)) == {}  # kept (never deleted), emptied
    assert len(list((tmp_path / "logs").glob("run-*.log"))) == 1


def test_stale_lock_of_a_dead_run_is_taken_over(config, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = lock_path(tmp_path / "jobtone.duckdb")
    lock.write_text(f'{{"pid": {dead.pid}, "command": "run", "started_at": "2026-01-01T03:00:00"}}', encoding="utf-8")
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 0, err
    assert f"took over the stale run lock {lock} from PID {dead.pid} (no longer running" in err
    [log] = (tmp_path / "logs").glob("run-*.log")
    assert f"from PID {dead.pid}" in log.read_text()


def test_run_log_file_has_the_whole_story_even_when_quiet(config, tmp_path, server):
    server.route(GH.format("gitlab"), Reply.json({"status": 404, "error": "Job not found"}, status=404))
    code, _, err = jobtone("--config", str(config), "--quiet", "run")
    assert code == 1
    assert "greenhouse:gitlab not_found" in err and "anthropic" not in err  # quiet: warnings only
    [log] = (tmp_path / "logs").glob("run-*.log")
    assert log.name[4:19].isdigit() or log.name[4:12].isdigit()  # run-YYYYMMDDTHHMMSS.log
    text = log.read_text()
    assert "greenhouse:anthropic ok: 4 fetched, 4 new" in text
    assert "WARNING" in text and "greenhouse:gitlab not_found" in text
    assert "jobtone run finished with exit code 1 (partial)" in text


def test_run_while_a_reader_holds_the_database_stages_and_loads_next_time(config, tmp_path):
    db = tmp_path / "jobtone.duckdb"
    assert jobtone("--config", str(config), "scrape", "greenhouse:gitlab")[0] == 0
    reader = hold_database(db, read_only=True)  # e.g. `duckdb -readonly` left open, or a notebook
    try:
        code, _, err = jobtone("--config", str(config), "run")
        assert code == 3, err
        assert f"PID {reader.pid}" in err and "staged" in err
        assert len(list((tmp_path / "jobtone.duckdb.staging").glob("*.jsonl"))) == 2
    finally:
        release(reader)
    assert query(db, "SELECT count(*) FROM postings") == [(2,)]  # nothing loaded while it was held
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 0, err
    assert query(db, "SELECT count(*) FROM postings") == [(6,)]
    assert query(db, "SELECT status FROM runs ORDER BY started_at") == [("ok",), ("locked",), ("ok",)]
    assert not list((tmp_path / "jobtone.duckdb.staging").iterdir())


def read_commands() -> list[list[str]]:
    """Read-only commands that must wait for a writer and then answer (trends once the analysis exists)."""
    names = {module.NAME for module in commands.ALL}
    found = [["sql", "--wait", "20", "SELECT count(*) FROM postings"], ["runs"], ["export", "--wait", "20", "postings"]]
    return found + ([["trends"]] if "trends" in names else [])


@pytest.fixture(scope="module")
def scraped(tmp_path_factory):
    """A database after one run (its server gone: for read commands)."""
    tmp = tmp_path_factory.mktemp("scraped")
    with ReplayServer() as server:
        server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
        server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json"))
        config = write_config(tmp, server.url, BOARDS, lock_wait=20)  # trends analyses first: a writer, waits lock_wait
        assert jobtone("--config", str(config), "run")[0] == 0
    return config


@pytest.mark.parametrize("command", read_commands(), ids=lambda c: c[0])
def test_read_command_waits_for_a_writer_then_answers(command, scraped):
    writer = hold_database(scraped.parent / "jobtone.duckdb", read_only=False, seconds=0.6)  # a long scrape load
    try:
        code, out, err = jobtone("--config", str(scraped), *command)  # starts while the writer holds the file
    finally:
        writer.communicate(timeout=30)
    assert code == 0, err
    assert out.strip() or "rows" in err
