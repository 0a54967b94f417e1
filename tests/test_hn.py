"""HN "Who is hiring?" source: thread-list filtering, thread items → postings, and `jobtone run` on a replay
server. Larger threads are built from the recorded item's own comment objects (same field set)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest

from e2e import board, jobtone, query, write_config
from replay import Reply, fixture_bytes
from scraper.errors import ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import hn
from scraper.sources.base import Board

REAL_LIST = json.loads(fixture_bytes("hn_algolia/search_by_date_whoishiring.json"))
REAL_ITEM = json.loads(fixture_bytes("hn_algolia/item_48747976_trimmed.json"))
BOARD = Board("hn", "whoishiring")
LIST_PATH = "/api/v1/search_by_date"
JULY_2026 = 1782918081  # 2026-07-01T15:01:21Z, the recorded item's `created_at`


# -- synthetic threads from the recorded field set -------------------------------------------------------

def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def comment(comment_id: int, story_id: int, created_at_i: int, template: int = 0, text: str | None = None,
            parent_id: int | None = None, **changes) -> dict:
    """One of the recorded comments with new ids and time (and optionally text): every field kept."""
    item = copy.deepcopy(REAL_ITEM["children"][template % len(REAL_ITEM["children"])])
    when = datetime.fromtimestamp(created_at_i, timezone.utc)
    item.update(id=comment_id, parent_id=parent_id or story_id, story_id=story_id, created_at_i=created_at_i,
                created_at=when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), children=[], **changes)
    if text is not None:
        item["text"] = text
    return item


def thread_item(story_id: int, title: str, created_at_i: int, posts: int, replies: int = 0) -> dict:
    """A thread of `posts` top-level comments (ids story_id+1...), the first `replies` with one reply each."""
    children = [comment(story_id + 1 + i, story_id, created_at_i + 60 * i, template=i) for i in range(posts)]
    for i, child in enumerate(children[:replies]):
        child["children"] = [comment(story_id + 100_000 + i, story_id, created_at_i + 30, parent_id=child["id"],
                                     text="Is this role open to contractors?")]
    when = datetime.fromtimestamp(created_at_i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {**{k: v for k, v in REAL_ITEM.items() if k != "children"}, "id": story_id, "title": title,
            "created_at": when, "children": children}


def thread_hit(story_id: int, title: str, created_at_i: int) -> dict:
    """A thread-list hit: the recorded May 2026 hit with another id, title and time."""
    hit = copy.deepcopy(REAL_LIST["hits"][0])
    when = datetime.fromtimestamp(created_at_i, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    hit.update(objectID=str(story_id), story_id=story_id, title=title, created_at_i=created_at_i, created_at=when)
    return hit


def thread_list(hits: list[dict]) -> dict:
    return {**REAL_LIST, "hits": hits, "nbHits": len(hits), "nbPages": 1, "hitsPerPage": 1000}


def item_path(story_id: int) -> str:
    return f"/api/v1/items/{story_id}"


def fast_hn(server_url: str) -> str:
    """Config lines that lift HN's politeness interval for the local server."""
    host = server_url.split("//", 1)[1]
    return f'[http.hosts."{host}"]\nconcurrency = 1\ninterval = 0\n'


# -- thread list ----------------------------------------------------------------------------------------

def test_recorded_thread_list():
    threads = hn.parse_threads(REAL_LIST)
    assert len(threads) == 12
    assert threads[0] == hn.Thread(47975571, "Ask HN: Who is hiring? (May 2026)", datetime(2026, 5, 1, 15, 0, 7),
                                   "2026-05", 555)
    assert threads[-1].story_id == 44159528 and threads[-1].month == "2025-06"
    assert [t.month for t in threads] == [f"{y}-{m:02d}" for y, m in
                                         [(2026, m) for m in range(5, 0, -1)] + [(2025, m) for m in range(12, 5, -1)]]


