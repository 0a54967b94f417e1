"""Wayback backfill: the recorded CDX responses (text paging with resume keys, a blocked site, repeated
rows), raw captures dispatched to the ATS and JSON-LD parsers, capture dates, and the Archive's limits."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from e2e import jobtone, query, write_config
from replay import Reply, fixture_bytes
from scraper.backfill import Sighting, fit_in_time
from scraper.http import Client, HostLimit, HttpSettings
from scraper.posting import Posting
from scraper.wayback import (
    Capture,
    WaybackSettings,
    ats_route,
    distinct_captures,
    fetch_capture,
    list_captures,
    parse_cdx,
)

CDX = "/cdx/search/cdx"
PAGE_1 = fixture_bytes("wayback/edgi_cdx_search_multipage_resumekey.i0.status200.body.txt").decode()
PAGE_2 = fixture_bytes("wayback/edgi_cdx_search_multipage_resumekey.i1.status200.body.txt").decode()
KEY_1, KEY_2 = "com%2Ccnn%29%2F+2001041400593%3A", "com%2Ccnn%29%2F+20010503212619"
FAST = "[wayback]\ncdx_interval = 0\ncapture_interval = 0\nwait_429 = 0.01\n"
GH_URL = "https://boards-api.greenhouse.io/v1/boards/anthropic/jobs?content=true"
ANTHROPIC = json.loads(fixture_bytes("greenhouse/anthropic.json"))


def cdx_rows(*rows: tuple[str, str, str]) -> str:
    """CDX text output in the recorded format: urlkey timestamp original mimetype statuscode digest length."""
    return "".join(f"key)/ {ts} {url} text/html 200 {digest} 1000\n" for ts, url, digest in rows)


def memento(ts: str, url: str) -> str:
    return f"/web/{ts}id_/{url.split('?')[0]}"


# -- CDX listing --------------------------------------------------------------------------------------

def test_recorded_text_pages_and_resume_keys():
    first, second = parse_cdx(PAGE_1), parse_cdx(PAGE_2)
    assert (len(first.captures), first.resume_key) == (25, KEY_1)  # limit=25
    assert (len(second.captures), second.resume_key) == (25, KEY_2)
    assert first.captures[0] == Capture("20010410213930", "http://www.cnn.com:80/", "200",
                                        "YTEQQRWKL47VHUWFV2NXX7XLEOHMNWZ6", "text/html")
    assert first.captures[0].captured_at == datetime(2001, 4, 10, 21, 39, 30)
    assert parse_cdx("") == parse_cdx("\n") == type(first)([], "")  # the last page is empty


def test_repeated_rows_and_redirects_are_dropped():
    nasa = parse_cdx(fixture_bytes("wayback/edgi_cdx_search_nasa_1996.i0.status200.body.txt").decode())
    assert len(nasa.captures) == 3 and nasa.resume_key == ""
    assert [c.timestamp for c in distinct_captures(nasa.captures)] == ["19961231235847"]
    prefix = parse_cdx(fixture_bytes("wayback/edgi_cdx_search_prefix_filter_statuscode.i0.status200.body.txt").decode())
    kept = list(distinct_captures(prefix.captures))
    # ten rows: seven 200s of one digest (http/https of www.nasa.gov are one page) and three 301s
    assert [(c.timestamp, c.original) for c in kept] == [("20220101003924", "http://www.nasa.gov/")]
    assert prefix.resume_key == "gov%2Cnasa%29%2F+20220101013953"


def test_json_output_with_resume_key():
    body = json.dumps([["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                       ["com,acme)/jobs", "20190102030405", "https://acme.com/jobs", "text/html", "200", "AAA", "10"],
                       ["com,acme)/jobs", "20190202030405", "https://acme.com/jobs", "text/html", "200", "BBB", "11"],
                       [], ["com%2Cacme%29%2Fjobs+20190202030406"]])
    page = parse_cdx(body)
    assert [c.digest for c in page.captures] == ["AAA", "BBB"] and page.resume_key == "com%2Cacme%29%2Fjobs+20190202030406"
    assert parse_cdx("[]").captures == [] and parse_cdx(json.dumps([["timestamp", "original"]])).captures == []


def test_listing_follows_the_recorded_resume_keys(server):
    server.route(CDX, Reply.text(PAGE_1))
    server.route(CDX, Reply.text(PAGE_2), query={"resumeKey": KEY_1})
    server.route(CDX, Reply.text(""), query={"resumeKey": KEY_2})
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    settings = WaybackSettings(root=server.url, cdx_interval=0, page_size=25)
    captures = list(list_captures(client, settings, "cnn.com", 2001, 2001))
    assert len(captures) == 50 and server.hits(CDX) == 3
    first = server.requests[0].query
    assert {k: v[0] for k, v in first.items()} == {"url": "cnn.com", "output": "json", "filter": "statuscode:200",
                                                   "collapse": "digest", "showResumeKey": "true", "limit": "25",
                                                   "from": "2001", "to": "2001"}
    assert [r.query.get("resumeKey") for r in server.requests] == [None, [KEY_1], [KEY_2]]


def test_cdx_requests_are_paced(server):
    """The Archive's CDX limit is a host limit of the client, scoped to the CDX path (Wayback has no pacer)."""
    server.route(CDX, Reply.text(PAGE_1))
    server.route(CDX, Reply.text(PAGE_2), query={"resumeKey": KEY_1})
    server.route(CDX, Reply.text(""), query={"resumeKey": KEY_2})
    slept, clock = [], iter([100.0, 100.5, 105.0])
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)), sleep=slept.append, clock=lambda: next(clock))
    settings = WaybackSettings(root=server.url, cdx_interval=2.0, capture_interval=0, page_size=25)
    settings.limit(client)
    assert len(list(list_captures(client, settings, "cnn.com"))) == 50
    assert slept == [1.5]  # 0.5 s after the first call: wait the rest of 2 s; 3 s after that one: no wait


