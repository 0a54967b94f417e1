"""Hostile input: scraped text is data, never markup, code or SQL; `jobtone sql` cannot write; HTTP refuses
non-HTTP redirects and caps decompressed sizes; every parser only ever raises ParseError (property tests on
arbitrary documents and on mutated recordings).

robots.txt for HTML pages is tested with the pages source (tests/test_pages.py)."""

from __future__ import annotations

import copy
import gzip
import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from e2e import board, jobtone, query, write_config
from replay import ReplayServer, Reply, fixture_bytes
from scraper import wayback
from scraper.errors import BadResponse, FetchError, ParseError
from scraper.http import Client, HttpSettings
from scraper.posting import Posting
from scraper.sources import SOURCES, Board, jsonld, pages
from scraper.text import html_to_text, unescaped_html_to_text

GH = "/v1/boards/acme/jobs"
SCRIPT = "<script>alert(1)</script>"
ANSI = "\x1b[2J\x1b]0;pwned\x07"  # clear the screen, retitle the terminal
HOSTILE_LEXICON = """
name = "hostile"
[[term]]
name = "<img src=x onerror=alert(2)>"
category = "<script>alert(3)</script>"
forms = ["flexible"]
"""


def hostile_board() -> bytes:
    """The recorded Anthropic board, its first job's title and text carrying markup and terminal escapes."""
    data = json.loads(fixture_bytes("greenhouse/anthropic.json"))
    job = data["jobs"][0]
    job["title"] = f'{SCRIPT} "Staff" Engineer'
    # Greenhouse serves the job's HTML escaped once more: this is text *showing* a script tag, then escapes
    inner = f"<p>We offer flexible{ANSI} hours {html.escape(SCRIPT)} in a fast-paced team.</p>"
    job["content"] = html.escape(inner)
    data["jobs"] = [job]
    return json.dumps(data).encode()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A config and database holding the hostile posting (the server that served it is gone: read-only use)."""
    tmp = tmp_path_factory.mktemp("hostile")
    with ReplayServer() as server:
        server.route(GH, Reply(200, hostile_board(), {"Content-Type": "application/json"}))
        config = write_config(tmp, server.url, board("greenhouse", "acme", f"Acme {SCRIPT}"))
        code, _, err = jobtone("--config", str(config), "scrape")
    assert code == 0, err
    return config


@pytest.fixture
def hostile_copy(hostile, tmp_path, server) -> Path:
    """The hostile database copied, with a config on a live server: for tests that write."""
    shutil.copy(hostile.parent / "jobtone.duckdb", tmp_path / "jobtone.duckdb")
    return write_config(tmp_path, server.url, board("greenhouse", "acme", f"Acme {SCRIPT}"))


def test_scraped_markup_is_stored_as_text(hostile):
    [(title, text, company)] = query(hostile.parent / "jobtone.duckdb", "SELECT title, text, company FROM postings")
    assert title == f'{SCRIPT} "Staff" Engineer' and company == f"Acme {SCRIPT}"
    assert f"hours {SCRIPT} in a fast-paced team" in text


def test_kwic_shows_markup_as_text_and_escapes_terminal_controls(hostile):
    code, out, err = jobtone("--config", str(hostile), "kwic", "flexible")
    assert code == 0, err
    assert "[flexible]" in out and "\\x1b[2J\\x1b]0;pwned\\x07" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "<script>" in out  # the company column: plain text on a terminal, as scraped


def test_report_and_svg_escape_data_labels(hostile, tmp_path):
    lexicon = tmp_path / "hostile.toml"
    lexicon.write_text(HOSTILE_LEXICON, encoding="utf-8")
    out_dir = tmp_path / "reports"
    code, _, err = jobtone("--config", str(hostile), "chart", "--out", str(out_dir), "--lexicon", str(lexicon),
                           "--date", "seen")
    assert code == 0, err
    report = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in report.lower() and "<img src=x" not in report.lower()
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in report and "&lt;img src=x onerror=alert(2)&gt;" in report
    svgs = list(out_dir.glob("*.svg"))
    assert svgs
    labels = []
    for svg in svgs:
        root = ET.fromstring(svg.read_bytes())  # well-formed XML: the labels did not break out of their elements
        assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "foreignObject")]
        assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
        labels += [t for e in root.iter() for t in (e.text, e.tail) if t]
    assert any("<script>alert(3)</script>" in label for label in labels)  # drawn as the text it is


# -- SQL built from user input is parameterised ------------------------------------------------------------

INJECTIONS = ["x' OR '1'='1", "'; DROP TABLE postings; --", "acme\" OR 1=1 --", "$company", "?"]


def test_filters_and_terms_from_the_command_line_never_become_sql(hostile):
    for value in INJECTIONS:
        for option in ("--company", "--source"):
            code, out, err = jobtone("--config", str(hostile), "trends", option, value, "--format", "json")
            assert code == 0, err
            assert all(row["postings"] == 0 for row in json.loads(out))  # matched literally: nothing
        code, _, err = jobtone("--config", str(hostile), "kwic", value)
        assert code == 2 and "has no term" in err
    assert query(hostile.parent / "jobtone.duckdb", "SELECT count(*) FROM postings") == [(1,)]


def test_board_tokens_and_import_source_names_are_data(hostile_copy, tmp_path):
    db = tmp_path / "jobtone.duckdb"
    code, _, err = jobtone("--config", str(hostile_copy), "scrape", *(f"greenhouse:{value}" for value in INJECTIONS))
    assert code == 1, err  # no such boards: recorded failures, not SQL
    assert sorted(query(db, "SELECT board FROM board_runs WHERE status = 'not_found'")) == sorted((v,) for v in INJECTIONS)
    csv = tmp_path / "old.csv"
    csv.write_text("id,text,date\n1,flexible hours,2020-01-02\n", encoding="utf-8")
    name = "a'); DROP TABLE postings; --"
    code, _, err = jobtone("--config", str(hostile_copy), "import", str(csv), "--source", name)
    assert code == 0, err
    assert query(db, "SELECT source, count(*) FROM postings GROUP BY 1 ORDER BY 1") == [(name, 1), ("greenhouse", 1)]


# -- `jobtone sql` is read-only, with no file or network access ------------------------------------------

WRITES = {
    "attach": "ATTACH '{tmp}/other.duckdb' AS other",
    "copy": "COPY postings TO '{tmp}/out.csv'",
    "export": "EXPORT DATABASE '{tmp}/dump'",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "read_file": "SELECT * FROM read_csv('{tmp}/jobtone.toml')",
    "read_text": "SELECT * FROM read_text('/etc/passwd')",
    "reenable": "SET enable_external_access = true",
    "unlock": "SET lock_configuration = false",
    "create": "CREATE TABLE evil AS SELECT 1",
    "second_statement": "SELECT 1; DROP TABLE postings",
}


@pytest.mark.parametrize("statement", WRITES)
def test_sql_refuses_writes_and_file_access(statement, hostile):
    folder = hostile.parent
    before = sorted(p.name for p in folder.iterdir())
    code, out, err = jobtone("--config", str(hostile), "sql", WRITES[statement].format(tmp=folder))
    assert code == 1 and "query failed" in err, (out, err)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert query(folder / "jobtone.duckdb", "SELECT count(*) FROM postings") == [(1,)]


# -- HTTP: redirects only to http(s), decompressed size capped ----------------------------------------------

@pytest.fixture
def client():
    client = Client(HttpSettings(retries=0, max_bytes=1024 * 1024), sleep=lambda _: None)
    yield client
    client.close()


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x", "data:,hi"])
def test_redirect_to_a_non_http_scheme_is_refused(target, server, client):
    server.route("/jump", Reply(302, b"", {"Location": target}))
    with pytest.raises(FetchError, match="refused redirect to a non-HTTP address"):
        client.get(server.url + "/jump")


def test_redirect_to_http_is_followed(server, client):
    server.route("/jump", Reply(302, b"", {"Location": server.url + "/there"}))
    server.route("/there", Reply.json({"ok": True}))
    assert client.get_json(server.url + "/jump") == {"ok": True}


def test_gzip_bomb_is_capped_after_decompression(server, client):
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]", compresslevel=9)  # 64 MB in ~64 KB
    server.route("/bomb", Reply(200, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"}))
    with pytest.raises(BadResponse, match="over the 1,048,576-byte cap"):
        client.get_json(server.url + "/bomb")


# -- every parser only ever raises ParseError: arbitrary documents and mutated recordings --------------------

FIXTURES = Path(__file__).parent / "fixtures"
FOLDERS = {"hn": "hn_algolia", "page": "jsonld_html"}  # sources whose recordings are not in tests/fixtures/<name>
PAGE_URL = "https://jobs.example.com/jobs/1"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["", "2024-01-02", "2024-01-02T03:04:05Z", "1700000000", "<p>x</p>", "&lt;b&gt;", "\x00"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=16)
markup = st.lists(st.sampled_from(["<p>", "</p>", "<script>", "</script>", "<br/>", "<div class='content-intro'>",
                                   '<script type="application/ld+json">', "{", "}", '"@type": "JobPosting"', "&amp;",
                                   "&#x", "<!--", "-->", "<![CDATA[", "\x00", "\ufffd", "<", ">"])
                  | st.text(max_size=8), max_size=25).map("".join)


def trimmed(value: Any, depth: int = 0) -> Any:
    """A recording made small (two items per list, short strings) so that mutating it stays fast."""
    if isinstance(value, dict):
        return {k: trimmed(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [trimmed(v, depth + 1) for v in value[:2]]
    return value[:1500] if isinstance(value, str) else value


def _recorded(name: str) -> Any:
    return json.loads(fixture_bytes(name))


# Sources whose fetch yields one document per posting, composed of a list item and its detail (None when
# the stored copy is current): their documents built from the recordings the way their fetch builds them.
COMPOSED = {
    "smartrecruiters": lambda: [
        {"item": _recorded("smartrecruiters/abhibattula_visa_postings_list.json")["content"][0], "detail": detail}
        for detail in (_recorded("smartrecruiters/abhibattula_visa_posting_detail.json"), None)],
    "workday": lambda: [
        {"item": _recorded("bigtech/workday/lubobali_gdit_cxs_jobs_search.json")["jobPostings"][0],
         "detail": _recorded("bigtech/workday/lubobali_gdit_cxs_job_detail_raw.json")}],
    "eightfold": lambda: [
        {"flavour": "pcsx", "item": {**_recorded("bigtech/microsoft/pedrocamargo_pcsx_search_query_intern_trimmed.json")
                                     ["data"]["positions"][0], "id": 1970393557006899},  # the detail's position
         "detail": _recorded("bigtech/microsoft/rahulkr_pcsx_position_details_trimmed.json")},
        {"flavour": "apply_v2", "item": _recorded("bigtech/eightfold/omoji_albemarle_apply_v2_jobs_trimmed.json")
         ["positions"][0], "detail": None}],
    "apple": lambda: [{"rows": _recorded("bigtech/apple/rahulkr_api_v1_search_trimmed.json")["res"]["searchResults"][:1],
                       "detail": None}],
}


def recordings(source: str) -> list[Any]:
    """The source's recorded documents (JSON as decoded; HTML as a page document and as text), made small."""
    if source in COMPOSED:
        return [trimmed(doc) for doc in COMPOSED[source]()]
    folder = FIXTURES / FOLDERS.get(source, source)
    if not folder.is_dir():
        folder = FIXTURES / "bigtech" / source
    docs: list[Any] = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.suffix == ".json":
            docs.append(trimmed(json.loads(path.read_bytes())))
        elif path.suffix == ".html":
            text = ld_blocks_only(path.read_text(encoding="utf-8", errors="replace"))
            docs += [{"url": PAGE_URL, "html": text}, text]
    return docs


