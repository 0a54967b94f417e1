"""Lever: recorded sites parse to exact records with list bullets in the text; fetch end to end, EU host."""

import json
from datetime import datetime
from types import MappingProxyType

import pytest

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, NotFound, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, lever
from scraper.sources.base import Board

NOW = datetime(2026, 8, 1)
SPOTIFY = Board("lever", "spotify", "Spotify")


def load(name: str):
    return json.loads(fixture_bytes(f"lever/{name}.json"))


def context(root: str, **api: str) -> FetchContext:
    client = Client(HttpSettings(retries=0, connect_timeout=2.0, default_limit=HostLimit(2, 0.0)))
    return FetchContext(client=client, root=root, now=NOW, api=api)


def test_spotify_records():
    postings = lever.parse(load("spotify"), SPOTIFY)
    assert [(p.external_id, p.title, p.posted_at, p.date_source, p.location) for p in postings] == [
        ("b4ad9572-e20f-4185-a284-99d9740d04f0", "Android Engineer I - Subscriptions",
         datetime(2026, 6, 30, 12, 12, 15, 482000), "createdAt", "London"),
        ("cc5ccf57-b851-4c25-8840-ed4cd0535c12", "Analyst, Licensing Finance – FP&A",
         datetime(2026, 3, 2, 20, 21, 24, 346000), "createdAt", "New York, NY"),
        ("66acb66f-de37-4d95-a353-874db92838ef", "Advertiser Solutions Vendor Lead - Programmatic and Direct Support",
         datetime(2026, 6, 10, 16, 42, 19, 214000), "createdAt", "London"),
        ("08d82da1-0c72-44d1-91eb-7fa22dee3d39", "Analytics Engineer II",
         datetime(2026, 5, 13, 15, 23, 52, 322000), "createdAt", "Stockholm"),
    ]
    first = postings[0]
    assert (first.source, first.board, first.company) == ("lever", "spotify", "Spotify")
    assert first.url == "https://jobs.lever.co/spotify/b4ad9572-e20f-4185-a284-99d9740d04f0"
    assert first.text.startswith("The Subscriptions R&D team oversees the entire user journey on Spotify")


def test_list_headings_and_bullets_are_in_the_text():
    record = load("spotify")[0]
    text = lever.parse([record], SPOTIFY)[0].text
    bullet = "Design, build, and evolve mobile experiences across some of Spotify’s most visible consumer surfaces."
    assert bullet not in record["descriptionPlain"]  # the trap: the plain description has no lists
    assert f"What You'll Do\n{bullet}" in text
    assert "Who You Are\nYou have experience developing Android applications using Kotlin." in text
    assert text.endswith("This team operates within the Central European and GMT time zone for collaboration.")


def test_additional_is_boilerplate_not_text():
    for posting in lever.parse(load("spotify"), SPOTIFY):
        assert "equal opportunity employer" in posting.boilerplate
        assert "equal opportunity employer" not in posting.text


def test_palantir_evergreen_posting_keeps_its_2024_date():
    postings = lever.parse(load("palantir"), Board("lever", "palantir"))
    assert [(p.external_id, p.posted_at, p.company) for p in postings] == [
        ("ac978161-6f46-4f6b-ad9e-a258e642751c", datetime(2024, 3, 25, 21, 50, 16, 463000), "palantir"),
        ("0bbfd4f4-41ff-4ec6-b73f-5200efd5d4d3", datetime(2026, 5, 12, 21, 48, 44, 938000), "palantir"),
    ]
    assert postings[0].boilerplate.startswith("Life at Palantir\nWe want every Palantirian")
    assert "What We Require\nAt least three years of previous administrative" in postings[0].text


def test_created_at_as_quoted_string_and_missing():
    doc = [{"id": "a", "text": "x", "createdAt": "1381340626859"}, {"id": "b", "lists": [{"text": "Only list"}]}]
    first, second = lever.parse(doc, Board("lever", "x"))
    assert (first.posted_at, first.date_source) == (datetime(2013, 10, 9, 17, 43, 46, 859000), "createdAt")
    assert (second.posted_at, second.date_source, second.text) == (None, "", "Only list")


@pytest.mark.parametrize("doc", [None, {"ok": False}, ["x"], [{"text": "no id"}], [{"id": "a", "lists": 5}]])
def test_bad_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        lever.parse(doc, Board("lever", "x"))


def test_fetch_end_to_end(server):
    server.route("/v0/postings/spotify", Reply.file("lever/spotify.json"), query={"mode": "json"})
    postings = list(collect(lever, context(server.url), SPOTIFY))
    assert len(postings) == 4 and server.hits("/v0/postings/spotify") == 1


def test_eu_board_uses_the_eu_root(server):
    server.route("/v0/postings/eusite", Reply.file("lever/palantir.json"))
    board = Board("lever", "eusite", options=MappingProxyType({"eu": True}))
    # the default root is a closed port: only the EU root can answer
    postings = list(collect(lever, context("http://127.0.0.1:1", lever_eu=server.url), board))
    assert [p.board for p in postings] == ["eusite", "eusite"]


def test_unknown_site_and_dict_body(server):
    server.route("/v0/postings/nope", Reply.json({"ok": False, "error": "Document not found"}, status=404))
    server.route("/v0/postings/odd", Reply.json({"ok": False, "error": "Document not found"}))
    with pytest.raises(NotFound):
        list(collect(lever, context(server.url), Board("lever", "nope")))
    with pytest.raises(BadResponse, match="shape"):
        list(collect(lever, context(server.url), Board("lever", "odd")))