def test_captures_and_cdx_have_separate_gates_on_one_host(server):
    server.route(CDX, Reply.text(""))
    server.route("/web/20200101000000id_/https://acme.example/jobs", Reply.text("<html></html>", content_type="text/html"))
    slept, clock = [], iter([10.0] * 6)  # no time passes between the requests
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)), sleep=slept.append, clock=lambda: next(clock))
    settings = WaybackSettings(root=server.url, cdx_interval=2.0, capture_interval=0.1)
    settings.limit(client)
    capture = Capture("20200101000000", "https://acme.example/jobs")
    for _ in range(2):
        list(list_captures(client, settings, "acme.example/jobs"))
    for _ in range(2):
        fetch_capture(client, settings, capture)
    assert slept == pytest.approx([2.0, 0.1])  # the second CDX request waits the CDX interval, the second capture the capture one


def test_429_without_retry_after_waits_the_archives_60_seconds(server):
    server.route("/x", Reply(429), Reply.text("ok"))
    server.route("/y", Reply(429, headers={"Retry-After": "5"}), Reply.text("ok"))
    server.route("/z", Reply(503), Reply.text("ok"))
    slept: list[float] = []
    client = Client(HttpSettings(backoff=0.01, default_limit=HostLimit(2, 0.0)), sleep=slept.append)
    client.limit_host(server.url.split("//")[1], WaybackSettings(capture_interval=0).host_limit)
    for path in ("/x", "/y", "/z"):
        assert client.get(server.url + path).text() == "ok"
    assert slept[:2] == [60.0, 5.0] and slept[2] < 1  # a 503 keeps the usual backoff


def test_ats_routes():
    assert ats_route("https://boards-api.greenhouse.io/v1/boards/anthropic/jobs?content=true") == ("greenhouse", "anthropic")
    assert ats_route("http://api.greenhouse.io:80/v1/boards/gitlab/jobs") == ("greenhouse", "gitlab")
    assert ats_route("https://api.lever.co/v0/postings/spotify?mode=json") == ("lever", "spotify")
    assert ats_route("api.eu.lever.co/v0/postings/Acme") == ("lever", "Acme")
    assert ats_route("https://api.ashbyhq.com/posting-api/job-board/ramp?includeCompensation=true") == ("ashby", "ramp")
    assert ats_route("https://boards.greenhouse.io/anthropic/jobs/123") is None  # an HTML page: JSON-LD route
    assert ats_route("https://boards-api.greenhouse.io/v1/boards/anthropic/jobs/123") is None


# -- end to end ------------------------------------------------------------------------------------------

