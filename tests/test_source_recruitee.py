"""Recruitee: the recorded offers parse to exact records; the per-company root; fetch end to end."""

import json
from datetime import datetime

import pytest

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, recruitee
from scraper.sources.base import Board

NOW = datetime(2026, 8, 1)
ACME = Board("recruitee", "acme")
OFFERS = "recruitee/omoji_recruitee_offers_sanitized.json"


def load():
    return json.loads(fixture_bytes(OFFERS))


def context(root: str) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    return FetchContext(client=client, root=root, now=NOW)


def test_acme_records():
    postings = recruitee.parse(load(), ACME)
    assert [(p.external_id, p.title, p.posted_at, p.date_source, p.location) for p in postings] == [
        ("2700825", "(Senior) Financial Accountant (f/m/d) - Berlin/Brandenburg Region, Germany",
         datetime(2026, 8, 5, 10, 10, 39), "published_at", "Berlin, Berlin, Germany"),
        ("2697184", "Partner Development Representative (f/m/d) - Berlin, Germany",
         datetime(2026, 7, 31, 22, 26, 40), "published_at", "Berlin, Berlin, Germany"),
    ]
    first = postings[0]
    assert (first.source, first.board, first.company, first.boilerplate) == ("recruitee", "acme", "Acme", "")
    assert first.url == "https://jobs.acme.com/o/senior-financial-accountant-fmd-berlinbrandenburg-region-germany"


def test_text_is_description_then_requirements():
    text = recruitee.parse(load(), ACME)[0].text
    assert text.startswith("How you will make an impact\nAs our (Senior) Financial Accountant, you will be part")
    assert ("for monthly reporting and ad-hoc financial projects.\nWhat we expect from you\n"
            "5+ years of relevant professional experience") in text
    assert "Finance & Legal" in text and "&amp;" not in text


def test_created_at_is_the_recorded_fallback():
    doc = {"offers": [{"id": 1, "title": "T", "published_at": None, "created_at": "2026-07-31 14:40:34 UTC"}, {"id": 2}]}
    first, second = recruitee.parse(doc, ACME)
    assert (first.posted_at, first.date_source) == (datetime(2026, 7, 31, 14, 40, 34), "created_at")
    assert (second.posted_at, second.date_source, second.title, second.text) == (None, "", "", "")


@pytest.mark.parametrize("doc", [None, [], {"offers": None}, {"offers": ["x"]}, {"offers": [{"title": "no id"}]}])
def test_bad_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        recruitee.parse(doc, ACME)


@pytest.mark.parametrize("root, url", [
    ("https://{token}.recruitee.com", "https://acme.recruitee.com/api/offers/"),
    ("http://mirror.test/recruitee/", "http://mirror.test/recruitee/acme/api/offers/"),
])
def test_offers_url(root, url):
    assert recruitee.offers_url(root, "acme") == url


def test_fetch_end_to_end(server):
    server.route("/acme/api/offers/", Reply.file(OFFERS))
    postings = list(collect(recruitee, context(server.url), ACME))
    assert [p.external_id for p in postings] == ["2700825", "2697184"]
    assert server.hits("/acme/api/offers/") == 1


def test_fetch_with_token_placeholder_root(server):
    server.route("/boards/acme/api/offers/", Reply.file(OFFERS))
    assert len(list(collect(recruitee, context(server.url + "/boards/{token}"), ACME))) == 2


def test_fetch_without_offers_is_bad_response(server):
    server.route("/odd/api/offers/", Reply.json({"error": "nope"}))
    with pytest.raises(BadResponse, match="offers"):
        list(collect(recruitee, context(server.url), Board("recruitee", "odd")))
