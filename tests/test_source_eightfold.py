"""Eightfold: Microsoft (PCSX) and Netflix (apply/v2) records; details only for new or changed postings."""

import json
from datetime import datetime
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ConfigError, FetchError, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, eightfold
from scraper.sources.base import Board

MS_SEARCH = "bigtech/microsoft/pedrocamargo_pcsx_search_query_intern_trimmed.json"
MS_DETAIL = "bigtech/microsoft/rahulkr_pcsx_position_details_trimmed.json"
NETFLIX = "bigtech/netflix/jashanjodhb_eightfold_apply_v2_jobs_query_intern.json"
ALBEMARLE = "bigtech/eightfold/omoji_albemarle_apply_v2_jobs_trimmed.json"
MICROSOFT = Board("eightfold", "apply.careers.microsoft.com", "Microsoft",
                  MappingProxyType({"domain": "microsoft.com", "flavour": "pcsx"}))
NETFLIX_BOARD = Board("eightfold", "explore.jobs.netflix.net", "Netflix", MappingProxyType({"domain": "netflix.com"}))


def load(name: str):
    return json.loads(fixture_bytes(name))


def context(server, known=None) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(1, 0.0)), sleep=lambda _: None)
    return FetchContext(client=client, root=server.url, now=datetime(2026, 10, 2), known=lambda: known or {})


def ms_detail_for(position_id: int) -> dict:
    """The recorded detail response with its id set to `position_id` (the recording is for another position)."""
    detail = load(MS_DETAIL)
    detail["data"]["id"] = position_id
    return detail


def netflix_detail_for(item: dict) -> dict:
    """A detail shaped as bigtech.md §7 describes it (the list item with `job_description` filled): no recording exists."""
    return {**item, "job_description": f"<p>About {item['name']}.</p><p>Netflix is an equal opportunity employer.</p>"}


# -- parse -----------------------------------------------------------------------------------------------

def test_microsoft_detail_record():
    detail = load(MS_DETAIL)
    item = {k: v for k, v in detail["data"].items() if k != "jobDescription"}  # the detail repeats the list keys
    [posting] = eightfold.parse({"flavour": "pcsx", "item": item, "detail": detail}, MICROSOFT)
    assert (posting.external_id, posting.title, posting.posted_at, posting.date_source) == (
        "1970393557006899", "Software Engineer II - Operating Systems", datetime(2026, 9, 25, 21, 54, 28), "postedTs")
    assert (posting.source, posting.board, posting.company, posting.location, posting.url) == (
        "eightfold", "apply.careers.microsoft.com", "Microsoft", "Redmond, WA, US",
        "https://apply.careers.microsoft.com/careers/job/1970393557006899")
    assert posting.text.startswith("Overview\nThe Developer Platform (DevPlat) team within Windows Servicing")
    assert posting.text.endswith("Preferred Qualifications\nAbility to design and troubleshoot root cause complex "
                                 "issues in large systems like operating systems.\nSystem programming experience.")
    assert posting.boilerplate.startswith("Software Engineering IC3 - The typical base pay range for this role")
    assert posting.boilerplate.endswith("protected by applicable local laws, regulations and ordinances.")
    assert "equal opportunity" not in posting.text and not posting.seen_only
    assert posting.fingerprint == "1790373268|Software Engineer II - Operating Systems"
    assert json.loads(posting.raw)["detail"]["data"]["id"] == 1970393557006899


def test_microsoft_list_positions_without_detail_are_seen_only():
    positions = load(MS_SEARCH)["data"]["positions"]
    postings = [p for item in positions for p in eightfold.parse({"flavour": "pcsx", "item": item, "detail": None}, MICROSOFT)]
    assert [(p.external_id, p.posted_at, p.seen_only, p.text) for p in postings] == [
        ("1970393556922922", datetime(2026, 10, 1, 7, 0), True, ""),
        ("1970393556922929", datetime(2026, 10, 1, 7, 0), True, ""),
        ("1970393556922931", datetime(2026, 10, 1, 7, 0), True, ""),
        ("1970393557022480", datetime(2026, 10, 1, 20, 55, 14), True, ""),
    ]
    assert postings[0].title == ("Software Engineer: Fullstack Product (Web + Services) Intern Opportunities for "
                                 "University Students,")
    assert postings[3].title == "Research Intern - Security Research Group, Microsoft Research Redmond"