def test_only_who_is_hiring_titles_are_kept():
    t = epoch("2026-05-01T15:00:07")
    hits = [thread_hit(1, "Ask HN: Who is hiring? (May 2026)", t),
            thread_hit(2, "Ask HN: Who wants to be hired? (May 2026)", t),
            thread_hit(3, "Ask HN: Freelancer? Seeking freelancer? (May 2026)", t),
            thread_hit(4, "Ask HN: Who is hiring right now?", epoch("2020-03-23T15:00:00")),
            thread_hit(5, "Ask HN: Who is Hiring? (April 2011)", epoch("2011-04-01T14:00:00"))]
    threads = hn.parse_threads(thread_list(hits))
    assert [(t.story_id, t.month) for t in threads] == [(1, "2026-05"), (4, "2020-03"), (5, "2011-04")]


def test_thread_list_pages_until_the_last(server):
    t = epoch("2026-05-01T15:00:00")
    first = {**thread_list([thread_hit(10, "Ask HN: Who is hiring? (May 2026)", t)]), "nbPages": 2}
    second = {**thread_list([thread_hit(9, "Ask HN: Who is hiring? (April 2026)", t - 30 * 86400)]), "nbPages": 2, "page": 1}
    server.route(LIST_PATH, Reply.json(first), query={"page": "0"})
    server.route(LIST_PATH, Reply.json(second), query={"page": "1"})
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    threads = hn.fetch_threads(client, server.url)
    assert [t.story_id for t in threads] == [9, 10]  # oldest first
    assert server.requests[0].query["tags"] == ["story,author_whoishiring"]
    assert server.hits(LIST_PATH) == 2


def test_bad_thread_list_is_a_parse_error():
    with pytest.raises(ParseError):
        hn.parse_threads({"hits": "nope"})
    with pytest.raises(ParseError):
        hn.parse_threads({"hits": [{"title": "Ask HN: Who is hiring? (May 2026)"}]})  # no id, no date


# -- thread item → postings -------------------------------------------------------------------------------

def test_recorded_thread_item():
    parsed = hn.parse_thread(REAL_ITEM, BOARD)
    assert parsed.story_id == 48747976 and parsed.skipped == 0
    assert parsed.title == "Ask HN: Who is hiring? (July 2026)"
    got = [(p.external_id, p.posted_at, p.date_source, p.company, p.fingerprint) for p in parsed.postings]
    assert got == [
        ("48747987", datetime(2026, 7, 1, 15, 1, 52), "created_at_i", "", "48747976"),
        ("48747990", datetime(2026, 7, 1, 15, 2), "created_at_i", "We The Flywheel", "48747976"),
        ("48748003", datetime(2026, 7, 1, 15, 2, 50), "created_at_i", "SmarterDx", "48747976"),
        ("48748007", datetime(2026, 7, 1, 15, 2, 56), "created_at_i", "", "48747976"),  # "—", not the | convention
    ]
    smarter = parsed.postings[2]
    assert smarter.title == "SmarterDx | 150-250k+ + equity + benefits | Remote (US only) | Multiple roles | https://smarterdx.com/careers"
    assert smarter.text.startswith(smarter.title + "\nSmarterDx builds clinical AI for one of healthcare’s most broken systems")
    assert smarter.url == "https://news.ycombinator.com/item?id=48748003"
    assert smarter.source == "hn" and smarter.board == "whoishiring"
    flywheel = parsed.postings[1]
    assert "Contract / Part-time (10–40 hrs/wk)" in flywheel.title and "We're a remote-first" in flywheel.text
    assert json.loads(smarter.raw)["author"] == "justin_sdx" and "children" not in json.loads(smarter.raw)


