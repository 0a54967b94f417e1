"""The fault matrix: network faults × representative sources, through `jobtone scrape` against the replay server.

Every source has two boards: `probe`, which the fault breaks, and `control`, which stays healthy. Each case
starts from the same stored state (every board loaded once, one posting short of its full listing), breaks
every source's probe board with ONE fault and runs `jobtone scrape`, then removes the fault and runs again.
Checked for each source: no crash (exit 1, then 0); the probe board's stored rows are untouched (not marked
removed, not rewritten) and nothing stored anywhere is lost; the failure is recorded in `board_runs` with its
source, URL and reason; the control boards complete; the next good run fills the gap. A refused connection
breaks a whole source (its API root), so that case breaks half the sources at a time, the others completing.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from e2e import API_KEYS, jobtone
from replay import ReplayServer, Reply, fixture_bytes
from scraper.sources import SOURCES, Board

JSON = {"Content-Type": "application/json"}
TOKENS = ("probe", "control")
MAX_MB = 1
FIFTY_MB = b'{"jobs": [' + b" " * (50 * 1024 * 1024) + b"]}"


@dataclass(frozen=True)
class Site:
    """One source as the replay server serves it. `routes(token, body)` gives (path, query, body) for every
    request of a board; the last one is the document holding the postings, where the fault goes."""

    source: str
    full: bytes
    short: bytes
    routes: Callable[[str, bytes], list[tuple[str, dict, bytes]]]
    option: str = ""  # a board option line, with {token}

    def board(self, token: str) -> str:
        option = self.option.format(token=token)
        return f'[[board]]\nats = "{self.source}"\ntoken = "{token}"\n{option}\n'

    def count(self, body: bytes) -> int:
        return _parsed_count(self.source, body)


@functools.cache
def _parsed_count(source: str, body: bytes) -> int:
    return len(SOURCES[source].parse(json.loads(body), Board(source, "x")))


def _minus_one(body: bytes, key: str | None) -> bytes:
    data = json.loads(body)
    if key is None:
        return json.dumps(data[:-1]).encode()
    data[key] = data[key][:-1]
    if isinstance(data.get("hits"), int):
        data["hits"] = len(data[key])
    return json.dumps(data).encode()


def _path_routes(template: str) -> Callable[[str, bytes], list]:
    return lambda token, body: [(template.format(token), {}, body)]


def _amazon_routes(token: str, body: bytes) -> list:
    return [("/en/search.json", {"base_query": token}, body)]  # the board's `query` option tells boards apart


HN_STORY = {"probe": 48747976, "control": 48747977}  # the recorded thread, and a copy of it under another id


def _hn_routes(token: str, body: bytes) -> list:
    """The author's thread list (one thread, posted three days ago, so a scrape fetches it), then the thread."""
    listing = json.loads(fixture_bytes("hn_algolia/search_by_date_whoishiring.json"))
    hit, story, posted = copy.deepcopy(listing["hits"][0]), HN_STORY[token], int(time.time()) - 3 * 86400
    hit.update(objectID=str(story), story_id=story, title="Ask HN: Who is hiring? (July 2026)", created_at_i=posted,
               created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(posted)))
    listing.update(hits=[hit], nbHits=1, nbPages=1)
    item = body if token == "probe" else body.replace(b'"id": 48747976', f'"id": {story}'.encode(), 1)
    return [("/api/v1/search_by_date", {"tags": f"story,author_{token}"}, json.dumps(listing).encode()),
            (f"/api/v1/items/{story}", {}, item)]


def _sites() -> list[Site]:
    gh, lever = fixture_bytes("greenhouse/gitlab.json"), fixture_bytes("lever/spotify.json")
    ashby = fixture_bytes("ashby/linear.json")
    sites = [Site("greenhouse", gh, _minus_one(gh, "jobs"), _path_routes("/v1/boards/{}/jobs")),
             Site("lever", lever, _minus_one(lever, None), _path_routes("/v0/postings/{}")),
             Site("ashby", ashby, _minus_one(ashby, "jobs"), _path_routes("/posting-api/job-board/{}"))]
    if "amazon" in SOURCES:
        amazon = fixture_bytes("bigtech/amazon/jht_search_business_category_compensation_raw.json")
        sites.append(Site("amazon", amazon, _minus_one(amazon, "jobs"), _amazon_routes, 'query = "{token}"'))
    if "hn" in SOURCES:
        item = json.dumps(json.loads(fixture_bytes("hn_algolia/item_48747976_trimmed.json"))).encode()
        sites.append(Site("hn", item, _minus_one(item, "children"), _hn_routes))
    return sites