def test_netflix_records():
    positions = load(NETFLIX)["positions"]
    postings = [p for item in positions
                for p in eightfold.parse({"flavour": "apply_v2", "item": item, "detail": netflix_detail_for(item)}, NETFLIX_BOARD)]
    assert [(p.external_id, p.title, p.posted_at, p.date_source, p.location, p.url) for p in postings] == [
        ("790315673635", "Video Algorithms Intern, Video Coding (Gaussian Splatting), Fall 2026", datetime(2026, 4, 24),
         "t_create", "Los Gatos,California,United States of America",
         "https://explore.jobs.netflix.net/careers/job/790315673635"),
        ("790313241540", "Software Engineer PhD Intern, Streaming Algorithms (Summer 2026)", datetime(2025, 12, 10),
         "t_create", "Los Gatos,California,United States of America",
         "https://explore.jobs.netflix.net/careers/job/790313241540"),
    ]
    assert postings[0].text == "About Video Algorithms Intern, Video Coding (Gaussian Splatting), Fall 2026."
    assert postings[0].boilerplate == "Netflix is an equal opportunity employer."
    assert postings[0].fingerprint == "1776988800|Video Algorithms Intern, Video Coding (Gaussian Splatting), Fall 2026"


def test_second_tenant_same_shape():
    board = Board("eightfold", "albemarle.eightfold.ai", "Albemarle", MappingProxyType({"domain": "albemarle.com"}))
    postings = [p for item in load(ALBEMARLE)["positions"]
                for p in eightfold.parse({"flavour": "apply_v2", "item": item, "detail": None}, board)]
    assert [(p.external_id, p.title, p.location) for p in postings] == [
        ("1099555326551", "Supply Planner, Bromine S&OP",
         "Charlotte, North Carolina, United States of America; Magnolia, Arkansas, United States of America"),
        ("1099555208188", "Director, Media Relations and U.S. Public Affairs",
         "Charlotte, North Carolina, United States of America; Kings Mountain, North Carolina, United States of America"),
    ]
    # the trimmed rows keep `t_create` (the date) but no `t_update` (in the fingerprint)
    assert [p.posted_at for p in postings] == [datetime(2026, 8, 4), datetime(2026, 7, 24)]
    assert postings[0].fingerprint == "None|Supply Planner, Bromine S&OP"


def test_detail_for_another_position_is_a_parse_error():
    item = load(MS_SEARCH)["data"]["positions"][0]
    with pytest.raises(ParseError, match="the detail is for position 1970393557006899"):
        eightfold.parse({"flavour": "pcsx", "item": item, "detail": load(MS_DETAIL)}, MICROSOFT)


@pytest.mark.parametrize("doc", [
    None, [], {"flavour": "other", "item": {"id": 1}}, {"flavour": "pcsx", "item": {"name": "no id"}},
    {"flavour": "pcsx", "item": {"id": 1, "name": ""}, "detail": None},
    {"flavour": "pcsx", "item": {"id": 1, "name": "x"}, "detail": {"data": {"jobDescription": 5}}},
    {"flavour": "apply_v2", "item": {"id": 1, "name": "x"}, "detail": "html"},
])
def test_wrong_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        eightfold.parse(doc, MICROSOFT)


json_values = st.recursive(st.none() | st.integers() | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=10)
keys = st.sampled_from(["id", "name", "postedTs", "t_create", "locations", "standardizedLocations", "jobDescription",
                        "job_description", "data", "canonicalPositionUrl"])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["pcsx", "apply_v2"]), st.dictionaries(keys, json_values), json_values | st.dictionaries(keys, json_values))
def test_parse_only_raises_parse_error(flavour, item, detail):
    try:
        eightfold.parse({"flavour": flavour, "item": item, "detail": detail}, MICROSOFT)
    except ParseError:
        pass


# -- fetch against the replay server ---------------------------------------------------------------------

def serve_microsoft(server) -> list[dict]:
    positions = load(MS_SEARCH)["data"]["positions"]
    empty = {"status": 200, "error": {"message": "", "body": ""}, "data": {"positions": [], "count": 102}}
    server.route("/api/pcsx/search", Reply.file(MS_SEARCH), query={"start": "0"})
    server.route("/api/pcsx/search", Reply.json(empty), query={"start": "4"})  # the recording was cut to 4 of 102
    for item in positions:
        server.route("/api/pcsx/position_details", Reply.json(ms_detail_for(item["id"])), query={"position_id": str(item["id"])})
    return positions


def test_microsoft_fetch_lists_then_fetches_each_detail(server):
    serve_microsoft(server)
    postings = list(collect(eightfold, context(server), MICROSOFT))
    assert [p.external_id for p in postings] == ["1970393556922922", "1970393556922929", "1970393556922931", "1970393557022480"]
    assert all(p.text.startswith("Overview\n") and not p.seen_only for p in postings)
    assert [r.path for r in server.requests].count("/api/pcsx/position_details") == 4
    first = server.requests[0]
    assert first.query["domain"] == ["microsoft.com"] and first.query["sort_by"] == ["timestamp"]
    detail = server.requests[1]  # details are fetched as the page is read
    assert detail.query == {"position_id": ["1970393556922922"], "domain": ["microsoft.com"], "hl": ["en"]}


