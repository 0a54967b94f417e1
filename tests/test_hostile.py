"""Hostile input: scraped text is data, never markup, code or SQL; `jobtone sql` cannot write; HTTP refuses
non-HTTP redirects and caps decompressed sizes; every parser only ever raises ParseError (property tests).

robots.txt for HTML pages is tested with the pages source (tests/test_pages.py)."""

from __future__ import annotations

import gzip
import html
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from e2e import board, jobtone, query, write_config
from replay import Reply, ReplayServer, fixture_bytes
from scraper.errors import BadResponse, FetchError
from scraper.http import Client, HttpSettings

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
