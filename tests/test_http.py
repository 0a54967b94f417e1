"""The HTTP policy against a real local server: retries, Retry-After, faults, caps and validation."""

import time

import pytest

from replay import Reply
from scraper.errors import BadResponse, DeadlineExceeded, FetchError, HostDown, NotFound
from scraper.http import (
    MAX_CRAWL_DELAY,
    Client,
    HostLimit,
    HttpSettings,
    retry_after_seconds,
)


class FakeTime:
    """A clock that only moves when the client sleeps: pacing is checked exactly, without waiting."""

    def __init__(self, now: float = 100.0) -> None:
        self.now, self.slept = now, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def fast_client(**kw) -> tuple[Client, list[float]]:
    slept: list[float] = []
    settings = HttpSettings(read_timeout=kw.pop("read_timeout", 2.0), backoff=0.01,
                            default_limit=HostLimit(2, 0.0), **kw)
    return Client(settings, sleep=slept.append), slept


def test_json_ok_and_user_agent(server):
    server.route("/x", Reply.json({"jobs": []}))
    client, _ = fast_client()
    assert client.get_json(server.url + "/x") == {"jobs": []}
    assert server.requests[0].headers["User-Agent"].startswith("jobtone/")


def test_500_then_200_is_retried(server):
    server.route("/x", Reply(500), Reply(503), Reply.json([1]))
    client, slept = fast_client()
    assert client.get_json(server.url + "/x") == [1]
    assert server.hits("/x") == 3 and len(slept) == 2


def test_429_honours_retry_after(server):
    server.route("/x", Reply(429, headers={"Retry-After": "7"}), Reply.json([]))
    client, slept = fast_client()
    assert client.get_json(server.url + "/x") == []
    assert slept == [7.0]


def test_retry_after_over_limit_fails(server):
    server.route("/x", Reply(429, headers={"Retry-After": "9999"}))
    client, _ = fast_client()
    with pytest.raises(FetchError, match="Retry-After"):
        client.get(server.url + "/x")


def test_retries_run_out(server):
    server.route("/x", Reply(503))
    client, slept = fast_client(retries=2)
    with pytest.raises(FetchError) as info:
        client.get(server.url + "/x")
    assert info.value.status == 503 and server.hits("/x") == 3


def test_404_is_not_found_without_retry(server):
    server.route("/x", Reply.json({"ok": False, "error": "Document not found"}, status=404))
    client, slept = fast_client()
    with pytest.raises(NotFound):
        client.get_json(server.url + "/x")
    assert slept == []


@pytest.mark.parametrize("reply, message", [
    (Reply.text("<html><body>Login</body></html>", content_type="text/html"), "HTML page"),
    (Reply.text('{"jobs": [', content_type="application/json"), "invalid or truncated JSON"),
    (Reply(200, b'{"a": "\xff\xfe"}', {"Content-Type": "application/json"}), "UTF-8"),
])
def test_bad_bodies_are_bad_responses(server, reply, message):
    server.route("/x", reply)
    client, _ = fast_client()
    with pytest.raises(BadResponse, match=message):
        client.get_json(server.url + "/x")


def test_wrong_shape(server):
    server.route("/x", Reply.json({"ok": False}))
    client, _ = fast_client()
    with pytest.raises(BadResponse, match="shape"):
        client.get_json(server.url + "/x", expect=list)


def test_connection_reset_mid_body_is_retried(server):
    server.route("/x", Reply.json({"a": "b" * 1000}, fault="reset"), Reply.json({"a": 1}))
    client, _ = fast_client()
    assert client.get_json(server.url + "/x") == {"a": 1}


def test_read_timeout_is_retried_then_fails(server):
    server.route("/x", Reply.json([], delay=1.0))
    client, _ = fast_client(read_timeout=0.2, retries=1)
    with pytest.raises(FetchError, match="timed out"):
        client.get(server.url + "/x")


def test_connection_refused():
    client, _ = fast_client(retries=1)
    with pytest.raises(FetchError, match="connection failed"):
        client.get("http://127.0.0.1:9/nothing")


def test_a_host_that_refuses_every_attempt_fails_its_other_requests_at_once():
    client, sleeps = fast_client(retries=2)
    with pytest.raises(HostDown, match="connection refused"):
        client.get("http://127.0.0.1:9/board-1")
    assert len(sleeps) == 2
    with pytest.raises(HostDown, match="earlier request to 127.0.0.1:9"):
        client.with_deadline(60).get("http://127.0.0.1:9/board-2")  # a board's client shares what is known
    assert len(sleeps) == 2  # no new attempt, so no wait


def test_size_cap(server):
    server.route("/x", Reply(200, b"[" + b"1," * 100_000 + b"1]", {"Content-Type": "application/json"}))
    client, _ = fast_client(max_bytes=10_000)
    with pytest.raises(BadResponse, match="cap"):
        client.get(server.url + "/x")


