"""Workday CXS: list + detail records, `startDate` not `postedOn`, facet splits past the 2,000 clamp, wraps fail."""

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ConfigError, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, workday
from scraper.sources.base import Board

GDIT_LIST = "bigtech/workday/lubobali_gdit_cxs_jobs_search.json"
GDIT_DETAIL = "bigtech/workday/lubobali_gdit_cxs_job_detail_raw.json"
WD_LIST = "bigtech/workday/candidatezero_workday_tenant_jobs_trimmed.json"
WD_DETAIL = "bigtech/workday/candidatezero_workday_tenant_job_detail_trimmed.json"
SALESFORCE = "bigtech/workday/omoji_salesforce_cxs_jobs_trimmed.json"
NVIDIA = "bigtech/workday/pedrocamargo_nvidia_cxs_jobs_trimmed.json"
GDIT = Board("workday", "gdit.wd5/gdit/External_Career_Site", "GDIT")
WORKDAY = Board("workday", "https://workday.wd5.myworkdayjobs.com/en-US/Workday", "Workday")
JOBS = "/wday/cxs/gdit/External_Career_Site/jobs"


def load(name: str):
    return json.loads(fixture_bytes(name))


def context(server, known=None) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(1, 0.0)), sleep=lambda _: None)
    return FetchContext(client=client, root=server.url, now=datetime(2026, 7, 15), known=lambda: known or {})


def detail_for(row: dict, site_url: str = "https://gdit.wd5.myworkdayjobs.com/External_Career_Site") -> dict:
    """The recorded GDIT detail re-pointed at `row` (only the first row's detail was recorded)."""
    detail = load(GDIT_DETAIL)
    detail["jobPostingInfo"].update(title=row["title"], externalUrl=site_url + row["externalPath"])
    return detail


# -- tokens, fingerprints, facets -----------------------------------------------------------------------

@pytest.mark.parametrize("token, expected", [
    ("nvidia.wd5/nvidia/NVIDIAExternalCareerSite", ("nvidia.wd5.myworkdayjobs.com", "nvidia", "NVIDIAExternalCareerSite")),
    ("salesforce.wd12.myworkdayjobs.com/salesforce/External_Career_Site",
     ("salesforce.wd12.myworkdayjobs.com", "salesforce", "External_Career_Site")),
    ("https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite",
     ("nvidia.wd5.myworkdayjobs.com", "nvidia", "NVIDIAExternalCareerSite")),
    ("https://zoom.wd5.myworkdayjobs.com/Zoom", ("zoom.wd5.myworkdayjobs.com", "zoom", "Zoom")),
])
def test_tenant_of(token, expected):
    tenant = workday.tenant_of(token)
    assert (tenant.host, tenant.tenant, tenant.site) == expected


@pytest.mark.parametrize("token", ["nvidia", "nvidia.wd5/nvidia", "https://nvidia.wd5.myworkdayjobs.com/en-US"])
def test_bad_tokens_are_config_errors(token):
    with pytest.raises(ConfigError, match="HOST/TENANT/SITE"):
        workday.tenant_of(token)


def test_split_facet_prefers_job_family():
    name, ids = workday.split_facet(load(GDIT_LIST)["facets"], {})
    assert name == "jobFamilyGroup" and len(ids) == 8 and ids[0] == "ff1bc674c7631001ae780fa5630d0000"
    assert workday.split_facet(load(GDIT_LIST)["facets"], {"jobFamilyGroup": ["x"]})[0] == "timeType"
    assert workday.split_facet([], {}) is None


def test_fingerprint_ignores_posted_on():
    row = load(GDIT_LIST)["jobPostings"][0]
    assert workday.fingerprint(row) == "Data Engineer|USA DC Washington|RQ216675"
    assert workday.fingerprint({**row, "postedOn": "Posted 9 Days Ago"}) == workday.fingerprint(row)


# -- parse -----------------------------------------------------------------------------------------------

def test_gdit_detail_record():
    row = load(GDIT_LIST)["jobPostings"][0]
    [posting] = workday.parse({"item": row, "detail": load(GDIT_DETAIL)}, GDIT)
    assert (posting.external_id, posting.title, posting.posted_at, posting.date_source, posting.location) == (
        "/job/USA-DC-Washington/Data-Engineer_RQ216675", "Data Engineer", datetime(2026, 7, 7), "startDate",
        "USA DC Washington")
    assert (posting.source, posting.board, posting.company) == ("workday", "gdit.wd5/gdit/External_Career_Site", "GDIT")
    assert posting.url == "https://gdit.wd5.myworkdayjobs.com/External_Career_Site/job/USA-DC-Washington/Data-Engineer_RQ216675"
    assert posting.text.startswith("Type of Requisition:\nRegular\nClearance Level Must Currently Possess:\nNone")
    assert posting.text.endswith("Equal Opportunity Employer / Individuals with Disabilities / Protected Veterans")
    assert "Posted 8 Days Ago" in posting.raw  # kept in the raw record, never read as a date
    assert posting.fingerprint == "Data Engineer|USA DC Washington|RQ216675" and not posting.seen_only


