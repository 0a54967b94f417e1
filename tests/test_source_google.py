"""Google: the results page's ds:1 blob parses to exact records; a changed layout fails loudly, never shifts fields."""

import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay import Reply, fixture_bytes
from scraper.errors import BadResponse, ConfigError, ParseError
from scraper.http import Client, HostLimit, HttpSettings
from scraper.sources import FetchContext, collect, google
from scraper.sources.base import Board

BOARD = Board("google", "google", "Google")
PAGE = "bigtech/google/pedrocamargo_results_page_ds1_reserialized.html"
RESULTS = "/about/careers/applications/jobs/results/"


def page_html() -> str:
    return fixture_bytes(PAGE).decode("utf-8")


def html_with(data: list) -> str:
    return f"<html><script>AF_initDataCallback({{key: 'ds:1', hash: '3', data:{json.dumps(data)}, sideChannel: {{}}}});</script></html>"


def context(server) -> FetchContext:
    client = Client(HttpSettings(retries=0, default_limit=HostLimit(1, 0.0)), sleep=lambda _: None)
    return FetchContext(client=client, root=server.url, now=datetime(2026, 9, 21))


# -- parse -----------------------------------------------------------------------------------------------

def test_results_page_records():
    postings = google.parse(page_html(), BOARD)
    assert [(p.external_id, p.title, p.posted_at, p.date_source) for p in postings] == [
        ("80582381009806022", "Technical Program Manager Intern, BS/MS, Summer 2027", datetime(2026, 9, 14, 13, 18, 23), "[12]"),
        ("91436104816698054", "Software Engineering Intern, PhD, Summer 2027", datetime(2026, 8, 24, 8, 14, 54), "[12]"),
    ]
    first = postings[0]
    assert (first.source, first.board, first.company) == ("google", "google", "Google")
    assert first.url == ("https://www.google.com/about/careers/applications/jobs/results/"
                         "80582381009806022-technical-program-manager-intern-bs-ms-summer-2027")
    assert first.location.startswith("Mountain View, CA, USA; Ann Arbor, MI, USA; Atlanta, GA, USA")
    assert first.location.endswith("Washington D.C., DC, USA") and first.location.count("; ") == 30
    # about the job [10], then responsibilities [3], then qualifications [4]
    assert first.text.startswith("Google's projects, like our users, span the globe")
    assert "\nWork with Google Engineering teams to design, develop, implement" in first.text
    assert first.text.endswith("Preferred qualifications:\nCurrently attending a deg")  # cut by the recording's author
    assert first.boilerplate.startswith("Please complete your application before October 9, 2026.")
    assert json.loads(first.raw)[0] == "80582381009806022"


def test_repeated_minimum_qualifications_are_counted_once():
    second = google.parse(page_html(), BOARD)[1]
    assert second.text.count("Pursuing a PhD program in Computer Science or a related technical field.") == 1
    assert "share your preferred working location" not in second.text  # [18] is a location note


def test_results_data_total_and_page_size():
    data = google.results_data(page_html())
    assert (len(data[0]), data[2], data[3]) == (2, 78, 20)


def test_extra_tokens_between_key_and_data_are_tolerated():
    data = google.results_data(page_html())
    html = f"<script>AF_initDataCallback({{key: 'ds:1', hash: '2', isError:  false , data:{json.dumps(data)}, sideChannel: {{}}}});</script>"
    assert [p.external_id for p in google.parse(html, BOARD)] == ["80582381009806022", "91436104816698054"]


def test_shifted_row_is_a_parse_error_not_shifted_fields():
    data = google.results_data(page_html())
    data[0][0].insert(2, "new field")  # Google adds an entry: every later position moves by one
    with pytest.raises(ParseError, match=r"job row 0 does not have the known layout: \[10\] is not \[null, html\]"):
        google.parse(data, BOARD)


@pytest.mark.parametrize("html, reason", [
    ("<html><body>Before you continue to Google</body></html>", "no AF_initDataCallback block with key 'ds:1'"),
    ("<script>AF_initDataCallback({key: 'ds:1', data:{\"jobs\": []}});</script>", "is not \\[jobs\\[\\], _, total"),
    ("<script>AF_initDataCallback({key: 'ds:1', data:[[], null, 78</script>", "is not JSON"),
    ("<script>AF_initDataCallback({key: 'ds:0', data:[[], null, 1, 20]});</script>", "no AF_initDataCallback"),
])
def test_changed_page_layouts_are_parse_errors(html, reason):
    with pytest.raises(ParseError, match=reason):
        google.parse(html, BOARD)


@pytest.mark.parametrize("row", [
    [], ["1", "title"], ["x"] * 21,
    ["1", "title", None, [None, "<p>a</p>"], None, None, None, "Google", "en-US", [], None, None, "yesterday"] + [None] * 8,
])
def test_bad_rows_are_parse_errors(row):
    with pytest.raises(ParseError, match="job row 0"):
        google.parse([[row], None, 1, 20], BOARD)


json_values = st.recursive(st.none() | st.integers() | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=4), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(json_values, min_size=0, max_size=22), max_size=3))
def test_parse_only_raises_parse_error(rows):
    try:
        google.parse([rows, None, len(rows), 20], BOARD)
    except ParseError:
        pass


# -- fetch against the replay server ---------------------------------------------------------------------

def test_fetch_pages_until_an_empty_page(server):
    server.route(RESULTS, Reply.file(PAGE, content_type="text/html"), query={"page": "1"})
    server.route(RESULTS, Reply.text(html_with([[], None, 78, 20]), content_type="text/html"), query={"page": "2"})
    board = Board("google", "google", "Google", {"params": {"q": "intern"}})
    postings = list(collect(google, context(server), board))
    assert [p.external_id for p in postings] == ["80582381009806022", "91436104816698054"]
    assert [r.query for r in server.requests] == [{"q": ["intern"], "page": ["1"]}, {"q": ["intern"], "page": ["2"]}]


def test_four_pages_for_78_jobs(server):
    for page in range(1, 6):
        server.route(RESULTS, Reply.file(PAGE, content_type="text/html"), query={"page": str(page)})
    assert len(list(collect(google, context(server), BOARD))) == 8  # the same 2 rows on each of 4 pages
    assert server.hits(RESULTS) == 4


def test_changed_layout_is_bad_response_with_the_url(server):
    server.route(RESULTS, Reply.text("<html><body>Before you continue to Google</body></html>", content_type="text/html"))
    with pytest.raises(BadResponse, match="the results page layout changed: .*no AF_initDataCallback") as caught:
        list(collect(google, context(server), BOARD))
    assert caught.value.url == server.url + RESULTS + "?page=1"


def test_params_must_be_a_table(server):
    with pytest.raises(ConfigError, match="`params` must be a table"):
        list(collect(google, context(server), Board("google", "google", "Google", {"params": "q=intern"})))
    assert server.requests == []
