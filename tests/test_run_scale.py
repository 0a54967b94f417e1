"""Issue 16 (run side and scale): a run scrapes the enrolled boards and retires the missing ones, a time budget
leaves boards for the next run (which takes them first), hosts take turns, and finished boards are loaded
together with the same result as one by one."""

from datetime import datetime, timedelta

import pytest

from e2e import board, hold_database, query, release, write_config
from jobtone import job
from replay import Reply
from scraper import discovery_store as ds
from scraper import store
from scraper.batch_load import load_batches
from scraper.config import config_from_dict, load_config
from scraper.errors import ConfigError
from scraper.host_turns import HostTurns, in_turn
from scraper.posting import Posting
from scraper.scrape import Loader
from scraper.sources import Board
from scraper.staging import Staging

GH = "/v1/boards/{}/jobs"
T0 = datetime(2026, 12, 6, 5, 0)
NOT_FOUND = Reply.json({"status": 404, "error": "Job not found"}, status=404)


def enrol(db, *keys: str) -> None:
    """Boards enrolled as `jobtone discover --add` leaves them."""
    with store.opened(db) as con:
        for key in keys:
            ats, token = key.split(":")
            con.execute("INSERT INTO enrolled_boards VALUES (?, ?, NULL, '{}', ?, NULL)", [ats, token, T0])


def asked(server) -> list[str]:
    return [seen.path.split("/")[3] for seen in server.requests if seen.path.startswith("/v1/boards/")]


def test_a_run_scrapes_the_enrolled_boards_once_besides_the_configured_ones(tmp_path, server):
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    server.route(GH.format("gitlab"), Reply.file("greenhouse/gitlab.json"))
    config = load_config(write_config(tmp_path, server.url, board("greenhouse", "anthropic")))
    enrol(config.db_path, "greenhouse:gitlab", "greenhouse:Anthropic")  # the second is configured already
    result = job.run(config, out_dir=tmp_path / "out", now=lambda: T0)
    assert result.code == 0
    assert sorted(asked(server)) == ["anthropic", "gitlab"]
    stored = query(config.db_path, "SELECT board, count(*) FROM postings GROUP BY board ORDER BY board")
    assert [b for b, n in stored] == ["anthropic", "gitlab"] and all(n > 0 for _, n in stored)


def test_an_enrolled_board_not_found_in_three_runs_is_retired_and_no_longer_scraped(tmp_path, server):
    server.route(GH.format("anthropic"), Reply.file("greenhouse/anthropic.json"))
    server.route(GH.format("gone"), NOT_FOUND)
    config = load_config(write_config(tmp_path, server.url, board("greenhouse", "anthropic")))
    enrol(config.db_path, "greenhouse:gone")
    for day in range(3):
        job.scrape_all(config, "scrape", now=lambda day=day: T0 + timedelta(days=day))
    assert asked(server).count("gone") == 3
    with store.opened(config.db_path) as con:
        assert ds.enrolled_boards(con) == []
    assert query(config.db_path, "SELECT token, retired_at IS NOT NULL FROM enrolled_boards") == [("gone", True)]
    job.scrape_all(config, "scrape", now=lambda: T0 + timedelta(days=3))
    assert asked(server).count("gone") == 3 and asked(server).count("anthropic") == 4


def test_the_boards_a_time_budget_leaves_go_first_next_run(tmp_path, server):
    tokens = [f"co{i}" for i in range(6)]
    for token in tokens:  # each board takes 0.3 s; one at a time: six take 1.8 s, the budget is 0.6 s
        server.route(GH.format(token), Reply.file("greenhouse/gitlab.json", delay=0.3))
    boards = "".join(board("greenhouse", token) for token in tokens)
    path = write_config(tmp_path, server.url, boards, extra="[run]\nmax_minutes = 0.01\n")
    path.write_text(path.read_text().replace("interval = 0", "interval = 0\nconcurrency = 1"))
    config = load_config(path)
    assert config.run.max_minutes == 0.01
    first = job.scrape_all(config, "scrape", until=job.deadline(config, datetime.now()), now=datetime.now)
    visited = asked(server)
    assert 1 <= len(visited) < len(tokens) and first.left == len(tokens) - len(visited)
    assert "time budget reached" in query(config.db_path, "SELECT error FROM runs")[0][0]
    job.scrape_all(config, "scrape", now=datetime.now)  # no budget this time
    second = asked(server)[len(visited):]
    left = [token for token in tokens if token not in visited]
    assert sorted(second[:len(left)]) == left  # the boards left last time first
    assert sorted(second) == tokens  # and every board visited over the two runs
    assert query(config.db_path, "SELECT count(*) FROM board_visits") == [(6,)]


