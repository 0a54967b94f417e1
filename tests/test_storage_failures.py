"""The disk failing during a run or a backfill (issue 13): one clear line naming the path, exit 1, and the run
recorded as failed, never left `running` and never exit 70. Tests run as root, who ignores file modes: the
failures are made with a file where a folder is expected, and a folder where DuckDB expects its write-ahead log."""

from __future__ import annotations

import errno
import json
import shutil
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from e2e import board, jobtone, query, write_config
from replay import Reply, fixture_bytes
from scraper import runlock, store
from scraper.backfill import backfill_hn
from scraper.config import load_config
from scraper.errors import StorageError
from scraper.scrape import scrape
from test_backfill_hn import synthetic_history
from test_hn import LIST_PATH, fast_hn, item_path
from test_wayback import CDX, FAST, cdx_rows, memento

LEVER = "/v0/postings/spotify"
SPOTIFY = json.loads(fixture_bytes("lever/spotify.json"))
BOARDS = board("lever", "spotify", "Spotify") + board("lever", "slow", "Slow")


def break_database_during(args: list[str], wal, ready) -> tuple[int, str, str]:
    """`jobtone ARGS` on a thread; once `ready()`, a folder where DuckDB expects its write-ahead log: the file
    can no longer be opened, as a disk gone bad or read-only would do. Returns the command's result."""
    result: list[tuple[int, str, str]] = []
    command = threading.Thread(target=lambda: result.append(jobtone(*args)))
    command.start()
    deadline = time.monotonic() + 30
    while not ready():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    wal.mkdir()
    command.join(60)
    [outcome] = result
    return outcome


def test_a_staging_folder_that_cannot_be_made_fails_the_run_in_one_line(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY))
    server.route("/v0/postings/slow", Reply.json(SPOTIFY[:1]))
    config = write_config(tmp_path, server.url, BOARDS)
    jobtone("--config", str(config), "-q", "scrape", "lever:spotify")  # a database to record the run in
    staging = tmp_path / "jobtone.duckdb.staging"
    shutil.rmtree(staging)
    staging.write_text("in the way", encoding="utf-8")  # a file where the staging folder must be
    code, _, err = jobtone("--config", str(config), "-q", "scrape")
    assert code == 1, err
    assert err.splitlines() == [f"jobtone: cannot write {staging}: a file is in the way of the staging folder"]
    code, _, err = jobtone("--config", str(config), "-q", "run", "--out", str(tmp_path / "report"))
    assert code == 1 and err.splitlines()[-1].startswith(f"jobtone: cannot write {staging}: "), err
    runs = query(tmp_path / "jobtone.duckdb", "SELECT command, status, error FROM runs ORDER BY started_at")
    failed = ("failed", f"cannot write {staging}: a file is in the way of the staging folder")
    assert runs[0][1] == "ok" and runs[1:] == [("scrape", *failed), ("run", *failed)]


def test_a_database_that_fails_mid_run_fails_the_run_and_the_next_run_records_it(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY))
    server.route("/v0/postings/slow", Reply.json(SPOTIFY[:1], delay=1.5))  # loaded after the database broke
    config = write_config(tmp_path, server.url, BOARDS)
    db, staging, wal = tmp_path / "jobtone.duckdb", tmp_path / "jobtone.duckdb.staging", tmp_path / "jobtone.duckdb.wal"
    # spotify loaded and the file closed (its log checkpointed away); slow is still being fetched
    code, _, err = break_database_during(["--config", str(config), "-q", "scrape"], wal, lambda: (
        server.hits(LEVER) and staging.is_dir() and not list(staging.glob("*spotify*")) and not wal.exists()))
    assert code == 1, err
    [line] = [line for line in err.splitlines() if line.startswith("jobtone: ")]
    assert line.startswith(f"jobtone: cannot write {db}: ") and "rollback" not in line
    wal.rmdir()
    assert query(db, "SELECT status FROM runs") == [("running",)]  # nothing could be written: the record is staged
    assert jobtone("--config", str(config), "-q", "scrape")[0] == 0
    first, second = query(db, "SELECT status, error, new FROM runs ORDER BY started_at")
    assert first[0] == "failed" and first[1].startswith(f"cannot write {db}") and first[2] == 5  # 4 + slow's 1
    assert second == ("ok", "", 0)


def test_an_output_folder_that_cannot_be_made_is_one_line_naming_it(tmp_path):
    csv = tmp_path / "jobs.csv"
    csv.write_text("id,date,text,company\n1,2024-01-01,We are flexible.,Acme\n", encoding="utf-8")
    db = tmp_path / "jobtone.duckdb"
    assert jobtone("--db", str(db), "-q", "import", str(csv))[0] == 0
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    code, _, err = jobtone("--db", str(db), "-q", "chart", "--out", str(tmp_path / "taken" / "charts"))
    assert code == 1 and err.splitlines() == [f"jobtone: {tmp_path / 'taken' / 'charts'}: Not a directory"]


