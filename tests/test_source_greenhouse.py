"""Greenhouse: recorded boards parse to exact records; board boilerplate is split off; fetch end to end."""

import json
from datetime import datetime
from types import MappingProxyType

import pytest

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ConfigError, NotFound, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, greenhouse
from scraper.sources.base import Board

NOW = datetime(2026, 8, 1)
ANTHROPIC = Board("greenhouse", "anthropic")


def load(name: str):
    return json.loads(fixture_bytes(f"greenhouse/{name}.json"))


def context(server) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(2, 0.0)))
    return FetchContext(client=client, root=server.url, now=NOW)


def test_anthropic_records():
    postings = greenhouse.parse(load("anthropic"), ANTHROPIC)
    assert [(p.external_id, p.title, p.posted_at, p.date_source, p.location) for p in postings] == [
        ("5311686008", "Country Lead, Data Center Security", datetime(2026, 7, 10, 20, 15, 41), "first_published",
         "Sydney, Australia"),
        ("5215052008", "Amazon GTM Partnership, Startups", datetime(2026, 5, 11, 21, 58, 31), "first_published",
         "San Francisco, CA | New York City, NY | Seattle, WA"),
        ("5023394008", "Anthropic Fellows Program", datetime(2025, 12, 11, 17, 27, 23), "first_published",
         "London, UK; Ontario, CAN; Remote-Friendly, United States; San Francisco, CA"),
        ("5101378008", "Account Executive, Public Sector", datetime(2026, 4, 7, 20, 10, 24), "first_published",
         "Sydney, Australia"),
    ]
    first = postings[0]
    assert (first.source, first.board, first.company) == ("greenhouse", "anthropic", "Anthropic")
    assert first.url == "https://job-boards.greenhouse.io/anthropic/jobs/5311686008"
    assert first.text.startswith("About the role\nAnthropic's Data Center Security Engineering team owns")
    assert json.loads(first.raw)["id"] == 5311686008


def test_board_intro_and_conclusion_are_boilerplate_not_text():
    for posting in greenhouse.parse(load("anthropic"), ANTHROPIC):
        assert "flexible working hours" in posting.boilerplate
        assert "flexible" not in posting.text
        assert posting.boilerplate.startswith("About Anthropic\nAnthropic’s mission is to create reliable")
        assert "About Anthropic" not in posting.text
    # the job's own pay-transparency block stays in the text
    assert greenhouse.parse(load("anthropic"), ANTHROPIC)[1].text.endswith("Annual Salary:\n$265,000—$365,000 USD")


def test_escaped_html_is_unescaped_once_and_inner_entities_resolved():
    text = greenhouse.parse(load("anthropic"), ANTHROPIC)[3].boilerplate
    assert "AI & Compute" in text and "&amp;" not in text and "&nbsp;" not in text and "<p>" not in text


def test_gitlab_records():
    postings = greenhouse.parse(load("gitlab"), Board("greenhouse", "gitlab", "GitLab Inc."))
    assert [(p.external_id, p.title, p.posted_at, p.company) for p in postings] == [
        ("8503792002", "Account Executive - Italy", datetime(2026, 4, 17, 9, 58, 3), "GitLab Inc."),
        ("8565469002", "AI Engineer", datetime(2026, 5, 29, 11, 49, 29), "GitLab Inc."),
    ]
    assert "Flexible Paid Time Off" in postings[0].boilerplate
    assert postings[0].text.startswith("An overview of this role\nAs an Account Executive, you’ll be")


def test_metadata_option_keeps_matching_jobs_only():
    board = Board("greenhouse", "anthropic", options=MappingProxyType({"metadata": {"Location Type": "On-Site"}}))
    assert [p.external_id for p in greenhouse.parse(load("anthropic"), board)] == ["5215052008", "5023394008"]


def test_metadata_option_matches_multi_select_values():
    doc = {"jobs": [{"id": 1, "title": "a", "metadata": [{"name": "Business Unit", "value": ["Cash App", "Square"]}]},
                    {"id": 2, "title": "b", "metadata": None}]}
    board = Board("greenhouse", "block", options=MappingProxyType({"metadata": {"Business Unit": "Square"}}))
    assert [p.external_id for p in greenhouse.parse(doc, board)] == ["1"]


def test_bad_metadata_option_is_a_config_error():
    with pytest.raises(ConfigError, match="metadata"):
        greenhouse.parse({"jobs": []}, Board("greenhouse", "x", options=MappingProxyType({"metadata": "Square"})))


def test_updated_at_is_only_a_recorded_fallback():
    doc = {"jobs": [{"id": 7, "title": " Engineer ", "updated_at": "2026-07-14T18:35:00-04:00"}, {"id": 8}]}
    first, second = greenhouse.parse(doc, Board("greenhouse", "x"))
    assert (first.title, first.posted_at, first.date_source) == ("Engineer", datetime(2026, 7, 14, 22, 35), "updated_at")
    assert (second.title, second.text, second.posted_at, second.date_source) == ("", "", None, "")


def test_odd_field_types_degrade_to_empty_values():
    doc = {"jobs": [{"id": 1, "title": None, "content": 5, "location": [], "metadata": {}, "first_published": 3}]}
    (posting,) = greenhouse.parse(doc, Board("greenhouse", "x"))
    assert (posting.title, posting.text, posting.location, posting.posted_at, posting.date_source) == ("", "", "", None, "")


def test_missing_jobs_or_id_is_parse_error():
    for doc in (None, {"jobs": None}, {"jobs": [1]}, {"jobs": [{"title": "no id"}]}):
        with pytest.raises(ParseError):
            greenhouse.parse(doc, Board("greenhouse", "x"))


def test_fetch_end_to_end(server):
    server.route("/v1/boards/anthropic/jobs", Reply.file("greenhouse/anthropic.json"), query={"content": "true"})
    postings = list(collect(greenhouse, context(server), ANTHROPIC))
    assert [p.external_id for p in postings] == ["5311686008", "5215052008", "5023394008", "5101378008"]
    assert server.hits("/v1/boards/anthropic/jobs") == 1


def test_fetch_rejects_error_bodies(server):
    server.route("/v1/boards/nope/jobs", Reply.json({"status": 404, "error": "Job not found"}, status=404))
    server.route("/v1/boards/odd/jobs", Reply.json({"status": 500, "error": "oops"}))
    with pytest.raises(NotFound):
        list(collect(greenhouse, context(server), Board("greenhouse", "nope")))
    with pytest.raises(BadResponse, match="jobs"):
        list(collect(greenhouse, context(server), Board("greenhouse", "odd")))