def ld_blocks_only(page: str) -> str:
    """A big page cut down to its JSON-LD blocks and canonical link (what the page parsers read), else its head."""
    blocks = re.findall(r"<script[^>]*ld\+json[^>]*>.*?</script>|<link[^>]*canonical[^>]*>", page, re.S | re.I)
    return f"<html><head>{''.join(blocks)}</head><body><p>x</p></body></html>" if blocks else page[:20000]


@st.composite
def mutated(draw, seeds: list[Any]) -> Any:
    """One recording with a few values replaced, removed, or (in text) a slice swapped for markup."""
    doc = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 3))):
        if isinstance(doc, str):
            at = draw(st.integers(0, len(doc)))
            doc = doc[:at] + draw(markup) + doc[at + draw(st.integers(0, 200)):]
            continue
        parent, key = draw(st.sampled_from(list(_slots(doc)) or [(None, None)]))
        if parent is None:
            doc = draw(json_values)
        elif draw(st.booleans()) and isinstance(parent, dict):
            del parent[key]
        else:
            parent[key] = draw(json_values | markup)
    return doc


def _slots(value: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every value inside `value`."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in list(items):
        yield value, key
        yield from _slots(child)


def documents(source: str) -> st.SearchStrategy[Any]:
    seeds = recordings(source)
    arbitrary = json_values | markup | st.fixed_dictionaries({"url": st.just(PAGE_URL), "html": markup})
    return arbitrary | mutated(seeds) if seeds else arbitrary


TOKENS = {"workday": "nvidia.wd5/nvidia/NVIDIAExternalCareerSite", "page": PAGE_URL}  # tokens with a required form


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_source_parse_raises_only_parse_error(name):
    source, board_ = SOURCES[name], Board(name, TOKENS.get(name, "acme"), "Acme")

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(documents(name))
    def check(doc):
        try:
            postings = source.parse(doc, board_)
        except ParseError:
            return
        assert all(isinstance(p, Posting) for p in postings)

    check()


@settings(max_examples=150, deadline=None)
@given(markup | st.text())
def test_text_parsers_never_raise_anything_else(text):
    assert isinstance(html_to_text(text), str) and isinstance(unescaped_html_to_text(text), str)
    jsonld.extract(text)  # invalid JSON-LD blocks are skipped and recorded, never raised
    pages.job_links(text, PAGE_URL, re.compile("jobs"))
    for parse in (lambda: pages.parse({"url": PAGE_URL, "html": text}, Board("page", PAGE_URL)),
                  lambda: wayback.parse_cdx(text)):
        try:
            parse()
        except ParseError:
            pass
