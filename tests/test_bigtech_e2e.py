"""`jobtone run` with the default config's study-company boards, against a replay server serving every recording.

Recorded responses are served as recorded. Where no recording exists (Apple and Netflix details, Zoom and Adobe,
Airbnb/Block/xAI boards), a recording of the same API from another board stands in, re-pointed where a detail must
name its own posting; each such stand-in says so below.
"""

import json
import tomllib

from e2e import jobtone, query, sql_json, write_config
from replay import Reply, fixture_bytes
from scraper.config import default_config_text
from scraper.sources import SOURCES
from scraper.study import ROUTES, STUDY_COMPANIES

STUDY = ("Amazon", "Microsoft", "Netflix", "Apple", "Google", "Zoom", "Airbnb", "Square", "X")
BIGTECH = ("amazon", "eightfold", "apple", "workday", "google")
STUDY_GREENHOUSE = ("airbnb", "block", "xai")


def load(name: str):
    return json.loads(fixture_bytes(name))


def study_boards() -> list[dict]:
    """The default config's boards for the study's companies (plus the other Workday tenants it ships)."""
    boards = tomllib.loads(default_config_text())["board"]
    return [b for b in boards if b["ats"] in BIGTECH or (b["ats"] == "greenhouse" and b["token"] in STUDY_GREENHOUSE)]


