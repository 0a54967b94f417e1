"""Issue 13, item 7: random and adversarial records (huge and empty texts, far-off and malformed dates, lone
surrogates, control characters, deep nesting, wrong types) go through every source's parser (the one parse
boundary, `parse_document`), the store (a real DuckDB file) and the analysis (`analyse` and the trends): only
jobtone's own errors ever come out, and the good records of a document with a bad one are stored."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.lexicon import load_lexicon
from analysis.pipeline import analyse, analysis_key
from analysis.series import smooth_rows
from analysis.trends import TrendQuery, data_range, trend_rows
from replay import fixture_bytes
from scraper import store
from scraper.errors import JobtoneError
from scraper.sources import SOURCES, Board
from scraper.sources.base import parse_document
from test_hostile import TOKENS, documents

SEEN = datetime(2026, 11, 1, 3, 0)
FAST = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def nested(depth: int) -> Any:
    """A JSON value nested `depth` levels deep (built without recursion)."""
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


HUGE = "We are flexible and fast-paced. " * 40_000  # 1.3 MB: over the stored text limit
strange_text = st.sampled_from(["", " ", HUGE, "\ud800", "a\udfffb\ud83d", "\x00\x01\x1b[31mred\x7f\u202e",
                                "<script>alert(1)</script>", "&#xD800;", "\ufeff\u200b", "x" * 10_000]) | st.text(max_size=30)
strange_date = st.sampled_from(["0001-01-01", "9999-12-31T23:59:59Z", "2900-06-01", "1969-12-31", "2024-02-30",
                                "not a date", "", "2024-13-01T25:61:00+99:00", 253_402_300_799_000, -1, 10**20,
                                1.5e308, float("nan"), True, None, "1700000000"])
strange_value = (strange_text | strange_date | st.integers() | st.floats() | st.booleans() | st.none()
                 | st.just(nested(3000)) | st.lists(st.text(max_size=5), max_size=3)
                 | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))


def through_the_store_and_analysis(db: Path, docs: list[Any], name: str, seen: datetime = SEEN) -> set[str]:
    """Parse each document at the boundary, load its postings seen at `seen`, analyse, count trends; the ids
    stored from these documents."""
    source, board = SOURCES[name], Board(name, TOKENS.get(name, "acme"), "Acme")
    with store.opened(db) as con:
        for doc in docs:
            try:
                postings = parse_document(source, doc, board)
            except JobtoneError:
                continue
            store.load_postings(con, postings, seen, complete=[(name, board.token)])
        lexicon = load_lexicon()
        analyse(con, lexicon, now=seen)
        for basis in ("posted", "seen"):
            rows = trend_rows(con, TrendQuery(analysis_key(lexicon, False), date_basis=basis, min_postings=1))
            smooth_rows(rows, 3)
            data_range(rows)
        rows = con.execute("SELECT external_id FROM postings WHERE last_seen_at = ?", [seen]).fetchall()
        return {external_id for (external_id,) in rows}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_any_document_of_any_source_goes_through_parse_store_and_analysis(name, tmp_path):
    db = tmp_path / "jobtone.duckdb"

    @FAST
    @given(st.lists(documents(name) | strange_value, min_size=1, max_size=3))
    def check(docs):
        through_the_store_and_analysis(db, docs, name)  # anything but a JobtoneError fails the test

    check()


# (source, recorded document, the key of its records or None for a list, the records' id field)
RECORDED = {"greenhouse": ("greenhouse/anthropic.json", "jobs", "id"), "lever": ("lever/spotify.json", None, "id")}


def spoiled(doc: Any, key: str | None, at: int, changes: dict[str, Any]) -> Any:
    """The document with record `at` given the adversarial `changes` (fields replaced, added or removed)."""
    doc = copy.deepcopy(doc)
    records = doc if key is None else doc[key]
    record = records[at]
    for field, value in changes.items():
        if value is REMOVE:
            record.pop(field, None)
        else:
            record[field] = value
    return doc


REMOVE = object()


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_a_bad_record_never_costs_the_good_ones_beside_it(name, tmp_path):
    path, key, id_field = RECORDED[name]
    recorded = json.loads(fixture_bytes(path))
    records = recorded if key is None else recorded[key]
    fields = sorted({field for record in records for field in record} - {id_field})
    db, examples = tmp_path / "jobtone.duckdb", [0]

    @FAST
    @given(st.integers(0, len(records) - 1),
           st.dictionaries(st.sampled_from(fields), strange_value | st.just(REMOVE), min_size=1, max_size=6))
    def check(at, changes):
        examples[0] += 1  # each example seen an hour later: its own postings are those last seen then
        seen = SEEN + timedelta(hours=examples[0])
        stored = through_the_store_and_analysis(db, [spoiled(recorded, key, at, changes)], name, seen)
        good = {str(r[id_field]) for n, r in enumerate(records) if n != at}
        assert good <= stored

    check()
