"""Apple: the token bootstrap, one row per location grouped by positionId, details only for new or changed ones."""

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ConfigError, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, apple, collect
from scraper.sources.base import Board

BOARD = Board("apple", "apple", "Apple")
SEARCH = "bigtech/apple/rahulkr_api_v1_search_trimmed.json"
TOKEN = "9f8e7d6c5b4a"


def load(name: str = SEARCH):
    return json.loads(fixture_bytes(name))


def rows() -> list[dict]:
    return load()["res"]["searchResults"]


def detail_for(row: dict) -> dict:
    """A jobDetails answer shaped as bigtech.md §4 describes it (no recording of one exists)."""
    return {"res": {"positionId": row["positionId"], "postingTitle": row["postingTitle"],
                    "jobSummary": f"Summary of {row['postingTitle']}.", "description": "What you will do.\nTogether.",
                    "minimumQualifications": "5+ years", "preferredQualifications": "Curiosity",
                    "postDateInGMT": row["postDateInGMT"]}}


def context(server, known=None) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(1, 0.0)), sleep=lambda _: None)
    return FetchContext(client=client, root=server.url, now=datetime(2026, 9, 28), known=lambda: known or {})


# -- parse -----------------------------------------------------------------------------------------------

def test_rows_group_by_position_one_row_per_location():
    groups = apple.group_positions(rows())
    assert [[r["id"] for r in group] for group in groups] == [
        ["200651071-0836"], ["200685421-0836"], ["200685976-0670", "200685976-2459"]]


def test_list_records_without_detail_are_seen_only():
    postings = [p for group in apple.group_positions(rows()) for p in apple.parse({"rows": group, "detail": None}, BOARD)]
    assert [(p.external_id, p.title, p.posted_at, p.location, p.seen_only) for p in postings] == [
        ("200651071", "Senior Machine Learning Engineer, NLP, Input Experience",
         datetime(2026, 9, 27, 1, 1, 18, 561000), "Cupertino", True),
        ("200685421", "Data Scientist - Capacity Planning - Apple Data Platform",
         datetime(2026, 9, 26, 14, 53, 43, 567000), "Cupertino", True),
        ("200685976", "Lead Designer, Design Systems & Structures",
         datetime(2026, 9, 26, 6, 56, 5, 885000), "Culver City; New York City", True),
    ]
    last = postings[-1]
    assert (last.source, last.board, last.company, last.date_source) == ("apple", "apple", "Apple", "postDateInGMT")
    assert last.url == "https://jobs.apple.com/en-us/details/200685976/lead-designer-design-systems-structures"
    assert last.fingerprint == "2026-09-26T06:56:05.885Z|Lead Designer, Design Systems & Structures"
    assert [r["id"] for r in json.loads(last.raw)["rows"]] == ["200685976-0670", "200685976-2459"]


def test_detail_text_in_reading_order():
    group = apple.group_positions(rows())[0]
    [posting] = apple.parse({"rows": group, "detail": detail_for(group[0])}, BOARD)
    assert posting.text == ("Summary of Senior Machine Learning Engineer, NLP, Input Experience.\nWhat you will do.\n"
                            "Together.\n5+ years\nCuriosity")
    assert not posting.seen_only


def test_nine_fractional_digits():
    row = {**rows()[0], "postDateInGMT": "2026-08-06T04:01:18.327219746Z"}
    [posting] = apple.parse({"rows": [row], "detail": None}, BOARD)
    assert posting.posted_at == datetime(2026, 8, 6, 4, 1, 18, 327219)


@pytest.mark.parametrize("doc", [
    None, {"rows": []}, {"rows": [{"positionId": "1"}]}, {"rows": ["x"]},
    {"rows": [{"positionId": "1", "postingTitle": "a"}, {"positionId": "2", "postingTitle": "b"}]},
    {"rows": [{"positionId": "1", "postingTitle": "a"}], "detail": {"res": {}}},
    {"rows": [{"positionId": "1", "postingTitle": "a"}], "detail": {"res": {"positionId": "2", "description": "x"}}},
    {"rows": [{"positionId": "1", "postingTitle": "a"}], "detail": ["not", "an", "object"]},
])
def test_wrong_shapes_are_parse_errors(doc):
    with pytest.raises(ParseError):
        apple.parse(doc, BOARD)


