"""`jobtone compact` (a fresh file swapped in: same data, views and schema version; old runs pruned on request;
refused while a run holds the run lock) and `jobtone export` (postings and trends to Parquet/CSV via COPY)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import duckdb
import pytest

from e2e import board, holding_database, jobtone, query, write_config
from replay import ReplayServer, Reply, fixture_bytes
from scraper.runlock import run_lock

GH = "/v1/boards/{}/jobs"
TABLES = ("postings", "posting_history", "runs", "board_runs", "schema_version")


BOARDS = board("greenhouse", "anthropic") + board("greenhouse", "gitlab")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A database after three scrapes of two boards whose postings changed in between, and an analysis."""
    tmp = tmp_path_factory.mktemp("template")
    recorded = json.loads(fixture_bytes("greenhouse/anthropic.json"))
    with ReplayServer() as server:
        config = write_config(tmp, server.url, BOARDS)
        server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json"))
        for day in range(3):
            for job in recorded["jobs"]:
                job["content"] += f"&lt;p&gt;Edit {day}.&lt;/p&gt;"
            server.route(GH.format("anthropic"), Reply.json(recorded))
            code, _, err = jobtone("--config", str(config), "scrape")
            assert code == 0, err
        assert jobtone("--config", str(config), "trends")[0] == 0  # the analysis tables and views too
    return tmp / "jobtone.duckdb"


@pytest.fixture
def scraped(template, tmp_path, server):
    shutil.copy(template, tmp_path / "jobtone.duckdb")
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json"))
    return write_config(tmp_path, server.url, BOARDS)


def contents(db) -> dict[str, list]:
    """Every table's rows, sorted, and the views' names: what a compaction must keep exactly."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        found = {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
        found["views"] = con.execute("SELECT table_name FROM information_schema.tables "
                                     "WHERE table_type = 'VIEW' ORDER BY 1").fetchall()
    return found


def test_compact_keeps_everything_and_the_next_run_works(scraped, tmp_path, server):
    db = tmp_path / "jobtone.duckdb"
    before = contents(db)
    assert before["posting_history"] and before["views"]
    code, _, err = jobtone("--config", str(scraped), "compact")
    assert code == 0, err
    assert "compacted" in err and "MB ->" in err
    assert contents(db) == before
    assert not list(tmp_path.glob("*.compact*")) and not (tmp_path / "jobtone.duckdb.wal").exists()
    code, _, err = jobtone("--config", str(scraped), "scrape")
    assert code == 0, err
    assert query(db, "SELECT count(*) FROM runs") == [(4,)]


def test_compact_prunes_old_run_records_only(scraped, tmp_path):
    db = tmp_path / "jobtone.duckdb"
    old = datetime.utcnow() - timedelta(days=100)
    with duckdb.connect(str(db)) as con:  # a run from 100 days ago, as an old installation would have
        con.execute("INSERT INTO runs (run_id, command, started_at, status) VALUES ('old', 'run', ?, 'ok')", [old])
        con.execute("INSERT INTO board_runs (run_id, source, board) VALUES ('old', 'greenhouse', 'anthropic')")
    postings = query(db, "SELECT * FROM postings ORDER BY posting_id")
    code, _, err = jobtone("--config", str(scraped), "compact", "--prune-runs", "30")
    assert code == 0, err
    assert "pruned 1 runs, 1 board outcomes" in err
    assert query(db, "SELECT count(*) FROM runs WHERE run_id = 'old'") == [(0,)]
    assert query(db, "SELECT count(*) FROM runs") == [(3,)] and query(db, "SELECT count(*) FROM board_runs") == [(6,)]
    assert query(db, "SELECT * FROM postings ORDER BY posting_id") == postings


def test_compact_waits_for_no_run(scraped, tmp_path):
    db = tmp_path / "jobtone.duckdb"
    with run_lock(db):  # a scheduled run in progress (this process holds the lock: same effect)
        code, _, err = jobtone("--config", str(scraped), "compact")
    assert code == 4 and "another jobtone run is in progress" in err


def test_compact_leaves_the_file_alone_when_someone_holds_it(scraped, tmp_path):
    db = tmp_path / "jobtone.duckdb"
    before = contents(db)
    with holding_database(db, read_only=True) as holder:
        code, _, err = jobtone("--config", str(scraped), "compact", "--wait", "0.3")
        assert code == 3 and f"PID {holder.pid}" in err
    assert contents(db) == before and not list(tmp_path.glob("*.compact*"))


def test_export_postings_and_trends(scraped, tmp_path):
    db = tmp_path / "jobtone.duckdb"
    out = tmp_path / "out"
    code, _, err = jobtone("--config", str(scraped), "export", "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["postings.parquet", "term_trends.parquet", "trends.parquet"]
    exported = duckdb.sql(f"SELECT posting_id, title, text FROM '{out / 'postings.parquet'}' ORDER BY 1").fetchall()
    assert exported == query(db, "SELECT posting_id, title, text FROM postings ORDER BY 1") and len(exported) == 6
    trends = duckdb.sql(f"SELECT DISTINCT series FROM '{out / 'trends.parquet'}' ORDER BY 1").fetchall()
    assert trends == [("hard",), ("supportive",)]
    code, csv_out, err = jobtone("--config", str(scraped), "trends", "--format", "csv")
    code, _, err = jobtone("--config", str(scraped), "export", "--out", str(out), "--format", "csv", "trends", "runs")
    assert code == 0, err
    lines = (out / "trends.csv").read_text().splitlines()
    assert lines[0] == "period,start,series,group,postings,matches,share,ci_low,ci_high,per_10k_words,low_count"
    assert len(lines) == len(csv_out.splitlines())  # one line per `jobtone trends` row, plus the header
    assert len((out / "runs.csv").read_text().splitlines()) == 4


def test_export_unknown_table_is_a_usage_error(scraped, tmp_path):
    code, _, err = jobtone("--config", str(scraped), "export", "--out", str(tmp_path / "out"), "nope")
    assert code == 2 and "no table or view named 'nope'" in err and "postings" in err
