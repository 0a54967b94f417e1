"""SmartRecruiters: list + detail parse to exact records; paging; details only for new or changed postings."""

import json
from datetime import datetime

import pytest

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, smartrecruiters
from scraper.sources.base import Board

NOW = datetime(2026, 8, 1)
VISA = Board("smartrecruiters", "Visa")
LIST_PATH = "/v1/companies/Visa/postings"
SR_MANAGER, DIRECTOR = "744000133907678", "744000129971988"
DIRECTOR_DETAIL = {"id": DIRECTOR, "company": {"name": "Visa"},
                   "postingUrl": "https://jobs.smartrecruiters.com/Visa/744000129971988-director",
                   "jobAd": {"sections": {"companyDescription": {"title": "Company Description", "text": "<p>Visa is a world leader.</p>"},
                                          "jobDescription": {"title": "Job Description", "text": "<ul><li>Lead</li><li>flexible</li></ul>"}}}}


def load(name: str):
    return json.loads(fixture_bytes(f"smartrecruiters/abhibattula_visa_{name}.json"))


def items() -> list[dict]:
    return load("postings_list")["content"]


def context(server, known=None) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    return FetchContext(client=client, root=server.url, now=NOW, known=lambda: known or {})


def serve_board(server) -> None:
    server.route(LIST_PATH, Reply.file("smartrecruiters/abhibattula_visa_postings_list.json"), query={"offset": "0"})
    server.route(f"{LIST_PATH}/{SR_MANAGER}", Reply.file("smartrecruiters/abhibattula_visa_posting_detail.json"))
    server.route(f"{LIST_PATH}/{DIRECTOR}", Reply.json(DIRECTOR_DETAIL))


def test_list_item_and_detail_make_one_exact_record():
    doc = {"item": items()[0], "detail": load("posting_detail")}
    (posting,) = smartrecruiters.parse(doc, VISA)
    assert (posting.source, posting.board, posting.external_id, posting.title) == (
        "smartrecruiters", "Visa", SR_MANAGER, "Sr. Manager")
    assert (posting.posted_at, posting.date_source) == (datetime(2026, 6, 24, 10, 0, 11, 853000), "releasedDate")
    assert (posting.location, posting.company) == ("Austin, TX, United States", "Visa")
    assert posting.url == "https://jobs.smartrecruiters.com/Visa/744000133907678-sr-manager"
    # the recorded job ad has only its additionalInformation section filled in
    assert (posting.text, posting.boilerplate) == ("All your information will be kept confidential according to EEO guidelines.", "")
    assert posting.fingerprint == "2026-06-24T10:00:11.853Z|2132a049-8eb1-4bef-bc4c-13b6d21c05e3|Sr. Manager"
    assert not posting.seen_only
    assert json.loads(posting.raw) == doc


def test_company_description_is_boilerplate():
    (posting,) = smartrecruiters.parse({"item": items()[1], "detail": DIRECTOR_DETAIL}, VISA)
    assert (posting.text, posting.boilerplate) == ("Lead\nflexible", "Visa is a world leader.")
    assert (posting.title, posting.location, posting.posted_at) == (
        "Director", "Bengaluru, KA, India", datetime(2026, 6, 3, 11, 8, 12, 368000))


def test_unchanged_posting_is_seen_only():
    (posting,) = smartrecruiters.parse({"item": items()[1], "detail": None}, Board("smartrecruiters", "Visa", "Visa Inc."))
    assert (posting.external_id, posting.title, posting.text, posting.seen_only) == (DIRECTOR, "Director", "", True)
    assert (posting.company, posting.url) == ("Visa Inc.", "https://jobs.smartrecruiters.com/Visa/744000129971988")
    assert posting.fingerprint == smartrecruiters.fingerprint(items()[1])


@pytest.mark.parametrize("doc", [None, {"item": None}, {"item": {"name": "no id"}}, {"item": {"id": "1"}, "detail": []},
                                 {"item": {"id": "1"}, "detail": {"jobAd": {"sections": ["x"]}}}])
def test_bad_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        smartrecruiters.parse(doc, VISA)


def test_first_run_fetches_every_detail(server):
    serve_board(server)
    postings = list(collect(smartrecruiters, context(server), VISA))
    assert [(p.external_id, p.seen_only) for p in postings] == [(SR_MANAGER, False), (DIRECTOR, False)]
    assert server.requests[0].query == {"limit": ["100"], "offset": ["0"]}
    assert server.hits(f"{LIST_PATH}/{SR_MANAGER}") == 1 and server.hits(f"{LIST_PATH}/{DIRECTOR}") == 1


def test_second_run_with_known_fingerprints_fetches_no_detail(server):
    serve_board(server)
    first = list(collect(smartrecruiters, context(server), VISA))
    known = {p.external_id: p.fingerprint for p in first}
    del server.requests[:]
    second = list(collect(smartrecruiters, context(server, known), VISA))
    assert [(p.external_id, p.seen_only, p.text) for p in second] == [(SR_MANAGER, True, ""), (DIRECTOR, True, "")]
    assert [r.path for r in server.requests] == [LIST_PATH]  # the list page only


def test_changed_posting_is_fetched_again(server):
    serve_board(server)
    known = {SR_MANAGER: "2026-01-01T00:00:00.000Z|old-ad|Sr. Manager", DIRECTOR: smartrecruiters.fingerprint(items()[1])}
    postings = list(collect(smartrecruiters, context(server, known), VISA))
    assert [(p.external_id, p.seen_only) for p in postings] == [(SR_MANAGER, False), (DIRECTOR, True)]
    assert server.hits(f"{LIST_PATH}/{SR_MANAGER}") == 1 and server.hits(f"{LIST_PATH}/{DIRECTOR}") == 0


def test_pages_until_total_found(server):
    first, second = items()
    third = {**second, "id": "3", "name": "Analyst"}
    server.route(LIST_PATH, Reply.json({"totalFound": 3, "content": [first, second]}), query={"offset": "0"})
    server.route(LIST_PATH, Reply.json({"totalFound": 3, "content": [third]}), query={"offset": "2"})
    known = {item["id"]: smartrecruiters.fingerprint(item) for item in (first, second, third)}
    postings = list(collect(smartrecruiters, context(server, known), VISA))
    assert [p.external_id for p in postings] == [SR_MANAGER, DIRECTOR, "3"]
    assert server.hits(LIST_PATH) == 2


def test_detail_gone_between_list_and_detail_is_left_out(server):
    server.route(LIST_PATH, Reply.file("smartrecruiters/abhibattula_visa_postings_list.json"))
    server.route(f"{LIST_PATH}/{SR_MANAGER}", Reply.file("smartrecruiters/abhibattula_visa_posting_detail.json"))
    postings = list(collect(smartrecruiters, context(server), VISA))  # DIRECTOR's detail: replay server 404
    assert [p.external_id for p in postings] == [SR_MANAGER]


def test_list_without_content_is_bad_response(server):
    server.route(LIST_PATH, Reply.json({"message": "Company not found"}))
    with pytest.raises(BadResponse, match="content"):
        list(collect(smartrecruiters, context(server), VISA))
