"""Amazon: recorded search pages parse to exact records; the 10,000 window is sliced by facet; 200-with-error fails."""

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, amazon, collect
from scraper.sources.base import Board

BOARD = Board("amazon", "amazon", "Amazon")
COMPENSATION = "bigtech/amazon/jht_search_business_category_compensation_raw.json"
FACETS = "bigtech/amazon/jht_search_facets_result_limit1_raw.json"
SEARCH = "/en/search.json"


def load(name: str):
    return json.loads(fixture_bytes(name))


def context(server) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(1, 0.0)), sleep=lambda _: None)
    return FetchContext(client=client, root=server.url, now=datetime(2026, 8, 1))


def test_compensation_page_records():
    postings = amazon.parse(load(COMPENSATION), BOARD)
    assert [(p.external_id, p.title, p.posted_at, p.date_source, p.location) for p in postings] == [
        ("10464593", "Senior Compensation Consultant, APAC/MEATR Operations/Customer Service",
         datetime(2026, 7, 2), "posted_date", "Bengaluru, Karnataka, IND"),
        ("10423247", "Sr. Admin, Comp Bonus Delivery", datetime(2026, 5, 19), "posted_date",
         "Hyderabad, Telangana, IND"),
    ]
    first = postings[0]
    assert (first.source, first.board, first.company) == ("amazon", "amazon", "Amazon")
    assert first.url == ("https://www.amazon.jobs/en/jobs/10464593/"
                         "senior-compensation-consultant-apac-meatr-operations-customer-service")
    assert first.text.startswith("At Amazon, we strive to be Earth's most customer-centric company")
    # all three HTML fields, in order: description, basic and preferred qualifications
    assert "•\tDrive impactful compensation programs" not in first.text  # tabs collapsed
    assert "• Drive impactful compensation programs across multiple markets" in first.text
    assert "- Experience with Excel\n- • Strong problem solving" in first.text
    assert first.text.endswith("adapting communication style appropriately for different stakeholders.")
    assert json.loads(first.raw)["id"] == "30984db6-ea2f-4fda-bc32-41987dadb657"


def test_eeo_paragraphs_are_boilerplate():
    postings = amazon.parse(load(COMPENSATION), BOARD) + amazon.parse(load(FACETS), BOARD)
    for posting in postings:
        assert posting.boilerplate.startswith("Our inclusive culture empowers Amazonians") or \
            posting.boilerplate.startswith("Amazon is an equal opportunity employer")
        assert "inclusive culture" not in posting.text and "equal opportunity" not in posting.text
    assert postings[0].boilerplate.endswith("please contact your Recruiting Partner.")
    assert "https://amazon.jobs/content/en/how-we-hire/accommodations" in postings[0].boilerplate


def test_facets_page_record():
    [posting] = amazon.parse(load(FACETS), BOARD)
    assert (posting.external_id, posting.title, posting.posted_at, posting.location) == (
        "10486540", "Operations Manager", datetime(2026, 7, 28), "Durham, North Carolina, USA")
    assert posting.boilerplate.startswith("Amazon is an equal opportunity employer and does not discriminate")
    assert posting.boilerplate.endswith("USA, NC, Durham - 91,000.00 - 136,500.00 USD annually")


def test_updated_time_is_never_a_date():
    job = {**load(COMPENSATION)["jobs"][0], "posted_date": None}
    [posting] = amazon.parse({"error": None, "hits": 1, "jobs": [job]}, BOARD)
    assert (posting.posted_at, posting.date_source) == (None, "")


@pytest.mark.parametrize("doc", [
    {"error": "Result limit cannot be greater than 100", "hits": 0, "jobs": []},
    {"jobs": "none"},
    {"jobs": [["not", "an", "object"]]},
    {"jobs": [{"title": "no id"}]},
    {"jobs": [{"id_icims": "1", "title": 7}]},
    [],
])
def test_wrong_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        amazon.parse(doc, BOARD)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({"jobs": st.lists(max_size=4, elements=st.dictionaries(
    st.sampled_from(["id_icims", "title", "description", "posted_date", "job_path", "location"]), json_values))}))