def test_workday_tenant_detail_record():
    row = load(WD_LIST)["jobPostings"][1]
    [posting] = workday.parse({"item": row, "detail": load(WD_DETAIL)}, WORKDAY)
    assert (posting.external_id, posting.title, posting.posted_at, posting.location) == (
        "/job/USAVAReston/Sr-Site-Reliability-Engineer--US-Federal-_JR-0105486",
        "Sr. Site Reliability Engineer (US Federal)", datetime(2026, 7, 25), "USA.VA.Reston")
    assert posting.text.startswith("Your work days are brighter here.\nWe’re obsessed with making hard work pay off")
    assert "Primary Location Base Pay Range: $151,500 USD - $227,300 USD" in posting.text


def test_list_rows_without_detail_are_seen_only_and_undated():
    board = Board("workday", "nvidia.wd5/nvidia/NVIDIAExternalCareerSite", "NVIDIA")
    postings = [p for row in load(NVIDIA)["jobPostings"] for p in workday.parse({"item": row, "detail": None}, board)]
    assert [(p.external_id, p.title, p.location, p.posted_at, p.seen_only) for p in postings] == [
        ("/job/US-CA-Santa-Clara/NVIDIA-2027-Ignite-Internships--Hardware-Engineering_JR2027047",
         "NVIDIA 2027 Ignite Internships: Hardware Engineering", "US, CA, Santa Clara", None, True),
        ("/job/China-Shanghai/GPU-Compiler-LLVM-Backend-Intern---2027_JR2026567",
         "GPU Compiler LLVM Backend Intern - 2027", "China, Shanghai", None, True),
        ("/job/Poland-Remote/Software-Engineering-Intern--Nsight-Systems---2026_JR2007248",
         "Software Engineering Intern, Nsight Systems - 2026", "2 Locations", None, True),
    ]
    assert postings[0].url == ("https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite/job/US-CA-Santa-Clara/"
                               "NVIDIA-2027-Ignite-Internships--Hardware-Engineering_JR2027047")
    board = Board("workday", "salesforce.wd12/salesforce/External_Career_Site", "Salesforce")
    assert [p.title for row in load(SALESFORCE)["jobPostings"] for p in workday.parse({"item": row, "detail": None}, board)] == [
        "Solution Architect / Senior Solution Architect - PubSec - SLED/NGO",
        "Customer Success Manager - Global Public Sector (State, Local Government and Education)"]


def test_detail_for_another_posting_is_a_parse_error():
    row = load(GDIT_LIST)["jobPostings"][1]
    with pytest.raises(ParseError, match="the detail is for https://gdit"):
        workday.parse({"item": row, "detail": load(GDIT_DETAIL)}, GDIT)


@pytest.mark.parametrize("doc", [
    None, {"item": {"title": "x"}}, {"item": {"externalPath": "job/no-slash", "title": "x"}},
    {"item": {"externalPath": "/job/a", "title": ""}, "detail": None},
    {"item": {"externalPath": "/job/a", "title": "x"}, "detail": {"jobPostingInfo": {"title": "x"}}},
    {"item": {"externalPath": "/job/a", "title": "x"}, "detail": []},
])
def test_wrong_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        workday.parse(doc, GDIT)


def test_bad_token_in_parse_is_a_parse_error():
    with pytest.raises(ParseError, match="HOST/TENANT/SITE"):
        workday.parse({"item": load(GDIT_LIST)["jobPostings"][0], "detail": None}, Board("workday", "gdit"))


json_values = st.recursive(st.none() | st.integers() | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=10)
keys = st.sampled_from(["externalPath", "title", "locationsText", "bulletFields", "jobPostingInfo", "jobDescription",
                        "startDate", "externalUrl", "location", "additionalLocations"])


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(keys, json_values | st.just("/job/x")), json_values | st.dictionaries(keys, json_values))
def test_parse_only_raises_parse_error(item, detail):
    try:
        workday.parse({"item": item, "detail": detail}, GDIT)
    except ParseError:
        pass


# -- fetch against the replay server ---------------------------------------------------------------------

def rows(prefix: str, n: int) -> list[dict]:
    return [{"title": f"{prefix} {i}", "externalPath": f"/job/X/{prefix}-{i}", "locationsText": "X",
             "postedOn": "Posted 30+ Days Ago", "bulletFields": [f"{prefix}{i}"]} for i in range(n)]


def bodies(server) -> list[tuple[dict, int]]:
    return [(json.loads(r.body)["appliedFacets"], json.loads(r.body)["offset"]) for r in server.requests if r.method == "POST"]


