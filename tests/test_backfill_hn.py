"""`jobtone backfill hn` end to end against a local server replaying the recorded thread list and item,
including a backfill killed with SIGKILL mid-way and resumed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime

from e2e import jobtone, query, write_config
from replay import Reply
from test_hn import JULY_2026, LIST_PATH, REAL_LIST, epoch, fast_hn, item_path, thread_hit, thread_item, thread_list

POSTING_COLUMNS = "posting_id, source, board, external_id, company, title, text, posted_at, date_source, url, fingerprint"


def serve_recorded(server) -> None:
    """The recorded list (12 threads, Jun 2025–May 2026) plus the recorded July 2026 item's thread."""
    hits = [thread_hit(48747976, "Ask HN: Who is hiring? (July 2026)", JULY_2026), *REAL_LIST["hits"]]
    server.route(LIST_PATH, Reply.json(thread_list(hits)))
    server.route(item_path(48747976), Reply.file("hn_algolia/item_48747976_trimmed.json"))
    for hit in REAL_LIST["hits"]:
        story = int(hit["objectID"])
        server.route(item_path(story), Reply.json(thread_item(story, hit["title"], hit["created_at_i"], 5, replies=2)))


def test_backfill_stores_exactly_the_recorded_threads_top_level_posts(tmp_path, server):
    serve_recorded(server)
    config = write_config(tmp_path, server.url, extra=fast_hn(server.url))
    code, _, err = jobtone("--config", str(config), "backfill", "hn", "--since", "2026-07")
    assert code == 0, err
    rows = query(tmp_path / "jobtone.duckdb",
                 "SELECT external_id, posted_at, date_source, company, fingerprint FROM postings ORDER BY 1")
    assert rows == [
        ("48747987", datetime(2026, 7, 1, 15, 1, 52), "created_at_i", "", "48747976"),
        ("48747990", datetime(2026, 7, 1, 15, 2, 0), "created_at_i", "We The Flywheel", "48747976"),
        ("48748003", datetime(2026, 7, 1, 15, 2, 50), "created_at_i", "SmarterDx", "48747976"),
        ("48748007", datetime(2026, 7, 1, 15, 2, 56), "created_at_i", "", "48747976"),
    ]
    assert [r.path for r in server.requests] == [LIST_PATH, item_path(48747976)]
    assert "1 threads, 0 failed; 4 postings, 4 new" in err
    assert query(tmp_path / "jobtone.duckdb", "SELECT command, status, fetched, new FROM runs") == [
        ("backfill hn", "ok", 4, 4)]


def test_backfill_range_and_rerun_fetches_nothing_twice(tmp_path, server):
    serve_recorded(server)
    config = write_config(tmp_path, server.url, extra=fast_hn(server.url))
    db = tmp_path / "jobtone.duckdb"
    code, _, err = jobtone("--config", str(config), "backfill", "hn", "--since", "2025-12", "--until", "2026-03")
    assert code == 0, err
    months = query(db, "SELECT strftime(min(posted_at), '%Y-%m'), count(*) FROM postings GROUP BY fingerprint ORDER BY 1")
    assert months == [("2025-12", 5), ("2026-01", 5), ("2026-02", 5), ("2026-03", 5)]  # replies left out
    code, _, err = jobtone("--config", str(config), "backfill", "hn")
    assert code == 0, err
    assert query(db, "SELECT count(*), count(DISTINCT posting_id), count(DISTINCT fingerprint) FROM postings") == [(64, 64, 13)]
    assert all(server.hits(item_path(int(h["objectID"]))) == 1 for h in REAL_LIST["hits"])
    code, _, err = jobtone("--config", str(config), "backfill", "hn")
    assert code == 0 and "13 hn threads already stored; 0 to load" in err


