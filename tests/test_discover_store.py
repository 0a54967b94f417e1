"""`jobtone discover` on real DuckDB files: the SQL scan, evidence, checks against the replay server,
enrolment and retirement."""

import _thread
import json
import threading
import time
from datetime import datetime, timedelta

import duckdb
import pytest

from e2e import board, jobtone, query, write_config
from replay import Reply
from scraper import discovery_store as ds
from scraper import store
from scraper.board_check import CheckResult, check_boards
from scraper.config import load_config
from scraper.discover import find_boards
from scraper.posting import Posting
from scraper.sources import Board, hn
from test_hn import JULY_2026, LIST_PATH, fast_hn, item_path, thread_hit, thread_list

T0 = datetime(2026, 7, 1, 16, 0)

# Top-level comments shaped like the recorded thread (tests/fixtures/hn_algolia/item_48747976_trimmed.json)
COMMENTS = [
    'Acme AI | Remote | <a href="https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;acme-ai&#x2F;3f1c" rel="nofollow">'
    'https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;acme-ai&#x2F;3f1c</a>',
    'Beta Corp | NYC | Apply: <a href="https:&#x2F;&#x2F;boards.greenhouse.io&#x2F;embed&#x2F;job_board?for=betacorp" '
    'rel="nofollow">https:&#x2F;&#x2F;boards.greenhouse.io&#x2F;embed&#x2F;job_board?for=betacorp</a>',
    'Gone Inc | SF | https:&#x2F;&#x2F;jobs.lever.co&#x2F;goneinc&#x2F;1 and <a href="https:&#x2F;&#x2F;jobs.lever.co&#x2F;goneinc">'
    'jobs</a>',
    'Flaky | Berlin | https:&#x2F;&#x2F;apply.workable.com&#x2F;flaky&#x2F;j&#x2F;AB12&#x2F;',
    'Acme AI | again | https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;acme-ai',
    'Visa | https:&#x2F;&#x2F;jobs.smartrecruiters.com&#x2F;Visa&#x2F;744000133907678-sr-manager '
    'and https:&#x2F;&#x2F;gdit.wd5.myworkdayjobs.com&#x2F;en-US&#x2F;External_Career_Site&#x2F;job&#x2F;x',
    "Nothing here | no links at all <p>just words about jobs, careers and the api",
]


def thread(comments=COMMENTS, start=0):
    children = [{"id": 1000 + start + i, "type": "comment", "text": text, "created_at_i": 1782918112 + 60 * i,
                 "parent_id": 48747976, "story_id": 48747976, "children": []} for i, text in enumerate(comments)]
    return {"id": 48747976, "title": "Ask HN: Who is hiring? (July 2026)", "children": children}


def load_thread(db, doc, seen_at=T0):
    with store.opened(db) as con:
        store.load_postings(con, hn.parse(doc, Board("hn", "whoishiring")), seen_at)


def scanned(db, now=T0, configured=()):
    with store.opened(db) as con:
        stats = ds.scan(con, now)
        return stats, {(r["ats"], r["token"]): r for r in ds.candidates(con, configured, evidence=True)}


EXPECTED = {("ashby", "acme-ai"), ("greenhouse", "betacorp"), ("lever", "goneinc"), ("workable", "flaky"),
            ("smartrecruiters", "Visa"), ("workday", "gdit.wd5/gdit/External_Career_Site")}


def test_sql_scan_finds_what_find_boards_finds(tmp_path):
    db = tmp_path / "j.duckdb"
    load_thread(db, thread())
    stats, found = scanned(db)
    assert set(found) == EXPECTED
    in_python = {(c.ats, c.token) for text in COMMENTS for c in find_boards(text)}
    assert in_python == EXPECTED
    assert (stats.boards, stats.new_boards, stats.links) == (6, 6, 7)  # acme-ai is named by two postings


def test_evidence_names_postings_urls_and_companies(tmp_path):
    db = tmp_path / "j.duckdb"
    load_thread(db, thread())
    _, found = scanned(db)
    acme = found[("ashby", "acme-ai")]
    assert acme["company"] == "Acme AI" and acme["status"] == "new" and acme["mentions"] == 2
    assert [e["posting_url"] for e in acme["evidence"]] == [hn.ITEM_URL.format(1000), hn.ITEM_URL.format(1004)]
    assert acme["evidence"][0]["url"] == "jobs.ashbyhq.com/acme-ai/3f1c"
    assert acme["first_posted"] < acme["last_posted"]
    # the comment naming two boards says whose company it is for neither
    assert found[("smartrecruiters", "Visa")]["company"] is None