# -- backfills: the same as a run ---------------------------------------------------------------------------

def hn_history(server) -> None:
    """Eight monthly threads; April's answers slowly, so a test can break the database while it waits."""
    synthetic_history(server, delay_story=40_004_000, delay=1.5)


def test_a_staging_folder_in_the_way_fails_a_hn_backfill_in_one_line_and_records_it(tmp_path, server):
    hn_history(server)
    config = write_config(tmp_path, server.url, extra=fast_hn(server.url))
    assert jobtone("--config", str(config), "-q", "backfill", "hn", "--until", "2024-01")[0] == 0
    staging = tmp_path / "jobtone.duckdb.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.write_text("in the way", encoding="utf-8")
    code, _, err = jobtone("--config", str(config), "-q", "backfill", "hn")
    assert code == 1, err
    assert err.splitlines() == [f"jobtone: cannot write {staging}: a file is in the way of the staging folder"]
    runs = query(tmp_path / "jobtone.duckdb", "SELECT command, status, error FROM runs ORDER BY started_at")
    assert runs == [("backfill hn", "ok", ""),
                    ("backfill hn", "failed", f"cannot write {staging}: a file is in the way of the staging folder")]


def test_a_database_that_fails_mid_hn_backfill_fails_it_and_the_next_backfill_records_it(tmp_path, server):
    hn_history(server)
    config = write_config(tmp_path, server.url, extra=fast_hn(server.url))
    db, wal = tmp_path / "jobtone.duckdb", tmp_path / "jobtone.duckdb.wal"
    # March stored, April on its way
    code, _, err = break_database_during(["--config", str(config), "-q", "backfill", "hn"], wal,
                                         lambda: server.hits(item_path(40_004_000)) and not wal.exists())
    assert code == 1, err
    assert err.splitlines() == [line for line in err.splitlines() if line.startswith(f"jobtone: cannot write {db}: ")]
    assert len(err.splitlines()) == 1 and "rollback" not in err
    wal.rmdir()
    assert jobtone("--config", str(config), "-q", "backfill", "hn")[0] == 0
    first, second = query(db, "SELECT status, error, new FROM runs ORDER BY started_at")
    assert first[0] == "failed" and first[1].startswith(f"cannot write {db}")
    assert first[2] == 4 * 40  # January to March, and April loaded from its staged batch by the next backfill
    assert second == ("ok", "", 4 * 40)


def test_a_database_that_cannot_be_opened_fails_a_wayback_backfill_and_its_record_waits_staged(tmp_path, server):
    url = "https://careers.acme.example/jobs/8"
    server.route(CDX, Reply.text(cdx_rows(("20200201000000", url, "A"))))
    server.route(memento("20200201000000", url), Reply.file("jsonld_html/indeed_au_viewjob.html", content_type="text/html"))
    config = write_config(tmp_path, server.url, extra=FAST)
    db, wal = tmp_path / "jobtone.duckdb", tmp_path / "jobtone.duckdb.wal"
    store.connect(db).close()
    wal.mkdir()
    code, _, err = jobtone("--config", str(config), "-q", "backfill", "wayback", url)
    assert code == 1 and len(err.splitlines()) == 1 and err.startswith(f"jobtone: cannot write {db}: "), err
    assert list((tmp_path / "jobtone.duckdb.staging").glob("run-*.runjson"))  # its record, for the next run
    wal.rmdir()
    assert jobtone("--config", str(config), "-q", "backfill", "wayback", url)[0] == 0
    first, second = query(db, "SELECT command, status, error FROM runs ORDER BY started_at")
    assert first[:2] == ("backfill wayback", "failed") and first[2].startswith(f"cannot write {db}")
    assert second == ("backfill wayback", "ok", "")


def test_a_staging_folder_in_the_way_fails_a_wayback_backfill_in_one_line_and_records_it(tmp_path, server):
    url = "https://careers.acme.example/jobs/8"
    server.route(CDX, Reply.text(cdx_rows(("20200201000000", url, "A"))))
    server.route(memento("20200201000000", url), Reply.file("jsonld_html/indeed_au_viewjob.html", content_type="text/html"))
    config = write_config(tmp_path, server.url, extra=FAST)
    store.connect(tmp_path / "jobtone.duckdb").close()
    staging = tmp_path / "jobtone.duckdb.staging"
    staging.write_text("in the way", encoding="utf-8")
    code, _, err = jobtone("--config", str(config), "-q", "backfill", "wayback", url)
    assert code == 1, err
    assert err.splitlines() == [f"jobtone: cannot write {staging}: a file is in the way of the staging folder"]
    assert query(tmp_path / "jobtone.duckdb", "SELECT command, status, error FROM runs") == [
        ("backfill wayback", "failed", f"cannot write {staging}: a file is in the way of the staging folder")]


