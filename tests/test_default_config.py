"""The built-in default config (`scraper/default.toml`): it parses, and every board is backed by evidence."""

import re
import tomllib
from pathlib import Path

import pytest

from scraper.config import config_from_dict, default_config_text, load_config
from scraper.sources import SOURCES

FIXTURES = Path(__file__).parent / "fixtures"
TEXT = default_config_text()
DATA = tomllib.loads(TEXT)
BOARDS = DATA["board"]

# `# evidence: fixture greenhouse/anthropic.json; owner/repo path/to/file ...`
EVIDENCE = re.compile(r"^# evidence: (fixture [\w./-]+\.json|[\w.-]+/[\w.-]+ \S+)")
FIXTURE_REF = re.compile(r"fixture ([\w./-]+\.json)")
# the commented-out `[api]` entries in the header, e.g. `# greenhouse      = "https://..."`
API_LINE = re.compile(r'^# (\w+)\s*= "(https://[^"]+)"$', re.M)


def registered(boards: list[dict]) -> list[dict]:
    # Source modules are written in parallel with this file: a board whose `ats` has no registered
    # module yet cannot be validated by config_from_dict, so it is left out here and covered by
    # test_whole_default_loads once every source is registered.
    return [b for b in boards if b["ats"] in SOURCES]


def test_database_path():
    config = config_from_dict({**DATA, "board": registered(BOARDS)})
    assert config.db_path == Path("data/jobtone.duckdb")
    assert config.api == {}  # the [api] table ships commented out: public hosts by default


def test_registered_boards_parse():
    config = config_from_dict({**DATA, "board": registered(BOARDS)})
    assert [(b.ats, b.token, b.company) for b in config.boards] == [
        (b["ats"], b["token"], b["company"]) for b in registered(BOARDS)]


def test_whole_default_loads(tmp_path, monkeypatch):
    missing = sorted({b["ats"] for b in BOARDS} - set(SOURCES))
    if missing:
        pytest.skip(f"source modules not registered yet: {', '.join(missing)}")
    monkeypatch.chdir(tmp_path)  # no jobtone.toml here, so the built-in default is read
    config = load_config()
    assert config.path is None and len(config.boards) == len(BOARDS)


def test_at_least_30_boards_all_named():
    assert len(BOARDS) >= 30
    assert all(str(b.get("company", "")).strip() for b in BOARDS)


def test_no_duplicate_boards():
    keys = [(b["ats"], str(b["token"]).lower()) for b in BOARDS]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_boards_spread_over_several_ats():
    assert len({b["ats"] for b in BOARDS}) >= 4


def test_every_board_has_evidence_right_above_it():
    lines = TEXT.splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip() == "[[board]]"]
    assert len(headers) == len(BOARDS)
    unbacked = [lines[i + 1:i + 3] for i in headers if i == 0 or not EVIDENCE.match(lines[i - 1])]
    assert unbacked == []


def test_cited_fixtures_exist():
    evidence = [line for line in TEXT.splitlines() if EVIDENCE.match(line)]
    cited = {m.group(1) for line in evidence for m in FIXTURE_REF.finditer(line)}
    assert cited, "expected some boards backed by recorded responses"
    assert sorted(c for c in cited if not (FIXTURES / c).is_file()) == []


def test_commented_api_roots_match_sources():
    documented = dict(API_LINE.findall(TEXT))
    assert documented["greenhouse"] == "https://boards-api.greenhouse.io"
    assert documented["lever_eu"] == "https://api.eu.lever.co"
    for name, root in documented.items():
        if name in SOURCES:  # only sources registered so far can be compared
            assert SOURCES[name].ROOT.rstrip("/") == root, name
