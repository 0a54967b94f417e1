"""Discovery as a new user meets it: Hacker News threads loaded from the replay server (`jobtone backfill hn`),
then `jobtone discover`, `jobtone discover --check --add`, `jobtone sources` and `jobtone run`, in-process
through the CLI's main.

The threads (tests/fixtures/hn_algolia/discover_threads.json) hold short excerpts of real comments, with
their real ids and dates, that link boards on every ATS jobtone reads. Each board that answers is served a
recorded real response of its ATS (tests/fixtures, see PROVENANCE.md): NVIDIA's Workday board its own
recording; the other boards another company's recording of the same API, since no recording of theirs exists."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

from e2e import board, jobtone, query, write_config
from replay import Reply, fixture_bytes
from test_bigtech_e2e import serve_workday_site
from test_hn import LIST_PATH, REAL_LIST, comment, item_path, thread_hit, thread_item, thread_list

THREADS = json.loads(fixture_bytes("hn_algolia/discover_threads.json"))["threads"]
SEPTEMBER_2017 = 1504278000  # 2017-09-01T15:00:00Z: the thread's day (its time of day is not recorded)

# The boards the recorded threads link, per ATS (what `jobtone discover` lists)
DISCOVERED = {
    "greenhouse": {"cloudflare", "notion", "plotly", "idme"},
    "lever": {"adora", "teleport", "bazaarvoice"},
    "ashby": {"Close", "duck-duck-go", "bitnomial"},
    "workable": {"skiplagged", "seeq", "giskard"},
    "recruitee": {"crazygames", "attendi"},
    "smartrecruiters": {"MaeHealthInc"},
    "workday": {"nvidia.wd5/nvidia/NVIDIAExternalCareerSite", "datastax.wd5/datastax/DataStaxCareers",
                "wd1.myworkdaysite.com/fmr/FidelityCareers", "blueorigin.wd5/blueorigin/BlueOrigin"},
}
NOT_FOUND = {"greenhouse:idme", "lever:bazaarvoice", "workday:datastax.wd5/datastax/DataStaxCareers",
             "workday:wd1.myworkdaysite.com/fmr/FidelityCareers", "workday:blueorigin.wd5/blueorigin/BlueOrigin"}
FAILED = {"workable:giskard"}  # answers HTTP 500


def comment_time(date: str, n: int) -> int:
    """16:30 UTC on the comment's date, a minute apart (after every thread's opening, 15:00-16:01)."""
    day = datetime.fromisoformat(date).replace(hour=16, minute=30 + n, tzinfo=timezone.utc)
    return int(day.timestamp())


def serve_threads(server) -> None:
    """The recorded thread list plus September 2017; each thread with the fixture's comments (or none)."""
    hits = [*REAL_LIST["hits"], thread_hit(15148885, "Ask HN: Who is hiring? (September 2017)", SEPTEMBER_2017)]
    server.route(LIST_PATH, Reply.json(thread_list(hits)))
    comments = {t["id"]: t["comments"] for t in THREADS}
    for hit in hits:
        story, created = int(hit["objectID"]), hit["created_at_i"]
        item = thread_item(story, hit["title"], created, 0)
        item["children"] = [comment(c["id"], story, comment_time(c["date"], n), template=n, text=c["text"], author=None)
                            for n, c in enumerate(comments.get(story, []))]
        server.route(item_path(story), Reply.json(item))