def test_a_capture_list_or_thread_list_that_cannot_be_fetched_is_a_failed_run_shown_by_runs(tmp_path, server):
    server.route(CDX, Reply(500))
    server.route(LIST_PATH, Reply(500))
    config = write_config(tmp_path, server.url, extra=FAST + fast_hn(server.url))
    assert jobtone("--config", str(config), "-q", "backfill", "wayback", "https://careers.acme.example/jobs/8")[0] == 1
    assert jobtone("--config", str(config), "-q", "backfill", "hn")[0] == 1
    runs = json.loads(jobtone("--config", str(config), "runs", "--format", "json")[1])
    assert [(r["command"], r["status"]) for r in runs] == [("backfill hn", "failed"), ("backfill wayback", "failed")]
    assert all("HTTP 500" in r["error"] for r in runs)
    code, out, _ = jobtone("--config", str(config), "runs")
    assert code == 0 and out.splitlines()[0].split()[-1] == "error" and "HTTP 500" in out


def test_an_interrupted_backfill_or_scrape_is_recorded_as_interrupted(tmp_path, server):
    synthetic_history(server)
    server.route(LEVER, Reply.json(SPOTIFY))
    config = load_config(write_config(tmp_path, server.url, board("lever", "spotify", "Spotify"), fast_hn(server.url)))

    def stop(step) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backfill_hn(config, on_step=stop)
    with pytest.raises(KeyboardInterrupt):
        scrape(config, config.boards, on_done=stop)
    assert query(tmp_path / "jobtone.duckdb", "SELECT command, status, new, error FROM runs ORDER BY started_at") == [
        ("backfill hn", "interrupted", 40, "interrupted (Ctrl-C)"), ("scrape", "interrupted", 4, "interrupted (Ctrl-C)")]


def test_a_lock_file_that_cannot_be_written_is_one_line_naming_it(tmp_path, monkeypatch):
    def full(*args) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runlock, "_write_holder", full)
    db = tmp_path / "jobtone.duckdb"
    code, _, err = jobtone("--db", str(db), "-q", "run", "--out", str(tmp_path / "report"))
    assert code == 1 and err.splitlines() == [f"jobtone: cannot write {db}.runlock: No space left on device"]


def test_a_write_outside_a_transaction_that_cannot_be_committed_names_the_file(tmp_path):
    db = tmp_path / "jobtone.duckdb"
    failed = f"^cannot write {db}: TransactionContext Error: Failed to commit"
    with pytest.raises(StorageError, match=failed), store.opened(db):  # a statement's own commit (disk full)
        raise duckdb.TransactionException(f'TransactionContext Error: Failed to commit: Could not write file "{db}.wal": '
                                          'No space left on device')
    with pytest.raises(duckdb.TransactionException, match="Conflict"), store.opened(db):  # not every one is the disk
        raise duckdb.TransactionException("TransactionContext Error: Conflict on update")


def test_a_database_that_cannot_be_opened_fails_a_scrape_and_its_record_waits_staged(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY))
    config = write_config(tmp_path, server.url, board("lever", "spotify", "Spotify"))
    db, wal = tmp_path / "jobtone.duckdb", tmp_path / "jobtone.duckdb.wal"
    store.connect(db).close()
    wal.mkdir()
    code, _, err = jobtone("--config", str(config), "-q", "scrape")
    assert code == 1 and len(err.splitlines()) == 1 and err.startswith(f"jobtone: cannot write {db}: "), err
    wal.rmdir()
    assert jobtone("--config", str(config), "-q", "scrape")[0] == 0
    first, second = query(db, "SELECT command, status, error FROM runs ORDER BY started_at")
    assert first[:2] == ("scrape", "failed") and first[2].startswith(f"cannot write {db}")
    assert second == ("scrape", "ok", "")


def test_ctrl_c_during_a_scrape_does_not_wait_for_the_fetches_under_way(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY, delay=600))  # answers long after this test's patience
    config = write_config(tmp_path, server.url, board("lever", "spotify", "Spotify"))
    config.write_text(config.read_text(encoding="utf-8").replace("timeout = 5", "timeout = 900"), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "jobtone", "--config", str(config), "-q", "scrape"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not server.hits(LEVER):  # the fetch is under way
            assert time.monotonic() < deadline and process.poll() is None, "the scrape never fetched"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)  # a bound on a hang (the board answers after 600 s), not a timing
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130 and err.splitlines() == ["jobtone: interrupted"], err
    assert query(tmp_path / "jobtone.duckdb", "SELECT status, error FROM runs") == [("interrupted", "interrupted (Ctrl-C)")]
