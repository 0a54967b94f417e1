"""Ashby: recorded boards parse to exact records; unlisted jobs are skipped; fetch end to end."""

import json
from datetime import datetime

import pytest

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, NotFound, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, ashby, collect
from scraper.sources.base import Board

NOW = datetime(2026, 8, 1)
RAMP = Board("ashby", "ramp", "Ramp")


def load(name: str):
    return json.loads(fixture_bytes(f"ashby/{name}.json"))


def context(server) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    return FetchContext(client=client, root=server.url, now=NOW)


def test_ramp_records():
    postings = ashby.parse(load("ramp"), RAMP)
    assert [(p.external_id, p.title, p.posted_at, p.date_source, p.location) for p in postings] == [
        ("03e2d4e1-73ad-4f09-a058-2eb9ce34c2bc", "Technical Consultant, Mid-Market",
         datetime(2026, 7, 7, 20, 47, 9, 753000), "publishedAt", "Remote (US)"),
        ("1515fe6d-1d8e-475b-a5ee-cefe43e78cb7", "Account Executive",
         datetime(2026, 6, 8, 19, 17, 53, 481000), "publishedAt", "London"),
        ("0907ae2a-5334-4d64-9a76-cc9428224546", "Director, Performance Marketing",
         datetime(2026, 6, 11, 17, 21, 26, 410000), "publishedAt", "New York, NY (HQ)"),
        ("7a6ad0e2-8249-476e-a173-2b1a6bd7766b", "Engagement Manager",
         datetime(2026, 6, 10, 18, 45, 18, 963000), "publishedAt", "London"),
    ]
    first = postings[0]
    assert (first.source, first.board, first.company, first.boilerplate) == ("ashby", "ramp", "Ramp", "")
    assert first.url == "https://jobs.ashbyhq.com/ramp/03e2d4e1-73ad-4f09-a058-2eb9ce34c2bc"
    # from descriptionHtml: the heading keeps its case and its own line (descriptionPlain says "ABOUT RAMP")
    assert first.text.startswith("About Ramp\nRamp is building the smart infrastructure for finance teams")
    assert first.text.endswith("Ramp Applicant Privacy Notice")


def test_linear_evergreen_dates():
    postings = ashby.parse(load("linear"), Board("ashby", "linear"))
    assert [(p.external_id, p.posted_at, p.location, p.company) for p in postings] == [
        ("d3bc1ced-3ce4-4086-a050-555055dbb1ff", datetime(2021, 4, 27, 20, 13, 45, 158000), "Europe", "linear"),
        ("cd5ae036-0223-427a-b038-ba16ef9dcb32", datetime(2021, 8, 18, 20, 48, 26, 891000), "North America", "linear"),
    ]
    assert postings[0].text.endswith("or any other protected characteristic under applicable law.")


def test_unlisted_jobs_are_skipped_and_plain_text_is_the_fallback():
    jobs = load("linear")["jobs"]
    hidden = {**jobs[0], "isListed": False}
    plain_only = {**jobs[1], "descriptionHtml": None, "descriptionPlain": "ABOUT US\n\nWe  ship."}
    postings = ashby.parse({"jobs": [hidden, plain_only]}, Board("ashby", "linear"))
    assert [(p.external_id, p.text) for p in postings] == [("cd5ae036-0223-427a-b038-ba16ef9dcb32", "ABOUT US\nWe ship.")]


def test_missing_date_degrades():
    (posting,) = ashby.parse({"jobs": [{"id": "x", "title": "T", "publishedAt": "soon"}]}, Board("ashby", "b"))
    assert (posting.posted_at, posting.date_source, posting.text) == (None, "", "")


@pytest.mark.parametrize("doc", [None, [], {"jobs": {}}, {"jobs": ["x"]}, {"jobs": [{"title": "no id"}]}])
def test_bad_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        ashby.parse(doc, Board("ashby", "x"))


def test_fetch_end_to_end(server):
    server.route("/posting-api/job-board/ramp", Reply.file("ashby/ramp.json"), query={"includeCompensation": "true"})
    postings = list(collect(ashby, context(server), RAMP))
    assert len(postings) == 4 and server.hits("/posting-api/job-board/ramp") == 1


def test_unknown_board_either_way(server):
    # observed both ways for unknown names: a 404, or 200 with no jobs
    server.route("/posting-api/job-board/gone", Reply.json({"jobs": []}))
    assert list(collect(ashby, context(server), Board("ashby", "gone"))) == []
    with pytest.raises(NotFound):
        list(collect(ashby, context(server), Board("ashby", "never")))  # the replay server 404s unknown paths
    server.route("/posting-api/job-board/odd", Reply.json({"success": False}))
    with pytest.raises(BadResponse, match="jobs"):
        list(collect(ashby, context(server), Board("ashby", "odd")))
