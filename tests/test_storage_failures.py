"""The disk failing during a run (issue 13): one clear line naming the path, exit 1, and the run recorded as
failed, never left `running` and never exit 70. Tests run as root, who ignores file modes: the failures are
made with a file where a folder is expected, and a folder where DuckDB expects its write-ahead log."""

from __future__ import annotations

import json
import shutil
import threading
import time

from e2e import board, jobtone, query, write_config
from replay import Reply, fixture_bytes

LEVER = "/v0/postings/spotify"
SPOTIFY = json.loads(fixture_bytes("lever/spotify.json"))
BOARDS = board("lever", "spotify", "Spotify") + board("lever", "slow", "Slow")


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
    db, staging = tmp_path / "jobtone.duckdb", tmp_path / "jobtone.duckdb.staging"
    result: list[tuple[int, str, str]] = []
    scraping = threading.Thread(target=lambda: result.append(jobtone("--config", str(config), "-q", "scrape")))
    scraping.start()
    deadline, wal = time.monotonic() + 30, tmp_path / "jobtone.duckdb.wal"
    # spotify loaded and the file closed (its log checkpointed away); slow is still being fetched
    while not (server.hits(LEVER) and staging.is_dir() and not list(staging.glob("*spotify*")) and not wal.exists()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    wal.mkdir()  # DuckDB cannot open the file any more: as a disk gone bad or read-only would do
    scraping.join(60)
    [(code, _, err)] = result
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