SITES = _sites()

# fault → (the broken document's replies given its good body, what the recorded error must say)
FAULTS: dict[str, tuple[Callable[[bytes], list[Reply]], str]] = {
    "reset_mid_body": (lambda good: [Reply(200, good, JSON, fault="reset")], "connection failed"),
    "truncated_json": (lambda good: [Reply(200, good[: len(good) // 2], JSON)], "invalid or truncated JSON"),
    "read_timeout": (lambda good: [Reply(200, good, JSON, delay=3.5)], "timed out"),
    "429_retry_after": (lambda good: [Reply(429, b"slow down", {"Retry-After": "1"})], "HTTP 429"),
    "429_no_retry_after": (lambda good: [Reply(429, b"slow down")], "HTTP 429"),
    "503_burst": (lambda good: [Reply(503, b"busy")] * 5 + [Reply(200, good, JSON)], "HTTP 503"),
    "html_instead_of_json": (lambda good: [Reply.text("<!DOCTYPE html><html><body>Down for maintenance</body></html>",
                                                      content_type="text/html")], "HTML page"),
    "50mb_body": (lambda good: [Reply(200, FIFTY_MB, JSON)], "over the 1,048,576-byte cap"),
    "invalid_utf8": (lambda good: [Reply(200, good.replace(b'"', b'"\xff\xfe', 1), JSON)], "not valid UTF-8"),
    "changed_shape": (lambda good: [Reply(200, json.dumps({"data": json.loads(good)}).encode(), JSON)],
                      r"no `\w+` list|unexpected JSON shape"),
}


def write_fault_config(tmp_path: Path, server_url: str, roots: dict[str, str] | None = None) -> Path:
    """Every source on the local server (or on `roots`), tiny retries, a 1.5 s read timeout (a loaded machine can
    take 0.5 s to answer a good request), a 1 MB cap."""
    api = {key: server_url for key in API_KEYS} | (roots or {})
    config = tmp_path / "jobtone.toml"
    config.write_text("\n".join([
        f'[database]\npath = "{tmp_path / "jobtone.duckdb"}"\nlock_wait = 1\n',
        "[api]", *(f'{k} = "{v}"' for k, v in api.items()),
        f"\n[http]\ntimeout = 1.5\nconnect_timeout = 1.5\nretries = 1\nbackoff = 0.01\ninterval = 0\nmax_mb = {MAX_MB}",
        *(f'[http.hosts."{host}"]\nconcurrency = 16\ninterval = 0\n'  # no politeness delays between retries
          for host in sorted({url.split("//")[1] for url in api.values()})),
        *(site.board(token) for site in SITES for token in TOKENS),
    ]), encoding="utf-8")
    return config


def serve(server: ReplayServer, body_of: Callable[[Site], bytes] = lambda site: site.full) -> None:
    for site in SITES:
        for token in TOKENS:
            for path, params, body in site.routes(token, body_of(site)):
                server.route(path, Reply(200, body, JSON), query=params)


def break_probes(server: ReplayServer, fault: str) -> None:
    replies = FAULTS[fault][0]
    for site in SITES:
        path, params, body = site.routes("probe", site.full)[-1]
        server.route(path, *replies(body), query=params)


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A database where every board was loaded once, each one posting short of its full listing."""
    tmp = tmp_path_factory.mktemp("stored")
    with ReplayServer() as server:
        serve(server, lambda site: site.short)
        code, _, err = jobtone("--config", str(write_fault_config(tmp, server.url)), "scrape")
    assert code == 0, err
    return tmp / "jobtone.duckdb"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass(frozen=True)
class Stored:
    """What the database holds, read in one connection: postings by board, the last run and its outcomes."""

    rows: dict[tuple[str, str], list[tuple]]
    run: tuple
    outcomes: dict[tuple[str, str], tuple]

    @classmethod
    def read(cls, db: Path) -> Stored:
        with duckdb.connect(str(db), read_only=True) as con:
            rows: dict[tuple[str, str], list[tuple]] = {}
            for row in con.execute("SELECT * FROM postings ORDER BY posting_id").fetchall():
                rows.setdefault((row[1], row[2]), []).append(row)
            run = con.execute("SELECT run_id, status, failures FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
            outcomes = con.execute("SELECT source, board, status, url, error, fetched FROM board_runs WHERE run_id = ?",
                                   [run[0]]).fetchall()
        return cls(rows, run[1:], {(o[0], o[1]): o[2:] for o in outcomes})

    def identity(self) -> set[tuple]:
        """posting_id, content_hash, first_seen_at, removed_at of every stored posting."""
        return {(r[0], r[16], r[12], r[14]) for rows in self.rows.values() for r in rows}

    def counts(self) -> dict[str, int]:
        return {f"{source}:{token}": len(rows) for (source, token), rows in self.rows.items()}


def check_broken_run(before: Stored, after: Stored, broken: list[Site], roots: dict[str, str],
                     expected_error: str) -> list[str]:
    """What went wrong with the broken run, as readable lines (empty when all is well)."""
    problems = [] if before.identity() <= after.identity() else ["stored postings were lost, reworded or marked removed"]
    for site in SITES:
        for token in TOKENS:
            key = (site.source, token)
            status, url, error, fetched = after.outcomes[key]
            if site in broken and (token == "probe" or site.source in roots):
                if after.rows[key] != before.rows[key]:
                    problems.append(f"{site.source}:{token}: stored rows changed")
                root = roots.get(site.source, "http://127.0.0.1")
                if status != "failed" or not url.startswith(root) or not re.search(expected_error, error):
                    problems.append(f"{site.source}:{token}: recorded {status!r} {url!r} {error!r}")
            elif status != "ok" or fetched != site.count(site.full):
                problems.append(f"{site.source}:{token}: a healthy board did not complete: {status} {error}")
    return problems


def run_broken_then_healed(tmp_path: Path, server: ReplayServer, stored: Path, broken: list[Site],
                           expected_error: str, roots: dict[str, str] | None = None) -> None:
    db = tmp_path / "jobtone.duckdb"
    shutil.copy(stored, db)
    before = Stored.read(db)
    code, _, err = jobtone("--config", str(write_fault_config(tmp_path, server.url, roots)), "scrape")
    assert code == 1, err  # partial failure, recorded: not a crash
    after = Stored.read(db)
    assert check_broken_run(before, after, broken, roots or {}, expected_error) == []
    assert after.run == ("partial", len(broken) * (2 if roots else 1))

    serve(server)  # the fault is gone
    code, _, err = jobtone("--config", str(write_fault_config(tmp_path, server.url)), "scrape")
    assert code == 0, err
    healed = Stored.read(db)
    assert healed.counts() == {f"{s.source}:{t}": s.count(s.full) for s in SITES for t in TOKENS}  # gap filled
    assert not list((tmp_path / "jobtone.duckdb.staging").glob("*.json*"))  # nothing left staged


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_on_every_source(fault, stored, tmp_path, server):
    serve(server)
    break_probes(server, fault)
    run_broken_then_healed(tmp_path, server, stored, SITES, FAULTS[fault][1])


REFUSED_GROUPS = [SITES[0::2], SITES[1::2]]  # half the sources refused at a time, the other half complete


@pytest.mark.parametrize("group", REFUSED_GROUPS, ids=["+".join(s.source for s in g) for g in REFUSED_GROUPS])
def test_connection_refused(group, stored, tmp_path, server):
    serve(server)
    names = {site.source for site in group}
    roots = {key: closed_port_url() for key in API_KEYS if key.split("_")[0] in names}
    run_broken_then_healed(tmp_path, server, stored, group, "connection failed", roots)