def test_fetch_pages_the_list_and_fetches_each_detail(server):
    listing = load(GDIT_LIST)
    server.route(JOBS, Reply.file(GDIT_LIST), Reply.json({"total": 0, "jobPostings": []}), method="POST")
    server.route("/wday/cxs/gdit/External_Career_Site" + listing["jobPostings"][0]["externalPath"], Reply.file(GDIT_DETAIL))
    for row in listing["jobPostings"][1:]:
        server.route("/wday/cxs/gdit/External_Career_Site" + row["externalPath"], Reply.json(detail_for(row)))
    postings = list(collect(workday, context(server), GDIT))
    assert [p.title for p in postings] == ["Data Engineer", "Cloud Data Engineer", "Data Engineer Senior Principal (Hybrid)",
                                           "Data Engineer - TS/SCI with Polygraph"]
    assert all(p.posted_at == datetime(2026, 7, 7) and p.date_source == "startDate" for p in postings)
    assert bodies(server) == [({}, 0), ({}, 20)]  # the recording holds 4 of 644; the next page came back empty
    first = json.loads(server.requests[0].body)
    assert first == {"appliedFacets": {}, "limit": 20, "offset": 0, "searchText": ""}
    assert sum(r.method == "GET" for r in server.requests) == 4


def test_unchanged_postings_skip_the_detail(server):
    listing = load(GDIT_LIST)["jobPostings"]
    server.route(JOBS, Reply.json({"total": 4, "jobPostings": listing}), method="POST")
    server.route("/wday/cxs/gdit/External_Career_Site" + listing[3]["externalPath"], Reply.json(detail_for(listing[3])))
    known = {row["externalPath"]: workday.fingerprint(row) for row in listing[:3]}
    postings = list(collect(workday, context(server, known), GDIT))
    assert [p.seen_only for p in postings] == [True, True, True, False]
    assert sum(r.method == "GET" for r in server.requests) == 1


def test_clamped_total_is_split_by_facet_and_deduplicated(server):
    facets = [{"facetParameter": "jobFamilyGroup", "descriptor": "Job Category",
               "values": [{"descriptor": "A", "id": "fam-a", "count": 25}, {"descriptor": "B", "id": "fam-b", "count": 16}]}]
    a, b = rows("a", 25), rows("b", 15) + rows("a", 1)  # one posting in both families: stored once
    server.route(JOBS, Reply.json({"total": 2000, "jobPostings": rows("top", 20), "facets": facets}),
                 Reply.json({"total": 25, "jobPostings": a[:20]}), Reply.json({"total": 0, "jobPostings": a[20:]}),
                 Reply.json({"total": 16, "jobPostings": b}), method="POST")
    known = {row["externalPath"]: workday.fingerprint(row) for row in a + b}
    postings = list(collect(workday, context(server, known), GDIT))
    assert len(postings) == 40 and len({p.external_id for p in postings}) == 40
    assert not any(p.title.startswith("top") for p in postings)  # the clamped query's own rows are not trusted
    assert bodies(server) == [({}, 0), ({"jobFamilyGroup": ["fam-a"]}, 0), ({"jobFamilyGroup": ["fam-a"]}, 20),
                              ({"jobFamilyGroup": ["fam-b"]}, 0)]


def test_wrapped_offset_fails_loudly(server):
    first = rows("r", 20)
    server.route(JOBS, Reply.json({"total": 30, "jobPostings": first}), Reply.json({"total": 0, "jobPostings": first}),
                 method="POST")
    known = {row["externalPath"]: workday.fingerprint(row) for row in first}
    with pytest.raises(BadResponse, match="offset 20 only repeated earlier rows: Workday wrapped around") as caught:
        list(collect(workday, context(server, known), GDIT))
    assert caught.value.url == server.url + JOBS


def test_clamped_total_without_facets_fails_loudly(server):
    server.route(JOBS, Reply.json({"total": 2000, "jobPostings": rows("r", 20), "facets": []}), method="POST")
    with pytest.raises(BadResponse, match="2,000\\+ postings for the whole site and no facet left to split by"):
        list(collect(workday, context(server), GDIT))
    assert server.hits(JOBS) == 1


def test_closed_between_list_and_detail_is_skipped(server):
    listing = load(GDIT_LIST)["jobPostings"][:2]
    server.route(JOBS, Reply.json({"total": 2, "jobPostings": listing}), method="POST")
    server.route("/wday/cxs/gdit/External_Career_Site" + listing[0]["externalPath"], Reply.file(GDIT_DETAIL))
    postings = list(collect(workday, context(server), GDIT))  # the second detail answers 404
    assert [p.title for p in postings] == ["Data Engineer"]


def test_error_object_instead_of_a_list_is_bad_response(server):
    server.route(JOBS, Reply.json({"errorCode": "HTTP_400", "message": "limit too large"}), method="POST")
    with pytest.raises(BadResponse, match="no `jobPostings` list"):
        list(collect(workday, context(server), GDIT))