def test_a_failing_thread_is_recorded_and_retried_by_the_next_backfill(tmp_path, server):
    serve_recorded(server)
    server.route(item_path(47975571), Reply(500))
    config = write_config(tmp_path, server.url, extra=fast_hn(server.url))
    code, _, err = jobtone("--config", str(config), "backfill", "hn", "--since", "2026-04")
    assert code == 1 and "HTTP 500" in err
    hit = next(h for h in REAL_LIST["hits"] if h["objectID"] == "47975571")
    server.route(item_path(47975571), Reply.json(thread_item(47975571, hit["title"], hit["created_at_i"], 5)))
    code, _, err = jobtone("--config", str(config), "backfill", "hn", "--since", "2026-04")
    assert code == 0, err
    assert query(tmp_path / "jobtone.duckdb", "SELECT count(DISTINCT fingerprint) FROM postings") == [(3,)]


def synthetic_history(server, delay_story: int | None = None, delay: float = 30) -> list[int]:
    """Eight monthly threads of 40 posts each (from the recorded comment objects); one may answer slowly."""
    stories = []
    for month in range(1, 9):
        story = 40_000_000 + month * 1000
        created = epoch(f"2024-{month:02d}-01T15:00:00")
        stories.append(story)
        item = thread_item(story, f"Ask HN: Who is hiring? ({datetime(2024, month, 1):%B} 2024)", created, 40, replies=5)
        server.route(item_path(story), Reply.json(item, delay=delay if story == delay_story else 0))
    hits = [thread_hit(s, f"Ask HN: Who is hiring? ({datetime(2024, m, 1):%B} 2024)", epoch(f"2024-{m:02d}-01T15:00:00"))
            for m, s in zip(range(8, 0, -1), reversed(stories))]
    server.route(LIST_PATH, Reply.json(thread_list(hits)))
    return stories


def test_killed_backfill_resumes_without_duplicates_or_gaps(tmp_path, server):
    stories = synthetic_history(server, delay_story=40_005_000)  # May 2024 hangs: the kill lands there
    killed_dir, whole_dir = tmp_path / "killed", tmp_path / "whole"
    killed_dir.mkdir(), whole_dir.mkdir()
    killed = write_config(killed_dir, server.url, extra=fast_hn(server.url))
    backfill = subprocess.Popen([sys.executable, "-m", "jobtone", "--config", str(killed), "backfill", "hn"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while server.hits(item_path(40_005_000)) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert backfill.poll() is None, "the backfill should be waiting on the slow thread"
    finally:
        backfill.send_signal(signal.SIGKILL)
        backfill.wait(timeout=10)
    killed_db = killed_dir / "jobtone.duckdb"
    assert query(killed_db, "SELECT count(DISTINCT fingerprint), count(*) FROM postings") == [(4, 160)]

    synthetic_history(server)  # the slow thread answers normally from now on
    code, _, err = jobtone("--config", str(killed), "backfill", "hn")
    assert code == 0, err
    assert "4 hn threads already stored; 4 to load" in err
    assert [server.hits(item_path(s)) for s in stories] == [1, 1, 1, 1, 2, 1, 1, 1]

    whole = write_config(whole_dir, server.url, extra=fast_hn(server.url))
    assert jobtone("--config", str(whole), "backfill", "hn")[0] == 0
    resumed_rows = query(killed_db, f"SELECT {POSTING_COLUMNS} FROM postings ORDER BY posting_id")
    whole_rows = query(whole_dir / "jobtone.duckdb", f"SELECT {POSTING_COLUMNS} FROM postings ORDER BY posting_id")
    assert len(resumed_rows) == 320 and resumed_rows == whole_rows
    assert query(killed_db, "SELECT count(DISTINCT posting_id) FROM postings") == [(320,)]


def test_bad_month_is_a_usage_error(tmp_path, server):
    config = write_config(tmp_path, server.url)
    code, _, err = jobtone("--config", str(config), "backfill", "hn", "--since", "2024-1")
    assert code == 2 and "expected YYYY-MM, got '2024-1'" in err