def test_discover_twice_adds_nothing_and_moves_last_seen(tmp_path):
    db = tmp_path / "j.duckdb"
    load_thread(db, thread())
    scanned(db, T0)
    stats, found = scanned(db, T0 + timedelta(days=1))
    assert stats.new_boards == 0
    assert query(db, "SELECT count(*) FROM discovered_boards") == [(6,)]
    assert query(db, "SELECT count(*), count(DISTINCT (ats, token, posting_id)) FROM board_evidence") == [(7, 7)]
    evidence = found[("ashby", "acme-ai")]["evidence"][0]
    assert (evidence["first_seen"], evidence["last_seen"]) == (T0, T0 + timedelta(days=1))
    # a new month's thread names a known board again: one more piece of evidence, still one board
    load_thread(db, thread(["Acme AI | https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;acme-ai&#x2F;9"], start=100))
    _, found = scanned(db, T0 + timedelta(days=2))
    assert found[("ashby", "acme-ai")]["mentions"] == 3 and len(found) == 6


def test_one_board_whatever_the_case_of_its_links(tmp_path):
    # the shared corpus' HN comments link jobs.ashbyhq.com/Solace and /solace, /Cleric and /cleric
    db = tmp_path / "j.duckdb"
    load_thread(db, thread(["Solace | https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;Solace&#x2F;1",
                            "Solace | https:&#x2F;&#x2F;jobs.ashbyhq.com&#x2F;solace",
                            "Solace again | jobs.ashbyhq.com&#x2F;solace&#x2F;2 and jobs.ashbyhq.com&#x2F;Solace&#x2F;2"]))
    stats, found = scanned(db)
    assert (stats.boards, stats.links, list(found)) == (1, 3, [("ashby", "solace")])  # the spelling most postings use
    load_thread(db, thread(["Solace | jobs.ashbyhq.com&#x2F;Solace"] * 3, start=100))
    stats, found = scanned(db, T0 + timedelta(days=1))
    assert (stats.new_boards, list(found), found[("ashby", "solace")]["mentions"]) == (0, [("ashby", "solace")], 6)


def test_configured_boards_are_marked_and_never_checked(tmp_path):
    db = tmp_path / "j.duckdb"
    load_thread(db, thread())
    configured = ds.configured_keys([Board("smartrecruiters", "visa"), Board("workday", "gdit.wd5/gdit/External_Career_Site")])
    _, found = scanned(db, configured=configured)
    assert found[("smartrecruiters", "Visa")]["status"] == "configured"
    assert found[("workday", "gdit.wd5/gdit/External_Career_Site")]["status"] == "configured"
    with store.opened(db) as con:
        keys = {b.key for b in ds.boards_to_check(con, T0, 30, configured)}
    assert keys == {"ashby:acme-ai", "greenhouse:betacorp", "lever:goneinc", "workable:flaky"}


def serve_boards(server):
    server.route("/posting-api/job-board/acme-ai", Reply.file("ashby/ramp.json"))
    server.route("/v1/boards/betacorp/jobs", Reply.json({"jobs": [], "meta": {"total": 0}}))  # exists, empty
    server.route("/api/v1/widget/accounts/flaky", Reply(status=500))  # failed, after the retries
    server.route("/v1/companies/Visa/postings", Reply.file("smartrecruiters/abhibattula_visa_postings_list.json"))
    server.route("/wday/cxs/gdit/External_Career_Site/jobs", Reply.file("bigtech/workday/lubobali_gdit_cxs_jobs_search.json"),
                 method="POST")
    # lever:goneinc is not routed: the replay server answers 404


def test_check_records_ok_not_found_and_failed(tmp_path, server):
    serve_boards(server)
    config = load_config(write_config(tmp_path, server.url))
    boards = [Board("ashby", "acme-ai"), Board("greenhouse", "betacorp"), Board("lever", "goneinc"),
              Board("workable", "flaky"), Board("smartrecruiters", "Visa"), Board("workday", "gdit.wd5/gdit/External_Career_Site")]
    results = {r.ats: r for r in check_boards(config, boards, T0)}
    assert {k: (r.status, r.postings) for k, r in results.items()} == {
        "ashby": ("ok", 4), "greenhouse": ("ok", 0), "lever": ("not_found", None), "workable": ("failed", None),
        "smartrecruiters": ("ok", 2), "workday": ("ok", 644)}
    assert "HTTP 500" in results["workable"].error and results["lever"].url.endswith("/v0/postings/goneinc?mode=json")
    assert server.hits("/api/v1/widget/accounts/flaky") == 3  # once, retried twice ([http] retries = 2)