def test_per_host_interval_spaces_request_starts(server):
    server.route("/x", Reply.json([]))
    client = Client(HttpSettings(default_limit=HostLimit(1, 0.15)))
    started = time.monotonic()
    for _ in range(3):
        client.get(server.url + "/x")
    assert time.monotonic() - started >= 0.3


def test_retry_after_parsing():
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None


def test_refused_connection_is_named(server):
    client, _ = fast_client(retries=0)
    with pytest.raises(FetchError, match="connection refused"):
        client.get("http://127.0.0.1:9/nothing")


def test_a_body_that_drips_past_the_deadline_fails(server):
    server.route("/x", Reply.json(["x" * 2_000_000], drip=0.05))
    client, _ = fast_client(retries=0, max_seconds=0.3)
    with pytest.raises(FetchError, match="longer than"):
        client.get(server.url + "/x")


def test_deeply_nested_json_is_a_bad_response(server):
    server.route("/x", Reply(200, b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}))
    client, _ = fast_client()
    with pytest.raises(BadResponse, match="nested too deeply"):
        client.get_json(server.url + "/x")


def test_a_body_dripping_a_byte_at_a_time_ends_at_the_response_deadline(server):
    # each byte comes well within the read timeout: only the whole-response deadline can end it
    server.route("/x", Reply.json(["x" * 400], drip=0.02, piece=1))
    client, _ = fast_client(retries=0, max_seconds=0.3)
    with pytest.raises(FetchError, match="longer than") as caught:
        client.get(server.url + "/x")
    assert not isinstance(caught.value, DeadlineExceeded)


def test_a_board_deadline_bounds_every_request_and_retry(server):
    server.route("/drip", Reply.json(["x" * 400], drip=0.02, piece=1))
    server.route("/busy", Reply(503, headers={"Retry-After": "5"}))
    client, slept = fast_client(retries=3)
    with pytest.raises(DeadlineExceeded, match="board_seconds"):
        client.with_deadline(0.3).get(server.url + "/drip")
    with pytest.raises(DeadlineExceeded):
        client.with_deadline(2).get(server.url + "/busy")  # a 5 s wait would pass the deadline: no sleep
    assert slept == [] and server.hits("/busy") == 1


def test_robots_txt_is_read_once_per_client_and_its_crawl_delay_paces_the_host(server):
    server.route("/robots.txt", Reply.text("User-agent: *\nCrawl-delay: 3\nDisallow: /private/\n"))
    server.route("/jobs/1", Reply.text("one"))
    fake = FakeTime()
    client = Client(HttpSettings(default_limit=HostLimit(2, 0.5)), sleep=fake.sleep, clock=fake.clock)
    assert client.allowed(server.url + "/jobs/1") and not client.allowed(server.url + "/private/x")
    assert server.hits("/robots.txt") == 1
    client.get(server.url + "/jobs/1")
    client.get(server.url + "/jobs/1")
    assert fake.slept == [3.0, 3.0]  # robots.txt itself went first; then each request 3 s after the previous one
    other = Client(HttpSettings(), sleep=fake.sleep)
    assert other.allowed(server.url + "/jobs/1") and server.hits("/robots.txt") == 2  # per client, not per process


def test_a_crawl_delay_is_capped(server):
    server.route("/robots.txt", Reply.text("User-agent: *\nCrawl-delay: 86400\n"))
    server.route("/a", Reply.text("a"))
    fake = FakeTime()
    client = Client(HttpSettings(default_limit=HostLimit(1, 0.0)), sleep=fake.sleep, clock=fake.clock)
    assert client.allowed(server.url + "/a")
    client.get(server.url + "/a")
    assert fake.slept == [MAX_CRAWL_DELAY]


def test_unreachable_robots_txt_keeps_out_but_a_missing_one_has_no_rules(server):
    client, _ = fast_client(retries=0)
    assert client.allowed(server.url + "/anything")  # the replay server answers 404
    other, _ = fast_client(retries=0)
    server.route("/robots.txt", Reply(503))
    with pytest.raises(FetchError, match="robots.txt could not be read"):
        other.allowed(server.url + "/anything")


@pytest.mark.parametrize("headers, body, text", [
    ({"Content-Type": "text/html; charset=ISO-8859-1"}, "café".encode("latin-1"), "café"),
    ({"Content-Type": "text/html"}, b'<meta charset="windows-1252"><p>caf\xe9</p>', '<meta charset="windows-1252"><p>café</p>'),
    ({"Content-Type": "text/html"}, "café".encode(), "café"),  # no charset anywhere: UTF-8
    ({"Content-Type": "text/html; charset=no-such-codec"}, "café".encode(), "café"),
    ({}, b"caf\xff", "caf\ufffd"),  # undecodable bytes are replaced, never an error
])
def test_charset_decoding(server, headers, body, text):
    server.route("/x", Reply(200, body, headers))
    client, _ = fast_client()
    assert client.get(server.url + "/x").text() == text