json_values = st.recursive(st.none() | st.integers() | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=10)
row_keys = st.sampled_from(["positionId", "postingTitle", "postDateInGMT", "locations", "transformedPostingTitle"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(row_keys, json_values), max_size=3), json_values)
def test_parse_only_raises_parse_error(rows_, detail):
    try:
        apple.parse({"rows": rows_, "detail": detail}, BOARD)
    except ParseError:
        pass


# -- fetch against the replay server ---------------------------------------------------------------------

def serve(server, *search_replies: Reply) -> None:
    token = Reply(200, b"{}", {"Content-Type": "application/json", "x-apple-csrf-token": TOKEN,
                               "Set-Cookie": "jssid=s3ss10n; Path=/"})
    server.route("/api/v1/CSRFToken", token)
    empty = Reply.json({"res": {"searchResults": [], "totalRecords": 0}})
    server.route("/api/v1/search", *(search_replies or (Reply.file(SEARCH), empty)), method="POST")
    for row in rows():
        server.route(f"/api/v1/jobDetails/{row['positionId']}", Reply.json(detail_for(row)))


def test_token_bootstrap_then_search_then_one_detail_per_position(server):
    serve(server)
    postings = list(collect(apple, context(server), BOARD))
    assert [p.external_id for p in postings] == ["200651071", "200685421", "200685976"]
    assert [r.path for r in server.requests] == [
        "/api/v1/CSRFToken", "/api/v1/search", "/api/v1/search",
        "/api/v1/jobDetails/200651071", "/api/v1/jobDetails/200685421", "/api/v1/jobDetails/200685976"]
    search = server.requests[1]
    assert search.headers["X-Apple-CSRF-Token"] == TOKEN and "jssid=s3ss10n" in search.headers["Cookie"]
    body = json.loads(search.body)
    assert (body["page"], body["sort"], body["locale"]) == (1, "newest", "en-us") and body["format"]["longDate"]
    assert json.loads(server.requests[2].body)["page"] == 2  # 1,300 records reported: the next page is asked for
    assert server.requests[3].headers["X-Apple-CSRF-Token"] == TOKEN
    assert server.requests[3].query == {"locale": ["en-us"]}


def test_unchanged_positions_skip_the_detail(server):
    serve(server)
    known = {r["positionId"]: apple.fingerprint(r) for r in rows()[:2]}
    postings = list(collect(apple, context(server, known), BOARD))
    assert [p.seen_only for p in postings] == [True, True, False]
    assert [r.path for r in server.requests if "jobDetails" in r.path] == ["/api/v1/jobDetails/200685976"]


def test_refused_token_is_renewed_once(server):
    serve(server, Reply.json({"error": "expired"}, status=403), Reply.file(SEARCH),
          Reply.json({"res": {"searchResults": [], "totalRecords": 0}}))
    assert len(list(collect(apple, context(server), BOARD))) == 3
    assert server.hits("/api/v1/CSRFToken") == 2


def test_missing_token_header_is_bad_response(server):
    server.route("/api/v1/CSRFToken", Reply.json({}))
    with pytest.raises(BadResponse, match="no x-apple-csrf-token header") as caught:
        list(collect(apple, context(server), BOARD))
    assert caught.value.url == server.url + "/api/v1/CSRFToken"
    assert server.hits("/api/v1/search") == 0


def test_search_without_results_list_is_bad_response(server):
    serve(server, Reply.json({"res": {"error": "bad filter"}}))
    with pytest.raises(BadResponse, match="searchResults"):
        list(collect(apple, context(server), BOARD))


def test_board_filters_go_into_the_search_body(server):
    serve(server)
    board = Board("apple", "apple", "Apple", {"filters": {"locations": ["postLocation-USA"]}})
    list(collect(apple, context(server), board))
    assert json.loads(server.requests[1].body)["filters"] == {"locations": ["postLocation-USA"]}


def test_filters_must_be_a_table(server):
    serve(server)
    with pytest.raises(ConfigError, match="`filters` must be a table"):
        list(collect(apple, context(server), Board("apple", "apple", "Apple", {"filters": "USA"})))