def test_parse_only_raises_parse_error(doc):
    try:
        amazon.parse(doc, BOARD)
    except ParseError:
        pass


# -- fetch against the replay server -------------------------------------------------------------------

def test_big_board_is_sliced_by_business_category(server):
    server.route(SEARCH, Reply.file(COMPENSATION))  # every category's page (dedupe keeps 2 jobs)
    server.route(SEARCH, Reply.file(FACETS), query={"result_limit": "1"})
    postings = list(collect(amazon, context(server), BOARD))
    assert [p.external_id for p in postings] == ["10464593", "10423247"]
    overview, *slices = server.requests
    assert overview.query["facets[]"] == ["business_category"] and overview.query["result_limit"] == ["1"]
    assert len(slices) == 60  # one page per category: each slice here reports 2 hits
    assert slices[0].query["business_category[]"] == ["aws"] and slices[-1].query["business_category[]"] == [
        "health-storefront-and-shared-tech"]
    assert all(r.query["result_limit"] == ["100"] and r.query["offset"] == ["0"] for r in slices)


def test_category_over_the_window_is_split_by_country(server):
    overview = {"error": None, "hits": 10000, "jobs": [],
                "facets": {"business_category_facet": [{"aws": 12000}, {"compensation": 2}]}}
    aws = {"error": None, "hits": 10000, "jobs": [],
           "facets": {"normalized_country_code_facet": [{"USA": 9000}, {"IND": 3000}]}}
    server.route(SEARCH, Reply.file(COMPENSATION))
    server.route(SEARCH, Reply.json(overview), query={"result_limit": "1"})
    server.route(SEARCH, Reply.json(aws), query={"result_limit": "1", "business_category[]": "aws"})
    assert len(list(collect(amazon, context(server), BOARD))) == 2
    pages = [(r.query.get("business_category[]"), r.query.get("normalized_country_code[]"))
             for r in server.requests if r.query["result_limit"] == ["100"]]
    assert pages == [(["aws"], ["USA"]), (["aws"], ["IND"]), (["compensation"], None)]


def test_small_board_pages_by_offset(server):
    template = load(COMPENSATION)["jobs"][0]
    jobs = [{**template, "id_icims": str(n)} for n in range(150)]
    server.route(SEARCH, Reply.json({"error": None, "hits": 150, "jobs": jobs[:1]}), query={"result_limit": "1"})
    server.route(SEARCH, Reply.json({"error": None, "hits": 150, "jobs": jobs[:100]}), query={"offset": "0", "result_limit": "100"})
    server.route(SEARCH, Reply.json({"error": None, "hits": 150, "jobs": jobs[100:]}), query={"offset": "100"})
    postings = list(collect(amazon, context(server), BOARD))
    assert len(postings) == 150 and postings[-1].external_id == "149"
    assert [r.query["offset"] for r in server.requests] == [["0"], ["0"], ["100"]]
    assert "business_category[]" not in server.requests[1].query  # under 10,000: no slicing


def test_error_inside_http_200_is_bad_response(server):
    error = {"error": "Cannot return more than 10000 results at once", "hits": 10000, "jobs": []}
    server.route(SEARCH, Reply.json(error))
    with pytest.raises(BadResponse) as caught:
        list(collect(amazon, context(server), BOARD))
    assert "Cannot return more than 10000 results at once" in str(caught.value)
    assert caught.value.url == server.url + SEARCH


def test_missing_facets_on_a_saturated_board_is_bad_response(server):
    server.route(SEARCH, Reply.json({"error": None, "hits": 10000, "jobs": [], "facets": {}}))
    with pytest.raises(BadResponse, match="business_category_facet"):
        list(collect(amazon, context(server), BOARD))