def test_ctrl_c_during_the_checks_does_not_wait_for_the_checks_under_way(tmp_path, server):
    server.route("/v1/boards/slowcorp/jobs", Reply.json({"jobs": [], "meta": {"total": 0}}, delay=600))
    config = load_config(write_config(tmp_path, server.url))

    def interrupt_once_fetching() -> None:
        while not server.hits("/v1/boards/slowcorp/jobs"):
            time.sleep(0.02)
        _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread
    threading.Thread(target=interrupt_once_fetching, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        check_boards(config, [Board("greenhouse", "slowcorp")], T0)
    # the check under way was left behind, not waited for (it waits for an answer 600 s away)
    assert any(t.name.startswith("ThreadPoolExecutor") and t.is_alive() for t in threading.enumerate())


def test_discover_check_add_from_the_command_line(tmp_path, server):
    serve_boards(server)
    config = write_config(tmp_path, server.url, board("smartrecruiters", "Visa"))
    db = tmp_path / "jobtone.duckdb"
    load_thread(db, thread())
    code, out, err = jobtone("--config", str(config), "discover", "--check", "--add", "--format", "json")
    assert code == 0, err
    rows = {(r["ats"], r["token"]): r for r in json.loads(out)}
    assert {k: r["status"] for k, r in rows.items()} == {
        ("ashby", "acme-ai"): "enrolled", ("greenhouse", "betacorp"): "ok", ("lever", "goneinc"): "not_found",
        ("workable", "flaky"): "failed", ("smartrecruiters", "Visa"): "configured",
        ("workday", "gdit.wd5/gdit/External_Career_Site"): "enrolled"}
    acme = rows[("ashby", "acme-ai")]
    assert acme["company"] == "Acme AI" and acme["postings"] == 4 and len(acme["evidence"]) == 2
    assert server.hits("/v1/companies/Visa/postings") == 0  # configured: scraped anyway, never checked
    with duckdb.connect(str(db), read_only=True) as con:
        assert [b.key for b in ds.enrolled_boards(con)] == ["ashby:acme-ai", "workday:gdit.wd5/gdit/External_Career_Site"]
    # a second discover checks nothing again (all were checked less than recheck_days ago)
    before = len(server.requests)
    code, out, _ = jobtone("--config", str(config), "discover", "--check", "--add")
    assert code == 0 and len(server.requests) == before
    assert "acme-ai" in out and "enrolled" in out
    code, out, _ = jobtone("--config", str(config), "sources")
    assert "Discovered boards" in out.split("The 2022 study's companies")[1] and "ashby:acme-ai" in out


def test_discover_as_a_library_call(tmp_path, server):
    from jobtone.job import discover
    serve_boards(server)
    config = load_config(write_config(tmp_path, server.url))
    load_thread(config.db_path, thread())
    clock = iter([T0, T0 + timedelta(minutes=1)] + [T0 + timedelta(hours=1)] * 10)
    # the time budget ends before the second check: the others are left for next time
    first = discover(config, check=True, add=True, now=lambda: next(clock), until=T0 + timedelta(minutes=30))
    assert (first.scan.boards, len(first.checked), first.unchecked) == (6, 1, 5)
    assert first.checked[0].token == "acme-ai" and first.enrolled == 1  # the most linked board is checked first
    found = discover(config, check=True, add=True, now=lambda: T0 + timedelta(hours=2))
    assert (first.scan.new_boards, found.scan.new_boards, len(found.checked), found.unchecked) == (6, 0, 5, 0)
    assert (found.enrolled, found.retired) == (2, 0)  # SmartRecruiters and Workday; Greenhouse lists none
    assert discover(config, now=lambda: T0 + timedelta(hours=3)).checked == ()  # without `check`: the scan only


def test_recheck_after_recheck_days(tmp_path):
    db = tmp_path / "j.duckdb"
    load_thread(db, thread())
    with store.opened(db) as con:
        ds.scan(con, T0)
        ds.record_checks(con, [CheckResult("lever", "goneinc", T0, "not_found")])
        soon = {b.key for b in ds.boards_to_check(con, T0 + timedelta(days=29), 30, [])}
        later = {b.key for b in ds.boards_to_check(con, T0 + timedelta(days=31), 30, [])}
    assert "lever:goneinc" not in soon and "lever:goneinc" in later


def test_auto_in_the_config_checks_and_enrols(tmp_path, server):
    serve_boards(server)
    config = write_config(tmp_path, server.url, extra="[discover]\nauto = true\nrecheck_days = 7\n")
    load_thread(tmp_path / "jobtone.duckdb", thread())
    assert load_config(config).discover.recheck_days == 7
    code, out, err = jobtone("--config", str(config), "discover", "--format", "csv")
    assert code == 0, err
    assert "ashby,acme-ai,Acme AI,enrolled,4" in out


def test_a_board_not_found_three_times_is_retired_and_not_scraped(tmp_path, server):
    server.route("/posting-api/job-board/acme-ai", Reply.file("ashby/ramp.json"))
    config = write_config(tmp_path, server.url)
    db = tmp_path / "jobtone.duckdb"
    load_thread(db, thread())
    assert jobtone("--config", str(config), "discover", "--check", "--add")[0] == 0
    server.route("/posting-api/job-board/acme-ai", Reply(status=404))  # the board is gone
    for _ in range(2):
        jobtone("--config", str(config), "scrape", "ashby:acme-ai")  # what `jobtone run` records for it
    with store.opened(db) as con:
        assert ds.retire_missing(con, T0 + timedelta(days=1)) == 0  # two "not found" so far
    jobtone("--config", str(config), "scrape", "ashby:acme-ai")
    with store.opened(db) as con:
        assert ds.retire_missing(con, T0 + timedelta(days=2)) == 1
        assert ds.enrolled_boards(con) == []
        rows = {r["token"]: r for r in ds.candidates(con)}
    assert rows["acme-ai"]["status"] == "retired"
    assert query(db, "SELECT count(*) FROM enrolled_boards WHERE retired_at IS NOT NULL") == [(1,)]  # kept
    # found again by a later check: enrolled again
    with store.opened(db) as con:
        ds.record_checks(con, [CheckResult("ashby", "acme-ai", datetime.now(), "ok", 4)])
        assert ds.enrol(con, T0 + timedelta(days=40)) == 1
        assert [b.key for b in ds.enrolled_boards(con)] == ["ashby:acme-ai"]


def test_enrolled_boards_on_a_file_discovery_never_touched(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        pass
    with duckdb.connect(str(db), read_only=True) as con:
        assert ds.enrolled_boards(con) == []


def test_from_pages_reads_only_career_pages(tmp_path):
    db = tmp_path / "j.duckdb"
    load_thread(db, thread())
    page = {"@type": "JobPosting", "hiringOrganization": {"name": "Pagey", "sameAs": "https://jobs.lever.co/pagey"}}
    with store.opened(db) as con:
        store.load_postings(con, [Posting("page", "https://pagey.com/jobs", "1", "Engineer", "text", T0,
                                          company="Pagey", raw=json.dumps(page))], T0)
        stats = ds.scan(con, T0, ["pages"])
    assert (stats.boards, stats.new_boards) == (1, 1)


def test_new_user_path_hn_backfill_then_discover_check_add(tmp_path, server):
    """HN threads loaded from the replay server with `jobtone backfill hn`, then discovery as a user runs it."""
    server.route(LIST_PATH, Reply.json(thread_list([thread_hit(48747976, "Ask HN: Who is hiring? (July 2026)", JULY_2026)])))
    server.route(item_path(48747976), Reply.json(thread()))
    serve_boards(server)
    config = write_config(tmp_path, server.url, extra=fast_hn(server.url))
    code, _, err = jobtone("--config", str(config), "backfill", "hn", "--since", "2026-07")
    assert code == 0, err
    code, out, err = jobtone("--config", str(config), "discover", "--check", "--add")
    assert code == 0, err
    lines = {tuple(line.split()[:2]): line for line in out.splitlines()[2:]}
    assert set(lines) == {(ats, token) for ats, token in EXPECTED}
    assert "enrolled" in lines[("ashby", "acme-ai")] and "not_found" in lines[("lever", "goneinc")]
    code, out, _ = jobtone("--config", str(config), "sources")
    assert "ashby:acme-ai" in out and "smartrecruiters:Visa" in out


def test_from_wayback_reads_only_capture_postings(tmp_path):
    db = tmp_path / "j.duckdb"
    load_thread(db, thread())
    with store.opened(db) as con:
        store.load_postings(con, [Posting("page", "https://old.example/jobs", "1", "Engineer", "Apply at jobs.lever.co/oldco",
                                          T0 - timedelta(days=3000), date_source="capture")], T0)
        stats = ds.scan(con, T0, ["wayback"])
    assert (stats.boards, query(db, "SELECT token FROM discovered_boards")) == (1, [("oldco",)])


def test_a_bad_discover_table_is_a_usage_error(tmp_path, server):
    config = write_config(tmp_path, server.url, extra='[discover]\nauto = "yes"\n')
    code, _, err = jobtone("--config", str(config), "discover")
    assert code == 2 and "[discover]" in err