def test_boards_never_visited_go_first_then_the_longest_ago():
    boards = [Board("greenhouse", t) for t in ("a", "b", "c", "d")]
    visits = {("greenhouse", "a"): T0, ("greenhouse", "b"): T0 - timedelta(days=1)}
    assert [b.token for b in in_turn(boards, visits)] == ["c", "d", "b", "a"]


def test_hosts_take_turns_within_their_concurrency():
    config = config_from_dict({"api": {"greenhouse": "http://gh.test", "lever": "http://lever.test"},
                               "http": {"concurrency": 2, "hosts": {"lever.test": {"concurrency": 1}}}})
    boards = [Board("greenhouse", f"g{i}") for i in range(5)] + [Board("lever", f"l{i}") for i in range(3)]
    turns = HostTurns(config, boards)
    assert turns.workers() == 3  # 2 + 1: every host busy at once, no more threads than that
    first = [(host, b.token) for host, b in turns.take(lambda: False)]
    assert first == [("gh.test", "g0"), ("lever.test", "l0"), ("gh.test", "g1")]
    assert list(turns.take(lambda: False)) == []  # every slot taken
    turns.release("lever.test")
    assert [b.token for _, b in turns.take(lambda: False)] == ["l1"]
    turns.release("gh.test")
    assert list(turns.take(lambda: True)) == [] and turns.left() == 4  # out of time: the rest wait


def postings(token: str, ids: range, wording: str = "") -> list[Posting]:
    return [Posting("greenhouse", token, str(i), f"Engineer {i}", f"Build things {i}{wording}", T0, company=token)
            for i in ids]


ROUNDS = [  # (seen_at, board → its postings): then one posting gone, one reworded, one new
    (T0, {"a": postings("a", range(5)), "b": postings("b", range(3)), "c": []}),
    (T0 + timedelta(days=1), {"a": postings("a", range(1, 6)), "b": postings("b", range(1)) + postings("b", range(1, 3), "!"),
                              "c": postings("c", range(2))}),
]


def stage_round(staging: Staging, seen_at: datetime, boards: dict[str, list[Posting]]) -> list:
    return [staging.stage(items, source="greenhouse", board=token, seen_at=seen_at, complete=True, run_id="r")[0]
            for token, items in boards.items()]


def test_batched_loading_gives_the_same_database_as_loading_board_by_board(tmp_path):
    results = {}
    for how in ("one_by_one", "batched"):
        db = tmp_path / f"{how}.duckdb"
        staging, counts = Staging(db), []
        for seen_at, boards in ROUNDS:
            batches = stage_round(staging, seen_at, boards)
            with store.opened(db) as con:
                if how == "batched":
                    counts.append(load_batches(con, staging, batches))
                else:
                    counts.append([store.load_jsonl(con, staging.path(b), b.seen_at, [(b.source, b.board)])
                                   for b in batches])
        rows = query(db, "SELECT * EXCLUDE (raw) FROM postings ORDER BY posting_id")
        history = query(db, "SELECT * FROM posting_history ORDER BY posting_id, valid_to")
        results[how] = (counts, rows, history, query(db, "SELECT * FROM posting_lines ORDER BY ALL"))
    assert results["batched"] == results["one_by_one"]
    second = {b: (s.new, s.updated, s.removed) for b, s in zip("abc", results["batched"][0][1], strict=True)}
    assert second == {"a": (1, 0, 1), "b": (0, 2, 0), "c": (2, 0, 0)}


def test_a_locked_database_during_a_batched_load_keeps_every_batch_staged(tmp_path):
    db = tmp_path / "jobtone.duckdb"
    config = config_from_dict({"database": {"path": str(db), "lock_wait": 0.2}})
    staging = Staging(db)
    with store.opened(db):
        pass
    batches = stage_round(staging, *ROUNDS[0])
    loader = Loader(config, staging)
    holder = hold_database(db)
    try:
        assert loader.load_many(batches) == [None, None, None]
        assert loader.locked_by and len(staging.pending()) == 3
    finally:
        release(holder)
    assert sum(loader.flush().values(), store.LoadStats()).new == 8 and staging.pending() == []
    assert query(db, "SELECT count(*) FROM postings") == [(8,)]


@pytest.mark.parametrize("minutes", [0, -1, True, "ten"])
def test_a_bad_max_minutes_is_a_config_error(minutes):
    with pytest.raises(ConfigError, match="max_minutes"):
        config_from_dict({"run": {"max_minutes": minutes}})