def with_jobs(jobs: list[dict]) -> Reply:
    return Reply.json({**ANTHROPIC, "jobs": jobs})


def test_greenhouse_board_captures(tmp_path, server):
    server.route(CDX, Reply.text(cdx_rows(("20260715000000", GH_URL, "AAA"), ("20260801120000", GH_URL, "BBB"),
                                          ("20260901000000", GH_URL, "AAA"))))
    changed = [dict(job) for job in ANTHROPIC["jobs"][:3]]
    changed[0]["content"] = "&lt;p&gt;A shorter description.&lt;/p&gt;"
    server.route(memento("20260715000000", GH_URL), with_jobs(ANTHROPIC["jobs"]))
    server.route(memento("20260801120000", GH_URL), with_jobs(changed))
    config = write_config(tmp_path, server.url, extra=FAST)
    code, _, err = jobtone("--config", str(config), "backfill", "wayback", GH_URL, "--from", "2026", "--to", "2026")
    assert code == 0, err
    rows = query(tmp_path / "jobtone.duckdb", """
        SELECT external_id, source, board, posted_at, date_source, first_seen_at, last_seen_at, text FROM postings ORDER BY 1""")
    assert [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in rows] == [
        ("5023394008", "greenhouse", "anthropic", "first_published", datetime(2026, 7, 15), datetime(2026, 8, 1, 12)),
        ("5101378008", "greenhouse", "anthropic", "first_published", datetime(2026, 7, 15), datetime(2026, 7, 15)),
        ("5215052008", "greenhouse", "anthropic", "first_published", datetime(2026, 7, 15), datetime(2026, 8, 1, 12)),
        ("5311686008", "greenhouse", "anthropic", "first_published", datetime(2026, 7, 15), datetime(2026, 8, 1, 12)),
    ]
    assert rows[3][3] == datetime(2026, 7, 10, 20, 15, 41) and rows[3][7] == "A shorter description."
    assert query(tmp_path / "jobtone.duckdb", "SELECT count(*), min(valid_to) FROM posting_history") == [
        (1, datetime(2026, 8, 1, 12))]
    assert server.hits(memento("20260901000000", GH_URL)) == 0  # same digest as the first: stored once
    assert query(tmp_path / "jobtone.duckdb", "SELECT command, status, fetched, new, updated FROM runs") == [
        ("backfill wayback", "ok", 7, 4, 1)]


def test_an_old_capture_never_overwrites_newer_wording(tmp_path, server):
    server.route("/v1/boards/anthropic/jobs", Reply.file("greenhouse/anthropic.json"))
    config = write_config(tmp_path, server.url, extra=FAST)
    assert jobtone("--config", str(config), "scrape", "greenhouse:anthropic")[0] == 0
    db = tmp_path / "jobtone.duckdb"
    live = query(db, "SELECT external_id, text, last_seen_at FROM postings ORDER BY 1")
    old = [dict(job) for job in ANTHROPIC["jobs"]]
    old[0]["content"] = "&lt;p&gt;The 2026 July wording.&lt;/p&gt;"
    server.route(CDX, Reply.text(cdx_rows(("20260716000000", GH_URL, "OLD"))))
    server.route(memento("20260716000000", GH_URL), with_jobs(old))
    assert jobtone("--config", str(config), "backfill", "wayback", GH_URL)[0] == 0
    assert query(db, "SELECT external_id, text, last_seen_at FROM postings ORDER BY 1") == live
    assert query(db, "SELECT DISTINCT first_seen_at FROM postings") == [(datetime(2026, 7, 16),)]
    assert query(db, "SELECT count(*) FROM posting_history") == [(0,)]


