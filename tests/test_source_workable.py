"""Workable widget v1: the recorded account parses to one record per shortcode; fetch end to end."""

import json
from datetime import datetime

import pytest

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, workable
from scraper.sources.base import Board

NOW = datetime(2026, 8, 1)
ZAELAB = Board("workable", "zaelab")
V1 = "workable/omoji_zaelab_widget_v1_details.json"


def load(name: str = V1):
    return json.loads(fixture_bytes(name))


def context(server) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    return FetchContext(client=client, root=server.url, now=NOW)


def test_zaelab_repeats_per_location_merge_into_one_record():
    (posting,) = workable.parse(load(), ZAELAB)
    assert (posting.source, posting.board, posting.external_id) == ("workable", "zaelab", "DD136DD7E7")
    assert (posting.title, posting.company, posting.location) == ("Business Analyst - Spanish Speaking", "Zaelab", "Spain; Portugal")
    assert (posting.posted_at, posting.date_source) == (datetime(2026, 8, 5), "published_on")
    assert posting.url == "https://apply.workable.com/j/DD136DD7E7"
    # the recording was trimmed of descriptions
    assert (posting.text, posting.boilerplate) == ("", "")
    assert [job["country"] for job in json.loads(posting.raw)] == ["Spain", "Portugal"]


def test_details_give_text_and_the_account_description_is_boilerplate():
    doc = {"name": "Acme", "description": "<p>Acme makes <b>anvils</b>.</p>",
           "jobs": [{"shortcode": "AB1", "title": " Smith ", "description": "<p>Forge things.</p>",
                     "requirements": "<ul><li>Strong</li><li>flexible</li></ul>", "benefits": "<p>Lunch</p>",
                     "created_at": "2026-07-02", "city": "Athens", "state": "", "country": "Greece"}]}
    (posting,) = workable.parse(doc, Board("workable", "acme", "Acme Corp"))
    assert (posting.title, posting.company, posting.location) == ("Smith", "Acme Corp", "Athens, Greece")
    assert (posting.text, posting.boilerplate) == ("Forge things.\nStrong\nflexible\nLunch", "Acme makes anvils.")
    assert (posting.posted_at, posting.date_source) == (datetime(2026, 7, 2), "created_at")
    assert json.loads(posting.raw)["shortcode"] == "AB1"


def test_the_v3_list_is_not_this_source():
    # v3 (`POST /api/v3/accounts/{account}/jobs`) has `results` and no text; feeding it here fails loudly
    assert "description" not in load("workable/abhibattula_huggingface_v3_jobs.json")["results"][0]
    with pytest.raises(ParseError):
        workable.parse(load("workable/abhibattula_huggingface_v3_jobs.json"), Board("workable", "huggingface"))


@pytest.mark.parametrize("doc", [None, [], {"jobs": None}, {"jobs": ["x"]}, {"jobs": [{"title": "no shortcode"}]}])
def test_bad_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        workable.parse(doc, ZAELAB)


def test_fetch_end_to_end(server):
    server.route("/api/v1/widget/accounts/zaelab", Reply.file(V1), query={"details": "true"})
    postings = list(collect(workable, context(server), ZAELAB))
    assert [(p.external_id, p.location) for p in postings] == [("DD136DD7E7", "Spain; Portugal")]
    assert server.hits("/api/v1/widget/accounts/zaelab") == 1


def test_fetch_without_jobs_is_bad_response(server):
    server.route("/api/v1/widget/accounts/odd", Reply.json({"name": "Odd"}))
    with pytest.raises(BadResponse, match="jobs"):
        list(collect(workable, context(server), Board("workable", "odd")))