def test_unchanged_postings_skip_the_detail_request(server):
    positions = serve_microsoft(server)
    known = {str(p["id"]): eightfold.fingerprint(p, eightfold.FLAVOURS["pcsx"]) for p in positions[:3]}
    known[str(positions[3]["id"])] = "1790888000|an older title"  # changed since: fetched again
    postings = list(collect(eightfold, context(server, known), MICROSOFT))
    assert [p.seen_only for p in postings] == [True, True, True, False]
    assert server.hits("/api/pcsx/position_details") == 1


def test_netflix_fetch_sends_referer_and_uses_apply_v2(server):
    positions = load(NETFLIX)["positions"]
    server.route("/api/apply/v2/jobs", Reply.file(NETFLIX))
    for item in positions:
        server.route(f"/api/apply/v2/jobs/{item['id']}", Reply.json(netflix_detail_for(item)))
    postings = list(collect(eightfold, context(server), NETFLIX_BOARD))
    assert [p.external_id for p in postings] == ["790315673635", "790313241540"]
    assert postings[1].text == "About Software Engineer PhD Intern, Streaming Algorithms (Summer 2026)."
    assert all(r.headers["Referer"] == "https://explore.jobs.netflix.net/careers" for r in server.requests)
    assert server.requests[0].query == {"domain": ["netflix.com"], "start": ["0"], "sort_by": ["timestamp"],
                                        "query": [""], "num": ["10"]}
    assert server.requests[1].query == {"domain": ["netflix.com"]}


def test_wrong_flavour_403_says_which_to_use(server):
    server.route("/api/apply/v2/jobs", Reply.json({"message": "Not authorized for PCSX"}, status=403))
    board = Board("eightfold", "apply.careers.microsoft.com", "Microsoft", MappingProxyType({"domain": "microsoft.com"}))
    with pytest.raises(FetchError, match='wants flavour = "pcsx"'):
        list(collect(eightfold, context(server), board))


def test_pcsx_error_inside_http_200_is_bad_response(server):
    body = {"status": 200, "error": {"message": "invalid domain", "body": ""}, "data": {"positions": [], "count": 0}}
    server.route("/api/pcsx/search", Reply.json(body))
    with pytest.raises(BadResponse, match="invalid domain") as caught:
        list(collect(eightfold, context(server), MICROSOFT))
    assert caught.value.url.startswith(server.url + "/api/pcsx/search")


def serve_pages(server, count: int, served: int) -> dict[str, str]:
    """`served` positions in pages of 100 (a server may serve more than 10 a page), then an empty page."""
    template = load(MS_SEARCH)["data"]["positions"][0]
    known = {}
    for start in range(0, served + 100, 100):
        page = [{**template, "id": n} for n in range(start, min(start + 100, served))]
        known.update({str(p["id"]): eightfold.fingerprint(p, eightfold.FLAVOURS["pcsx"]) for p in page})
        server.route("/api/pcsx/search", Reply.json({"status": 200, "data": {"positions": page, "count": count}}),
                     query={"start": str(start)})
    return known  # every position unchanged: no detail requests


def test_listing_stopped_at_the_offset_cap_fails_loudly(server):
    known = serve_pages(server, count=2253, served=2000)
    with pytest.raises(BadResponse, match="stopped listing at offset 2,000 of 2,253"):
        list(collect(eightfold, context(server, known), MICROSOFT))
    assert server.hits("/api/pcsx/search") == 21


def test_listing_past_2000_is_read_when_served(server):
    known = serve_pages(server, count=2150, served=2150)
    assert len(list(collect(eightfold, context(server, known), MICROSOFT))) == 2150


def test_repeated_page_is_a_wrap_not_more_postings(server):
    server.route("/api/pcsx/search", Reply.json({**load(MS_SEARCH), "data": {**load(MS_SEARCH)["data"], "count": 9}}))
    known = {str(p["id"]): eightfold.fingerprint(p, eightfold.FLAVOURS["pcsx"]) for p in load(MS_SEARCH)["data"]["positions"]}
    with pytest.raises(BadResponse, match="offset 4 repeated earlier positions"):
        list(collect(eightfold, context(server, known), MICROSOFT))


def test_board_needs_a_domain(server):
    with pytest.raises(ConfigError, match="need `domain`"):
        list(collect(eightfold, context(server), Board("eightfold", "explore.jobs.netflix.net")))


def test_root_template_takes_the_board_host():
    ctx = FetchContext(client=None, root=eightfold.ROOT, now=datetime(2026, 1, 1))  # type: ignore[arg-type]
    assert eightfold.board_root(ctx, NETFLIX_BOARD) == "https://explore.jobs.netflix.net"