def test_deleted_dead_and_empty_comments_are_skipped_and_counted():
    item = thread_item(500, "Ask HN: Who is hiring? (May 2026)", epoch("2026-05-01T15:00:00"), 4)
    item["children"] += [
        comment(601, 500, epoch("2026-05-01T16:00:00"), deleted=True, text=None, author=None),
        comment(602, 500, epoch("2026-05-01T16:00:00"), dead=True),
        comment(603, 500, epoch("2026-05-01T16:00:00"), text=""),
        comment(604, 500, epoch("2026-05-01T16:00:00"), text="<p> "),
    ]
    parsed = hn.parse_thread(item, BOARD)
    assert [p.external_id for p in parsed.postings] == ["501", "502", "503", "504"]
    assert parsed.skipped == 4


def test_replies_are_not_postings():
    item = thread_item(700, "Ask HN: Who is hiring? (May 2026)", epoch("2026-05-01T15:00:00"), 3, replies=3)
    assert [p.external_id for p in hn.parse(item, BOARD)] == ["701", "702", "703"]


def test_missing_epoch_falls_back_to_created_at():
    item = thread_item(800, "Ask HN: Who is hiring? (May 2026)", epoch("2026-05-01T15:00:00"), 1)
    del item["children"][0]["created_at_i"]
    posting = hn.parse(item, BOARD)[0]
    assert (posting.posted_at, posting.date_source) == (datetime(2026, 5, 1, 15, 0), "created_at")


@pytest.mark.parametrize("first_line, expected", [
    ("Acme | Backend Engineer | Berlin | ONSITE", ("Acme", "Acme | Backend Engineer | Berlin | ONSITE")),
    ("Acme Corp (YC W20) | Remote", ("Acme Corp (YC W20)", "Acme Corp (YC W20) | Remote")),
    ("We are hiring engineers to build things", ("", "We are hiring engineers to build things")),
    ("| Role | Place", ("", "| Role | Place")),
    ("x" * 90 + " | Role", ("", ("x" * 90 + " | Role"))),
])
def test_company_from_the_first_line(first_line, expected):
    assert hn.company_and_title(first_line) == expected


def test_malformed_items_raise_parse_error():
    for doc in (None, [], {"id": 1}, {"children": []}, {"id": "x", "children": []}):
        with pytest.raises(ParseError):
            hn.parse(doc, BOARD)


def test_a_thread_over_1000_comments_comes_whole_in_one_request(server):
    item = thread_item(900_000, "Ask HN: Who is hiring? (May 2026)", epoch("2026-05-01T15:00:00"), 1200, replies=300)
    server.route(item_path(900_000), Reply.json(item))
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    parsed = hn.parse_thread(hn.fetch_thread(client, server.url, 900_000), BOARD)
    assert len(parsed.postings) == 1200 and parsed.skipped == 0
    assert len({p.external_id for p in parsed.postings}) == 1200
    assert server.hits(item_path(900_000)) == 1 and len(server.requests) == 1


# -- `jobtone run`: incremental --------------------------------------------------------------------------

def test_run_fetches_open_threads_then_new_comments_and_edits(tmp_path, server):
    now = datetime.now(timezone.utc)
    open_at = int(now.timestamp()) - 3 * 86400
    closed_at = int(now.timestamp()) - 60 * 86400
    hits = [thread_hit(3000, "Ask HN: Who is hiring? (Now)", open_at),
            thread_hit(2999, "Ask HN: Who wants to be hired? (Now)", open_at),
            thread_hit(2000, "Ask HN: Who is hiring? (Before)", closed_at)]
    server.route(LIST_PATH, Reply.json(thread_list(hits)))
    first = thread_item(3000, "Ask HN: Who is hiring? (Now)", open_at, 3)
    server.route(item_path(3000), Reply.json(first))
    config = write_config(tmp_path, server.url, board("hn", "whoishiring", "Hacker News"), fast_hn(server.url))
    db = tmp_path / "jobtone.duckdb"

    server.route(item_path(2000), Reply.json(thread_item(2000, "Ask HN: Who is hiring? (Before)", closed_at, 2)))
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 0, err
    assert query(db, "SELECT external_id FROM postings ORDER BY 1") == [("2001",), ("2002",), ("3001",), ("3002",), ("3003",)]
    assert server.hits(item_path(2000)) == 1  # the first run loads the history too (once)

    grown = copy.deepcopy(first)
    grown["children"][1]["text"] = "Edited | Now hiring remote | Anywhere"
    grown["children"].append(comment(3004, 3000, open_at + 7200, template=3))
    server.route(item_path(3000), Reply.json(grown))
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 0, err
    assert query(db, "SELECT command, new, updated FROM runs ORDER BY started_at") == [
        ("backfill hn", 5, 0), ("run", 0, 0), ("run", 1, 1)]
    assert query(db, "SELECT company FROM postings WHERE external_id = '3002'") == [("Edited",)]
    assert query(db, "SELECT count(*) FROM posting_history WHERE posting_id = "
                     "(SELECT posting_id FROM postings WHERE external_id = '3002')") == [(1,)]
    assert server.hits(item_path(2000)) == 1  # closed and stored: never fetched again


