"""`jobtone run`/`scrape` end to end against a real local server replaying recorded board responses."""

import subprocess
import sys
import time

from e2e import board, holding_database, jobtone, query, sql_json, write_config
from replay import Reply

GH = "/v1/boards/{}/jobs"
LEVER = "/v0/postings/{}"


def serve_boards(server):
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    server.route(GH.format("gitlab"), Reply(500), Reply.file("greenhouse/gitlab.json"))
    server.route(LEVER.format("spotify"), Reply(429, headers={"Retry-After": "1"}), Reply.file("lever/spotify.json"))
    server.route(GH.format("nosuchboard"), Reply.json({"status": 404, "error": "Job not found"}, status=404))
    server.route(LEVER.format("palantir"), Reply.text("<html><body>Maintenance</body></html>", content_type="text/html"))


BOARDS = (board("greenhouse", "anthropic", "Anthropic") + board("greenhouse", "gitlab", "GitLab")
          + board("lever", "spotify", "Spotify") + board("greenhouse", "nosuchboard")
          + board("lever", "palantir", "Palantir"))


def test_run_isolates_failures_and_records_everything(tmp_path, server):
    serve_boards(server)
    config = write_config(tmp_path, server.url, BOARDS)
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 1, err  # partial failure: documented exit code
    db = tmp_path / "jobtone.duckdb"
    counts = dict(query(db, "SELECT board, count(*) FROM postings GROUP BY board"))
    assert counts == {"anthropic": 4, "gitlab": 2, "spotify": 4}
    outcomes = {r["board"]: r for r in sql_json(config, "SELECT board, status, error, url, fetched FROM board_runs")}
    assert outcomes["gitlab"]["status"] == "ok" and outcomes["spotify"]["status"] == "ok"
    assert outcomes["nosuchboard"]["status"] == "not_found"
    assert "board not found" in outcomes["nosuchboard"]["error"]
    assert outcomes["palantir"]["status"] == "failed" and "HTML page" in outcomes["palantir"]["error"]
    assert outcomes["palantir"]["url"].endswith("/v0/postings/palantir?mode=json")
    assert server.hits(GH.format("gitlab")) == 2 and server.hits(LEVER.format("spotify")) == 2
    assert "nosuchboard" in err and "palantir" in err
    assert not list((tmp_path / "jobtone.duckdb.staging").iterdir())  # loaded batches and failed fetches leave nothing
    run = sql_json(config, "SELECT status, failures, fetched, new FROM runs")
    assert run == [{"status": "partial", "failures": 2, "fetched": 10, "new": 10}]
    # ... then analysed and charted into reports/ of the working directory
    assert query(db, "SELECT count(*) FROM posting_analysis") == [(10,)]
    for name in ("share.png", "share.svg", "terms.png", "groups.png", "index.html"):
        assert (tmp_path / "reports" / name).stat().st_size > 1000, name
    assert (tmp_path / "reports" / "share.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_twice_changes_nothing_but_last_seen(tmp_path, server):
    serve_boards(server)
    config = write_config(tmp_path, server.url, board("greenhouse", "anthropic") + board("lever", "spotify"))
    assert jobtone("--config", str(config), "scrape")[0] == 0
    db = tmp_path / "jobtone.duckdb"
    before = query(db, "SELECT posting_id, content_hash, first_seen_at, last_seen_at FROM postings ORDER BY 1")
    assert jobtone("--config", str(config), "scrape")[0] == 0
    after = query(db, "SELECT posting_id, content_hash, first_seen_at, last_seen_at FROM postings ORDER BY 1")
    assert [r[:3] for r in before] == [r[:3] for r in after]
    assert all(a[3] > b[3] for a, b in zip(after, before))
    assert query(db, "SELECT new, updated, removed FROM runs ORDER BY started_at") == [(8, 0, 0), (0, 0, 0)]
    assert query(db, "SELECT count(*) FROM posting_history") == [(0,)]


def test_scrape_named_boards_and_readers(tmp_path, server):
    serve_boards(server)
    config = write_config(tmp_path, server.url)
    code, _, err = jobtone("--config", str(config), "scrape", "greenhouse:anthropic")
    assert code == 0, err
    code, out, _ = jobtone("--config", str(config), "runs")
    assert code == 0 and "scrape" in out and "ok" in out
    code, out, _ = jobtone("--config", str(config), "sql", "--format", "csv", "SELECT count(*) AS n FROM postings")
    assert out.splitlines() == ["n", "4"]


def test_bad_board_spec_is_a_usage_error(tmp_path, server):
    config = write_config(tmp_path, server.url)
    code, _, err = jobtone("--config", str(config), "scrape", "nocolon")
    assert code == 2 and "ATS:TOKEN" in err
    code, _, err = jobtone("--config", str(config), "scrape", "myspace:tom")
    assert code == 2 and "unknown source" in err


def test_sql_cannot_write(tmp_path, server):
    serve_boards(server)
    config = write_config(tmp_path, server.url, board("greenhouse", "anthropic"))
    jobtone("--config", str(config), "scrape")
    code, _, err = jobtone("--config", str(config), "sql", "DELETE FROM postings")
    assert code == 1 and "read-only" in err.lower()
    code, _, err = jobtone("--config", str(config), "sql", f"COPY postings TO '{tmp_path / 'x.csv'}'")
    assert code == 1 and not (tmp_path / "x.csv").exists()
    assert query(tmp_path / "jobtone.duckdb", "SELECT count(*) FROM postings") == [(4,)]


def test_sql_answers_while_a_slow_scrape_runs(tmp_path, server):
    serve_boards(server)
    server.route(GH.format("slow"), Reply.file("greenhouse/gitlab.json", delay=4))
    config = write_config(tmp_path, server.url, board("greenhouse", "anthropic") + board("greenhouse", "slow"))
    jobtone("--config", str(config), "scrape", "greenhouse:anthropic")
    scrape = subprocess.Popen([sys.executable, "-m", "jobtone", "--config", str(config), "scrape"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while server.hits(GH.format("slow")) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        rows = sql_json(config, "SELECT count(*) AS n FROM postings")
        running = sql_json(config, "SELECT status FROM runs ORDER BY started_at DESC LIMIT 1")
        assert scrape.poll() is None, "the scrape should still be waiting on the slow board"
        assert rows[0]["n"] >= 4
        assert running == [{"status": "running"}]  # a run killed now would still show in `jobtone runs`
    finally:
        assert scrape.wait(timeout=30) == 0
    assert sql_json(config, "SELECT status FROM runs ORDER BY started_at DESC LIMIT 1") == [{"status": "ok"}]


def test_locked_database_keeps_fetched_postings_for_the_next_run(tmp_path, server):
    serve_boards(server)
    config = write_config(tmp_path, server.url, board("greenhouse", "anthropic") + board("lever", "spotify"), lock_wait=0.5)
    db = tmp_path / "jobtone.duckdb"
    jobtone("--config", str(config), "sql", "SELECT 1")  # no database yet: a clear error, nothing created
    with holding_database(db) as holder:
        code, _, err = jobtone("--config", str(config), "scrape")
        assert code == 3, err
        assert f"PID {holder.pid}" in err and "staged" in err
        staged = list((tmp_path / "jobtone.duckdb.staging").glob("*.jsonl"))
        assert len(staged) == 2
    server.route(GH.format("anthropic"), Reply(503))  # the next run's own fetch fails: staged data must still land
    server.route(LEVER.format("spotify"), Reply(503))
    code, _, err = jobtone("--config", str(config), "scrape")
    assert code == 1
    assert query(db, "SELECT count(*) FROM postings") == [(8,)]
    assert query(db, "SELECT status, count(*) FROM runs GROUP BY 1 ORDER BY 1") == [("failed", 1), ("locked", 1)]
    assert not list((tmp_path / "jobtone.duckdb.staging").glob("*.jsonl"))