def test_career_page_captures_with_json_ld(tmp_path, server):
    url = "https://careers.acme.example/jobs/7"
    undated = ('<html><head><script type="application/ld+json">{"@type": "JobPosting", "title": "Welder",'
               ' "description": "<p>Shifts</p>"}</script>%s</head></html>')
    server.route(CDX, Reply.text(cdx_rows(("20171124151315", url, "BIRDS"), ("20180301000000", url, "W1"),
                                          ("20180401000000", url, "W2"), ("20190101000000", url, "INDEED"))))
    server.route(memento("20171124151315", url), Reply.file("wayback/edgi_memento_id_mode_fws_birds.i0.status200.body.html",
                                                            content_type="text/html"))
    server.route(memento("20180301000000", url), Reply.text(undated % "", content_type="text/html"))
    server.route(memento("20180401000000", url), Reply.text(undated % "<title>new</title>", content_type="text/html"))
    server.route(memento("20190101000000", url), Reply.file("jsonld_html/indeed_au_viewjob.html", content_type="text/html"))
    config = write_config(tmp_path, server.url, extra=FAST)
    code, _, err = jobtone("--config", str(config), "backfill", "wayback", url)
    assert code == 0, err
    rows = query(tmp_path / "jobtone.duckdb", """SELECT source, board, external_id, title, posted_at, date_source,
                                                        last_seen_at FROM postings ORDER BY posted_at""")
    assert rows == [
        ("page", url, "careers.acme.example/jobs/7", "Welder", datetime(2018, 3, 1), "capture", datetime(2018, 4, 1)),
        ("page", url, "au.indeed.com/viewjob?jk=54f1f8af68d722d2", "Senior DevOps Engineer",
         datetime(2026, 8, 6, 7, 39, 35, 941000), "datePosted", datetime(2019, 1, 1)),
    ]
    assert "4 captures, 0 failed; 3 postings, 2 new" in err


def test_a_blocked_site_is_a_clear_message(tmp_path, server):
    body = fixture_bytes("wayback/edgi_cdx_search_blocked_403.i0.status403.body.txt")
    server.route(CDX, Reply(403, body, {"Content-Type": "text/plain;charset=UTF-8",
                                        "X-Archive-Wayback-Runtime-Error": body.decode().strip()}))
    config = write_config(tmp_path, server.url, extra=FAST)
    code, _, err = jobtone("--config", str(config), "backfill", "wayback", "https://nationalpost.com/health")
    assert code == 1
    assert err.splitlines()[-1].startswith("jobtone: cannot backfill https://nationalpost.com/health from the Wayback "
                                           "Machine: the Internet Archive blocks this site (HTTP 403 Blocked Site)")
    assert "Traceback" not in err


def test_a_429_from_cdx_is_waited_out_and_failed_captures_are_recorded(tmp_path, server):
    url = "https://careers.acme.example/jobs/8"
    server.route(CDX, Reply(429), Reply.text(cdx_rows(("20200101000000", url, "A"), ("20200201000000", url, "B"))))
    server.route(memento("20200101000000", url), Reply(404))
    server.route(memento("20200201000000", url), Reply.file("jsonld_html/indeed_au_viewjob.html", content_type="text/html"))
    config = write_config(tmp_path, server.url, extra=FAST)
    code, _, err = jobtone("--config", str(config), "backfill", "wayback", url)
    assert code == 1 and "20200101000000" in err and "not found" in err
    assert server.hits(CDX) == 2
    assert query(tmp_path / "jobtone.duckdb", "SELECT count(*) FROM postings") == [(1,)]


# -- fitting captures into the stored timeline (pure) ----------------------------------------------------

def posting(external_id: str, text: str = "t", posted_at: datetime | None = None, date_source: str = "") -> Posting:
    return Posting("page", "b", external_id, "T", text, posted_at, date_source)


@pytest.mark.parametrize("sighting, expected", [
    (None, ("t", datetime(2020, 5, 1), "capture", False)),  # new: as it is
    (Sighting(datetime(2020, 1, 1), False, datetime(2019, 6, 1), "capture"), ("t", datetime(2019, 6, 1), "capture", False)),
    (Sighting(datetime(2021, 1, 1), False, datetime(2020, 9, 1), "capture"), ("t", datetime(2020, 5, 1), "capture", True)),
    (Sighting(datetime(2021, 1, 1), False, datetime(2020, 9, 1), "datePosted"), ("t", None, "capture", True)),
    (Sighting(datetime(2021, 1, 1), True, datetime(2020, 9, 1), "capture"), None),  # removed after a later sighting
])
def test_fit_in_time(sighting, expected):
    p = posting("1", posted_at=datetime(2020, 5, 1), date_source="capture")
    known = {p.posting_id: sighting} if sighting else {}
    fitted = fit_in_time([p], datetime(2020, 5, 1), known)
    assert [(f.text, f.posted_at, f.date_source, f.seen_only) for f in fitted] == ([expected] if expected else [])