def test_run_fills_a_gap_back_to_the_newest_stored_thread(tmp_path, server):
    now = int(datetime.now(timezone.utc).timestamp())
    hits = [thread_hit(5000, "Ask HN: Who is hiring? (C)", now - 10 * 86400),
            thread_hit(4000, "Ask HN: Who is hiring? (B)", now - 70 * 86400),
            thread_hit(3000, "Ask HN: Who is hiring? (A)", now - 100 * 86400),
            thread_hit(2000, "Ask HN: Who is hiring? (Z)", now - 130 * 86400)]
    for hit in hits:
        story = int(hit["objectID"])
        server.route(item_path(story), Reply.json(thread_item(story, hit["title"], hit["created_at_i"], 2)))
    config = write_config(tmp_path, server.url, board("hn", "whoishiring", "Hacker News"), fast_hn(server.url))
    server.route(LIST_PATH, Reply.json(thread_list(hits[2:])))  # an old run saw A as the newest thread...
    code, _, err = jobtone("--config", str(config), "backfill", "hn")
    assert code == 0, err
    server.route(LIST_PATH, Reply.json(thread_list(hits)))  # ...then B and C came out
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 0, err
    threads = query(tmp_path / "jobtone.duckdb", "SELECT DISTINCT fingerprint FROM postings ORDER BY 1")
    assert threads == [("2000",), ("3000",), ("4000",), ("5000",)]
    assert server.hits(item_path(3000)) == 1 and server.hits(item_path(2000)) == 1  # not fetched again


def test_overlapping_pages_give_each_thread_once(server):
    t = epoch("2026-05-01T15:00:00")
    page = {**thread_list([thread_hit(10, "Ask HN: Who is hiring? (May 2026)", t)]), "nbPages": 3}
    server.route(LIST_PATH, Reply.json(page))  # every page the same, as a search whose results shift can
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    assert [t.story_id for t in hn.fetch_threads(client, server.url)] == [10]
    assert server.hits(LIST_PATH) == 3


def test_a_failing_hacker_news_history_does_not_stop_the_boards(tmp_path, server):
    server.route(LIST_PATH, Reply(500))  # the thread search keeps failing
    server.route("/v1/boards/anthropic/jobs", Reply.file("greenhouse/anthropic.json"))
    config = write_config(tmp_path, server.url, board("hn", "whoishiring", "Hacker News")
                          + board("greenhouse", "anthropic", "Anthropic"), fast_hn(server.url))
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 1, err  # partial failure
    assert "Hacker News history not loaded" in err
    db = tmp_path / "jobtone.duckdb"
    assert query(db, "SELECT board, count(*) FROM postings GROUP BY ALL") == [("anthropic", 4)]
    assert query(db, "SELECT board, status FROM board_runs ORDER BY board") == [("anthropic", "ok"), ("whoishiring", "failed")]
    assert (tmp_path / "reports" / "index.html").exists()
