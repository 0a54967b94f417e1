"""What a run reports (issue 13): records skipped and implausible dates counted per board and shown by
`jobtone runs`, `jobtone sources`, the log and `jobtone import`; the postings a killed run loaded counted
against it, and the run closed as `interrupted` by the next one."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime

from e2e import board, holding_database, jobtone, query, write_config
from replay import Reply, fixture_bytes
from scraper import migrations, store
from scraper.config import load_config
from scraper.scrape import scrape
from test_store import old_database

LEVER = "/v0/postings/spotify"
SPOTIFY = json.loads(fixture_bytes("lever/spotify.json"))
YEAR_2900_MS = int((datetime(2900, 6, 1) - datetime(1970, 1, 1)).total_seconds() * 1000)


def spotify_with_oddities() -> list[dict]:
    """The recorded board with one posting dated in the year 2900 and one record the parser cannot read."""
    jobs = [dict(job) for job in SPOTIFY]
    jobs[0]["createdAt"] = YEAR_2900_MS
    jobs[1]["lists"] = 5
    return jobs


def test_skipped_records_and_implausible_dates_are_counted_and_shown(tmp_path, server):
    server.route(LEVER, Reply.json(spotify_with_oddities()))
    config = write_config(tmp_path, server.url, board("lever", "spotify", "Spotify"))
    code, _, err = jobtone("--config", str(config), "scrape")
    assert code == 0, err
    assert err.count("1 records skipped, 1 implausible dates stored as unknown") == 2  # the board's and the run's line
    db = tmp_path / "jobtone.duckdb"
    assert query(db, "SELECT status, fetched, new, skipped, implausible_dates FROM board_runs") == [("ok", 3, 3, 1, 1)]
    runs = json.loads(jobtone("--config", str(config), "runs", "--format", "json")[1])
    assert [(r["status"], r["new"], r["skipped"], r["implausible_dates"]) for r in runs] == [("ok", 3, 1, 1)]
    [source] = json.loads(jobtone("--config", str(config), "sources", "--format", "json")[1])
    assert (source["status"], source["skipped"], source["implausible_dates"]) == ("ok", 1, 1)


def test_the_outcome_of_a_board_counts_its_implausible_dates(tmp_path, server):
    server.route(LEVER, Reply.json(spotify_with_oddities()))
    config = load_config(write_config(tmp_path, server.url, board("lever", "spotify", "Spotify")))
    [outcome] = scrape(config, config.boards).outcomes
    assert (outcome.skipped, outcome.implausible_dates) == (1, 1)


def test_import_reports_implausible_dates(tmp_path):
    csv = tmp_path / "jobs.csv"
    csv.write_text("id,date,text,company\n1,2024-01-01,We are flexible.,Acme\n2,0001-01-01,Old.,Acme\n"
                   "3,2900-06-01,Far.,Acme\n", encoding="utf-8")
    code, _, err = jobtone("--db", str(tmp_path / "jobtone.duckdb"), "import", str(csv))
    assert code == 0, err
    assert "3 rows; 3 new, 0 updated, 0 unchanged, 0 bad, 2 implausible dates (before 1995 or over a year ahead" in err
    kept = query(tmp_path / "jobtone.duckdb", "SELECT external_id, posted_at, raw FROM postings ORDER BY external_id")
    assert [(i, p is None) for i, p, _ in kept] == [("1", False), ("2", True), ("3", True)]
    assert [json.loads(raw) for _, _, raw in kept[1:]] == [{"import:date": "0001-01-01 00:00:00"},
                                                          {"import:date": "2900-06-01 00:00:00"}]  # kept in raw


def test_a_version_4_file_gets_the_run_count_columns(tmp_path):
    db = tmp_path / "j.duckdb"
    with old_database(db, 3) as con:  # brought to version 4 by its own step, as the previous release left it
        migrations._in_transaction(con, migrations.MIGRATIONS[3][1], 4)
        con.execute("INSERT INTO runs VALUES ('r1', 'scrape', TIMESTAMP '2026-11-01', NULL, 'ok', 4, 4, 0, 0, 0, '')")
        con.execute("""INSERT INTO board_runs VALUES ('r1', 'lever', 'spotify', 'Spotify', NULL, NULL, 'ok', 4, 4, 0, 0,
                                                      '', '1 skipped: x: why')""")
    with store.opened(db) as con:
        assert migrations.schema_version(con) == len(migrations.MIGRATIONS)
        assert con.execute("SELECT run_id, skipped, implausible_dates, batch FROM board_runs").fetchall() == [
            ("r1", None, None, None)]
        migrated = con.execute("""SELECT table_name, column_name, data_type FROM information_schema.columns
                                  WHERE table_name IN ('runs', 'board_runs') ORDER BY ALL""").fetchall()
    with store.opened(tmp_path / "new.duckdb") as con:
        created = con.execute("""SELECT table_name, column_name, data_type FROM information_schema.columns
                                 WHERE table_name IN ('runs', 'board_runs') ORDER BY ALL""").fetchall()
    assert migrated == created


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_postings_a_killed_run_loaded_are_counted_and_the_run_closed_by_the_next(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY))
    server.route("/v0/postings/slow", Reply.json(SPOTIFY[:1], delay=60))  # still fetching when killed
    boards = board("lever", "spotify", "Spotify") + board("lever", "slow", "Slow")
    config = write_config(tmp_path, server.url, boards)
    staging = tmp_path / "jobtone.duckdb.staging"
    process = subprocess.Popen([sys.executable, "-m", "jobtone", "--config", str(config), "-q", "scrape"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def spotify_loaded() -> bool:  # its file is opened before its request, and removed once loaded
        return server.hits(LEVER) > 0 and staging.is_dir() and not list(staging.glob("*spotify*"))

    try:
        wait_until(spotify_loaded)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    db = tmp_path / "jobtone.duckdb"
    assert query(db, "SELECT count(*) FROM postings") == [(4,)]
    assert query(db, "SELECT status, fetched, new FROM runs") == [("running", 4, 4)]  # counted as loaded
    assert query(db, "SELECT board, status, new, batch IS NOT NULL FROM board_runs") == [("spotify", "ok", 4, True)]
    server.route("/v0/postings/slow", Reply.json(SPOTIFY[:1]))
    assert jobtone("--config", str(config), "scrape")[0] == 0
    runs = json.loads(jobtone("--config", str(config), "runs", "--format", "json")[1])
    assert [(r["status"], r["new"]) for r in runs] == [("ok", 1), ("interrupted", 4)]  # newest first: slow's 1 is new
    error = query(db, "SELECT error FROM runs WHERE status = 'interrupted'")[0][0]
    assert "ended without recording its end" in error


def test_a_batch_loaded_by_a_later_run_is_counted_against_the_run_that_fetched_it(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY))
    config = load_config(write_config(tmp_path, server.url, board("lever", "spotify", "Spotify"), lock_wait=0.1))
    db = tmp_path / "jobtone.duckdb"
    store.connect(db).close()
    with holding_database(db):
        locked = scrape(config, config.boards)
    assert locked.locked_by
    later = scrape(config, [])  # loads the staged batch, after writing the locked run's record
    rows = {run_id: (status, new) for run_id, status, new in query(db, "SELECT run_id, status, new FROM runs")}
    assert rows[locked.run_id] == ("locked", 4) and rows[later.run_id] == ("ok", 0)
    assert query(db, "SELECT status, new FROM board_runs WHERE run_id = ?", [locked.run_id]) == [("ok", 4)]
    scrape(config, [])  # nothing counted twice
    assert query(db, "SELECT sum(new) FROM runs") == [(4,)]


def test_a_batch_loaded_twice_is_counted_once(tmp_path):
    from scraper.run_records import count_batches
    from scraper.staging import Batch
    db = tmp_path / "jobtone.duckdb"
    batch = Batch("lever", "spotify", datetime(2026, 11, 1), True, "r1", "20261101T000000000000-1-0000-lever-spotify.jsonl")
    with store.opened(db) as con:
        for _ in range(2):
            count_batches(con, [(batch, store.LoadStats(fetched=4, new=4))])
        assert con.execute("SELECT status, fetched, new, pid FROM runs").fetchall() == [("running", 4, 4, 1)]
        assert con.execute("SELECT count(*) FROM board_runs").fetchall() == [(1,)]