def serve_boards(server) -> None:
    """Every discovered board that answers, with a recorded response of its ATS; the others are not routed (404)."""
    for token, recording in (("cloudflare", "gitlab"), ("notion", "anthropic"), ("plotly", "gitlab")):
        server.route(f"/v1/boards/{token}/jobs", Reply.file(f"greenhouse/{recording}.json"))
    for token, recording in (("adora", "palantir"), ("teleport", "spotify")):
        server.route(f"/v0/postings/{token}", Reply.file(f"lever/{recording}.json"))
    for token, recording in (("Close", "ramp"), ("duck-duck-go", "linear"), ("bitnomial", "ramp")):
        server.route(f"/posting-api/job-board/{token}", Reply.file(f"ashby/{recording}.json"))
    for token in ("skiplagged", "seeq"):
        server.route(f"/api/v1/widget/accounts/{token}", Reply.file("workable/omoji_zaelab_widget_v1_details.json"))
    server.route("/api/v1/widget/accounts/giskard", Reply(status=500))
    for token in ("crazygames", "attendi"):
        server.route(f"/{token}/api/offers/", Reply.file("recruitee/omoji_recruitee_offers_sanitized.json"))
    server.route("/v1/companies/MaeHealthInc/postings", Reply.file("smartrecruiters/abhibattula_visa_postings_list.json"))
    server.route("/v1/companies/MaeHealthInc/postings/744000133907678",
                 Reply.file("smartrecruiters/abhibattula_visa_posting_detail.json"))
    # NVIDIA's own list: its first page for the check, then for the scrape (whose next page is empty); details
    # are GDIT's recorded one with each listed title
    nvidia, listing = "wday/cxs/nvidia/NVIDIAExternalCareerSite", "bigtech/workday/pedrocamargo_nvidia_cxs_jobs_trimmed.json"
    serve_workday_site(server, nvidia, listing, "bigtech/workday/lubobali_gdit_cxs_job_detail_raw.json",
                       "https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite")
    server.route(f"/{nvidia}/jobs", Reply.file(listing), Reply.file(listing), Reply.json({"total": 0, "jobPostings": []}),
                 method="POST")


def test_discover_check_add_and_run_from_the_recorded_threads(tmp_path, server):
    serve_threads(server)
    serve_boards(server)
    host = server.url.split("//", 1)[1]
    fast = f'[http.hosts."{host}"]\nconcurrency = 4\ninterval = 0\n'  # the sources' politeness, lifted for tests
    config = str(write_config(tmp_path, server.url, board("hn", "whoishiring"), fast))
    db = tmp_path / "jobtone.duckdb"

    code, _, err = jobtone("--config", config, "backfill", "hn")
    assert code == 0, err
    assert query(db, "SELECT count(*) FROM postings") == [(sum(len(t["comments"]) for t in THREADS),)]

    # what the stored threads link: every ATS, each board once
    code, out, err = jobtone("--config", config, "discover", "--format", "json")
    assert code == 0, err
    found = json.loads(out)
    per_ats: dict[str, set[str]] = {}
    for row in found:
        per_ats.setdefault(row["ats"], set()).add(row["token"])
    assert per_ats == DISCOVERED
    assert {row["status"] for row in found} == {"new"}
    seeq = next(row for row in found if row["token"] == "seeq")
    assert seeq["company"] == "Seeq" and len(seeq["evidence"]) == 2  # linked in June and July 2025

    # checked once each, enrolled when they list postings
    code, out, err = jobtone("--config", config, "discover", "--check", "--add", "--format", "json")
    assert code == 0, err
    status = {f"{row['ats']}:{row['token']}": row["status"] for row in json.loads(out)}
    assert {k for k, s in status.items() if s == "not_found"} == NOT_FOUND
    assert {k for k, s in status.items() if s == "failed"} == FAILED
    enrolled = {k for k, s in status.items() if s == "enrolled"}
    assert len(enrolled) == 14 and Counter(k.split(":")[0] for k in enrolled) == {
        "greenhouse": 3, "lever": 2, "ashby": 3, "workable": 2, "recruitee": 2, "smartrecruiters": 1, "workday": 1}

    # `jobtone sources`: the configured board, then the enrolled ones apart
    code, out, err = jobtone("--config", config, "sources")
    assert code == 0, err
    configured, discovered = out.split("Discovered boards", 1)
    assert "hn:whoishiring" in configured and "ashby:Close" not in configured
    assert all(key in discovered for key in enrolled) and "greenhouse:idme" not in discovered

    # `jobtone run` scrapes the configured board and every enrolled one
    code, _, err = jobtone("--config", config, "run")
    assert code == 0, err
    scraped = dict(query(db, """SELECT source || ':' || board, status FROM board_runs
                                WHERE run_id = (SELECT run_id FROM runs WHERE command = 'run')"""))
    assert scraped == {**{key: "ok" for key in enrolled}, "hn:whoishiring": "ok"}
    stored = dict(query(db, "SELECT source, count(DISTINCT board) FROM postings WHERE source <> 'hn' GROUP BY ALL"))
    assert stored == {"greenhouse": 3, "lever": 2, "ashby": 3, "workable": 2, "recruitee": 2, "smartrecruiters": 1,
                      "workday": 1}
    assert query(db, "SELECT count(*) FROM postings WHERE board = 'nvidia.wd5/nvidia/NVIDIAExternalCareerSite'") == [(3,)]