def toml_value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def boards_toml(boards: list[dict]) -> str:
    return "\n".join("[[board]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in b.items()) for b in boards)


def config_for(tmp_path, server):
    host = server.url.removeprefix("http://")
    fast = f'[http.hosts."{host}"]\nconcurrency = 4\ninterval = 0\n'  # the sources' 1 s politeness, lifted for tests
    return write_config(tmp_path, server.url, boards_toml(study_boards()), fast)


# -- the replay server's routes, one function per route family --------------------------------------------

def serve_amazon(server) -> None:
    server.route("/en/search.json", Reply.file("bigtech/amazon/jht_search_business_category_compensation_raw.json"))
    server.route("/en/search.json", Reply.file("bigtech/amazon/jht_search_facets_result_limit1_raw.json"),
                 query={"result_limit": "1"})


def serve_eightfold(server) -> None:
    search = load("bigtech/microsoft/pedrocamargo_pcsx_search_query_intern_trimmed.json")
    server.route("/api/pcsx/search", Reply.json(search), query={"start": "0"})
    server.route("/api/pcsx/search", Reply.json({"status": 200, "data": {"positions": [], "count": 102}}),
                 query={"start": "4"})  # the recording was cut to 4 of 102
    for item in search["data"]["positions"]:
        detail = load("bigtech/microsoft/rahulkr_pcsx_position_details_trimmed.json")
        detail["data"]["id"] = item["id"]  # the one recorded detail, re-pointed at each listed position
        server.route("/api/pcsx/position_details", Reply.json(detail), query={"position_id": str(item["id"])})
    netflix = load("bigtech/netflix/jashanjodhb_eightfold_apply_v2_jobs_query_intern.json")
    server.route("/api/apply/v2/jobs", Reply.json(netflix))
    for item in netflix["positions"]:  # no recorded detail: the list item with its description filled in
        server.route(f"/api/apply/v2/jobs/{item['id']}", Reply.json({**item, "job_description": f"<p>{item['name']}</p>"}))


def serve_apple(server) -> None:
    server.route("/api/v1/CSRFToken", Reply(200, b"{}", {"Content-Type": "application/json",
                                                            "x-apple-csrf-token": "abc123", "Set-Cookie": "jssid=1"}))
    search = load("bigtech/apple/rahulkr_api_v1_search_trimmed.json")
    server.route("/api/v1/search", Reply.json(search), Reply.json({"res": {"searchResults": [], "totalRecords": 0}}),
                 Reply.json(search), Reply.json({"res": {"searchResults": [], "totalRecords": 0}}), method="POST")
    for row in search["res"]["searchResults"]:  # no recorded jobDetails: shaped as the reference describes it
        server.route(f"/api/v1/jobDetails/{row['positionId']}",
                     Reply.json({"res": {"positionId": row["positionId"], "description": row["postingTitle"]}}))


def serve_google(server) -> None:
    path = "/about/careers/applications/jobs/results/"
    server.route(path, Reply.file("bigtech/google/pedrocamargo_results_page_ds1_reserialized.html", content_type="text/html"))
    empty = "<script>AF_initDataCallback({key: 'ds:1', hash: '3', data:[[], null, 78, 20], sideChannel: {}});</script>"
    server.route(path, Reply.text(empty, content_type="text/html"), query={"page": "2"})


def serve_workday_site(server, cxs: str, listing: str, detail: str, site_url: str) -> None:
    rows = load(listing)["jobPostings"]
    server.route(f"/{cxs}/jobs", Reply.file(listing), Reply.json({"total": 0, "jobPostings": []}),
                 Reply.file(listing), Reply.json({"total": 0, "jobPostings": []}), method="POST")
    for row in rows:
        info = load(detail)
        info["jobPostingInfo"].update(title=row["title"], externalUrl=site_url + row["externalPath"])
        server.route(f"/{cxs}{row['externalPath']}", Reply.json(info))


def serve_workday(server) -> None:
    gdit = ("bigtech/workday/lubobali_gdit_cxs_jobs_search.json", "bigtech/workday/lubobali_gdit_cxs_job_detail_raw.json")
    wd = ("bigtech/workday/candidatezero_workday_tenant_jobs_trimmed.json",
          "bigtech/workday/candidatezero_workday_tenant_job_detail_trimmed.json")
    # NVIDIA and Salesforce lists are their own recordings; Zoom and Adobe have none, so other tenants' stand in.
    serve_workday_site(server, "wday/cxs/nvidia/NVIDIAExternalCareerSite", "bigtech/workday/pedrocamargo_nvidia_cxs_jobs_trimmed.json",
                       gdit[1], "https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite")
    serve_workday_site(server, "wday/cxs/salesforce/External_Career_Site", "bigtech/workday/omoji_salesforce_cxs_jobs_trimmed.json",
                       gdit[1], "https://salesforce.wd12.myworkdayjobs.com/External_Career_Site")
    serve_workday_site(server, "wday/cxs/zoom/Zoom", *wd, "https://zoom.wd5.myworkdayjobs.com/Zoom")
    serve_workday_site(server, "wday/cxs/adobe/external_experienced", *gdit, "https://adobe.wd5.myworkdayjobs.com/external_experienced")


def serve_greenhouse(server) -> None:
    board = load("greenhouse/anthropic.json")  # no recording of these three boards: another board's jobs stand in
    server.route("/v1/boards/airbnb/jobs", Reply.json(board))
    server.route("/v1/boards/xai/jobs", Reply.json(board))
    units = ["Square", "Square", "Cash App", None]
    for job, unit in zip(board["jobs"], units):
        job["metadata"] = job["metadata"] + ([{"id": 1, "name": "Business Unit", "value": unit, "value_type": "single_select"}]
                                             if unit else [])
    server.route("/v1/boards/block/jobs", Reply.json(board))


def serve_everything(server) -> None:
    for serve in (serve_amazon, serve_eightfold, serve_apple, serve_google, serve_workday, serve_greenhouse):
        serve(server)


# -- tests ------------------------------------------------------------------------------------------------

def test_default_config_has_a_board_for_nine_study_companies_and_none_for_meta():
    companies = {b["company"] for b in study_boards()}
    assert set(STUDY) <= companies and not any("Meta" in c or "Facebook" in c for c in companies)
    assert {b["company"]: b.get("metadata") for b in study_boards()}["Square"] == {"Business Unit": "Square"}


def test_coverage_table_names_a_registered_route_for_every_company_but_meta():
    assert len(STUDY_COMPANIES) == 10
    for company in STUDY_COMPANIES:
        route = ROUTES[company.source]
        if company.source == "meta":
            assert route.source == "" and "jobtone import" in route.route
        else:
            assert route.source in SOURCES, company


def test_run_covers_nine_study_companies(tmp_path, server):
    serve_everything(server)
    config = config_for(tmp_path, server)
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 0, err
    db = tmp_path / "jobtone.duckdb"
    counts = dict(query(db, "SELECT company, count(*) FROM postings WHERE text <> '' AND posted_at IS NOT NULL GROUP BY company"))
    assert counts == {"Amazon": 2, "Microsoft": 4, "Netflix": 2, "Apple": 3, "Google": 2, "Zoom": 4, "NVIDIA": 3,
                      "Salesforce": 2, "Adobe": 4, "Airbnb": 4, "Square": 2, "X": 4}
    assert set(STUDY) <= set(counts)
    dates = dict(query(db, "SELECT company, min(date_source) FROM postings GROUP BY company"))
    assert dates["Zoom"] == "startDate" and dates["Amazon"] == "posted_date" and dates["Microsoft"] == "postedTs"
    assert query(db, "SELECT count(*) FROM postings WHERE source = 'amazon' AND boilerplate LIKE 'Our inclusive culture%'") == [(2,)]


def test_second_run_fetches_no_unchanged_detail(tmp_path, server):
    serve_everything(server)
    config = config_for(tmp_path, server)
    assert jobtone("--config", str(config), "run")[0] == 0
    first = len(server.requests)
    assert jobtone("--config", str(config), "run")[0] == 0
    second = server.requests[first:]
    details = [r.path for r in second if "position_details" in r.path or "jobDetails" in r.path
               or "/api/apply/v2/jobs/" in r.path or (r.method == "GET" and "/wday/cxs/" in r.path)]
    assert details == []
    db = tmp_path / "jobtone.duckdb"
    assert query(db, "SELECT new, updated FROM runs ORDER BY started_at") == [(36, 0), (0, 0)]
    assert query(db, "SELECT count(*) FROM postings WHERE text = ''") == [(0,)]  # seen-only kept their text


def test_traps_fail_their_board_loudly_and_store_nothing_wrong(tmp_path, server):
    serve_everything(server)
    # Amazon's error inside an HTTP 200, a Workday page that wraps to the first rows, and a Google page without ds:1
    server.route("/en/search.json", Reply.json({"error": "Cannot return more than 10000 results at once", "hits": 0, "jobs": []}))
    nvidia = load("bigtech/workday/pedrocamargo_nvidia_cxs_jobs_trimmed.json")
    server.route("/wday/cxs/nvidia/NVIDIAExternalCareerSite/jobs", Reply.json(nvidia), method="POST")  # every offset: page 1
    server.route("/about/careers/applications/jobs/results/",
                 Reply.text("<html><body>Before you continue to Google Search</body></html>", content_type="text/html"))
    config = config_for(tmp_path, server)
    code, _, err = jobtone("--config", str(config), "run")
    assert code == 1, err  # partial: the other boards were stored
    db = tmp_path / "jobtone.duckdb"
    stored = {row[0] for row in query(db, "SELECT DISTINCT company FROM postings")}
    assert stored.isdisjoint({"Amazon", "NVIDIA", "Google"}) and {"Apple", "Zoom", "Square"} <= stored
    errors = {r["company"]: r["error"] for r in sql_json(config, "SELECT company, error FROM board_runs WHERE status = 'failed'")}
    assert set(errors) == {"Amazon", "NVIDIA", "Google"}
    assert "Cannot return more than 10000 results at once" in errors["Amazon"]
    assert "Workday wrapped around" in errors["NVIDIA"]
    assert "layout changed" in errors["Google"]
