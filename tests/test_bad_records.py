"""One bad record is one bad record (issue 13): a record a parser cannot read is skipped and counted against
its id, the board's other postings are stored; a lone surrogate never fails a board; a board that drips
under the read timeout ends at its deadline."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

import pytest

from e2e import board, holding_database, query, write_config
from replay import Reply, fixture_bytes
from scraper.config import config_from_dict, load_config
from scraper.errors import ParseError
from scraper.scrape import fetch_board, polite_client, scrape
from scraper.sources import Board, google, greenhouse
from scraper.sources.base import Skipped, parse_document
from scraper.staging import Staging

LEVER = "/v0/postings/spotify"
SPOTIFY = json.loads(fixture_bytes("lever/spotify.json"))


def test_a_bad_job_is_skipped_and_a_lone_surrogate_is_replaced(tmp_path, server):
    jobs = [dict(job) for job in SPOTIFY]
    jobs[0]["text"] = "Android \ud800 Engineer"  # valid JSON ("\ud800"), but no UTF-8 can hold it
    jobs[1]["lists"] = 5  # a shape the parser cannot read
    server.route(LEVER, Reply.json(jobs))
    config = load_config(write_config(tmp_path, server.url, board("lever", "spotify", "Spotify")))
    summary = scrape(config, config.boards)
    [outcome] = summary.outcomes
    assert (outcome.status, outcome.fetched, outcome.skipped) == ("ok", 3, 1)
    assert outcome.error.startswith(f"1 skipped: {jobs[1]['id']}: unexpected record shape: TypeError")
    assert summary.status == "ok" and summary.failures == 0
    db = tmp_path / "jobtone.duckdb"
    stored = dict(query(db, "SELECT external_id, title FROM postings"))
    assert sorted(stored) == sorted(job["id"] for job in jobs if job is not jobs[1])
    assert stored[jobs[0]["id"]] == "Android \ufffd Engineer"
    assert query(db, "SELECT status, error FROM board_runs") == [("ok", outcome.error)]


def test_a_skipped_record_does_not_mark_the_board_s_postings_removed(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY))
    config = load_config(write_config(tmp_path, server.url, board("lever", "spotify", "Spotify")))
    scrape(config, config.boards)
    broken = [dict(job) for job in SPOTIFY]
    broken[2]["lists"] = 5
    server.route(LEVER, Reply.json(broken))
    [outcome] = scrape(config, config.boards).outcomes
    assert (outcome.status, outcome.skipped, outcome.removed) == ("ok", 1, 0)
    assert query(tmp_path / "jobtone.duckdb", "SELECT count(*) FROM postings WHERE removed_at IS NULL") == [(4,)]


def test_a_batch_with_skipped_records_staged_while_locked_does_not_mark_them_removed_later(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY))
    config = load_config(write_config(tmp_path, server.url, board("lever", "spotify", "Spotify"), lock_wait=0.1))
    db = tmp_path / "jobtone.duckdb"
    scrape(config, config.boards)
    broken = [dict(job) for job in SPOTIFY]
    broken[2]["lists"] = 5
    server.route(LEVER, Reply.json(broken))
    with holding_database(db):  # the batch stays staged: the run that loads it knows only its staged file
        summary = scrape(config, config.boards)
    assert summary.locked_by and summary.outcomes[0].status == "staged"
    [staged] = Staging(db).pending()
    assert (staged.complete, staged.skipped) == (False, 1)
    scrape(config, [])  # the next run loads what was staged
    assert not Staging(db).pending()
    assert query(db, "SELECT count(*) FROM postings WHERE removed_at IS NULL") == [(4,)]


def test_a_board_dripping_under_the_read_timeout_ends_at_its_deadline(tmp_path, server):
    server.route(LEVER, Reply.json(SPOTIFY, drip=0.02, piece=1))  # a byte every 20 ms: never a read timeout
    config = config_from_dict({"api": {"lever": server.url}, "database": {"path": str(tmp_path / "j.duckdb")},
                               "http": {"board_seconds": 0.3, "retries": 0, "interval": 0}})
    lever_board = Board("lever", "spotify")
    outcome, batch = fetch_board(polite_client(config, [lever_board]), config, lever_board, Staging(config.db_path),
                                 datetime(2026, 12, 6), "run1", {})
    assert batch is None and outcome.status == "failed"
    assert "time ran out" in outcome.error and "board_seconds = 0.3" in outcome.error


def test_parse_document_skips_bad_records_alone():
    doc = {"jobs": [{"id": 1, "title": "Good"}, {"title": "no id"}, "not a job", {"id": 4, "title": "Also good"}]}
    parsed = parse_document(greenhouse, doc, Board("greenhouse", "acme"))
    assert [p.external_id for p in parsed] == ["1", "4"]
    assert [s.record_id for s in parsed.skipped] == ["", ""]
    assert parsed.skipped[0] == Skipped("", "a job without an `id`")
    assert parsed.skipped[1].reason == "expected the `jobs` records to be objects"
    with pytest.raises(ParseError):  # not a board at all: the document fails, not its records
        parse_document(greenhouse, {"error": "nope"}, Board("greenhouse", "acme"))


def test_a_google_row_with_a_changed_layout_is_skipped_alone():
    data = google.results_data(fixture_bytes("bigtech/google/pedrocamargo_results_page_ds1_reserialized.html").decode())
    ids = [row[0] for row in data[0]]
    data[0][0].insert(2, "new field")  # one row's later fields shift: that row only is not stored
    parsed = parse_document(google, data, Board("google", "google", "Google"))
    assert [p.external_id for p in parsed] == ids[1:]
    assert [s.record_id for s in parsed.skipped] == [ids[0]] and "known layout" in parsed.skipped[0].reason


def test_any_error_in_a_parser_is_a_parse_error():
    def broken(doc, board):
        raise KeyError("a bug")

    def deep(doc, board):
        raise RecursionError()

    for parse in (broken, deep):
        source = SimpleNamespace(NAME="fake", parse=parse)
        with pytest.raises(ParseError, match="fake"):
            parse_document(source, {}, Board("fake", "x"))
