"""Keyword in context: aligned lines, newest first, exclusions and `near` shown on request, escaping."""

import io
from datetime import date, datetime

import pytest

from analysis.kwic import KwicLine, escape, format_lines, kwic, sample_in_context
from analysis.lexicon import load_lexicon, parse_lexicon
from analysis.pipeline import analyse, analysis_key
from jobtone.cli import main
from scraper import store
from scraper.posting import Posting

SEEN = datetime(2024, 6, 1)
POSTINGS = [
    Posting("greenhouse", "a", "1", "Eng", "Old text.\nWe need discipline\tand focus.", datetime(2023, 1, 5),
            company="Acme"),
    Posting("greenhouse", "a", "2", "Eng", "A degree in a related discipline. Process discipline matters.",
            datetime(2024, 2, 1), company="Beta Corp"),
    Posting("greenhouse", "a", "3", "Eng", "Nothing here.", datetime(2024, 3, 1), company="Acme"),
]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "j.duckdb"
    with store.opened(path) as con:
        store.load_postings(con, POSTINGS, SEEN)
    return path


def lines(db, lexicon=None, **kw):
    lexicon = lexicon or load_lexicon()
    with store.opened(db) as con:
        analyse(con, lexicon, now=SEEN)
        return kwic(con, lexicon, analysis_key(lexicon, False), False, **kw)


def test_counted_matches_newest_first(db):
    got = lines(db, term_name="discipline")
    assert [(l.posted, l.company, l.match, l.status) for l in got] == [
        (date(2024, 2, 1), "Beta Corp", "discipline", "counted"), (date(2023, 1, 5), "Acme", "discipline", "counted")]
    assert got[0].left.endswith("related discipline. Process ") and got[0].right == " matters."
    assert got[1].left == "Old text.\nWe need " and got[1].right == "\tand focus."


def test_show_excluded_limit_and_since(db):
    got = lines(db, term_name="Discipline", show_excluded=True)
    assert [(l.match, l.status) for l in got] == [
        ("related discipline", "excluded"), ("discipline", "counted"), ("discipline", "counted")]
    assert len(lines(db, term_name="discipline", limit=1)) == 1
    assert [l.posted for l in lines(db, term_name="discipline", since=date(2024, 1, 1))] == [date(2024, 2, 1)]


def test_not_near_matches_are_marked(db):
    lexicon = parse_lexicon('[[term]]\nname = "d"\ncategory = "c"\nforms = ["discipline"]\nnear = ["focus"]\nwindow = 2\n', "n")
    got = lines(db, lexicon, term_name="d", show_excluded=True)
    assert [(l.company, l.status) for l in got] == [("Beta Corp", "not near"), ("Beta Corp", "not near"), ("Acme", "counted")]


def test_lines_are_aligned_on_the_match_and_escaped():
    rows = [KwicLine(date(2024, 1, 2), "Acme", "a\nb ", "flexible", " c\x07", "counted"),
            KwicLine(None, "Beta\u2028", "much longer left context ", "Flexible", "", "excluded")]
    out = format_lines(rows, width=12, show_status=True)
    assert out[0] == "2024-01-02  Acme               a\\nb [flexible] c\\x07"
    assert out[1] == "----------  Beta\\u2028  eft context [Flexible]  (excluded)"
    assert out[0].index("[") == out[1].index("[")
    assert escape("tab\there\r") == "tab\\there\\r"


def test_kwic_command(db):
    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", str(db), "-q", "kwic", "discipline", "--limit", "5"], out=out, err=err) == 0
    assert len(out.getvalue().splitlines()) == 2 and "[discipline]" in out.getvalue()
    assert main(["--db", str(db), "-q", "kwic", "nope"], out=io.StringIO(), err=err) == 2
    assert "has no term 'nope'" in err.getvalue()


def test_a_random_sample_per_term_for_the_report_is_seeded_bounded_and_counted_only(tmp_path):
    texts = [f"Posting {i}: we are flexible{' and fast-paced' if i % 2 else ''}. More words keep the window of "
             "the veto well away. A flexible spending account."
             for i in range(12)]
    path = tmp_path / "s.duckdb"
    with store.opened(path) as con:
        store.load_postings(con, [Posting("greenhouse", "a", str(i), "Eng", t, datetime(2024, 1, 1 + i),
                                          company=f"Co {i}") for i, t in enumerate(texts)], SEEN)
        lexicon = load_lexicon()
        key = analyse(con, lexicon, now=SEEN).analysis_key
        first = sample_in_context(con, lexicon, key, False, per_term=3, seed=7)
        again = sample_in_context(con, lexicon, key, False, per_term=3, seed=7)
        other = sample_in_context(con, lexicon, key, False, per_term=3, seed=8)
    assert first == again and first != other
    assert len(first["flexible"]) == 3 and len({m.posting_id for m in first["flexible"]}) == 3
    assert len(first["fast-paced"]) == 3 and first["empathy"] == []
    for match in first["flexible"]:  # each posting's first counted match, never the excluded one
        assert match.match == "flexible" and match.right.startswith((" and fast-paced.", ". More words"))
        assert match.left.startswith("Posting ") and match.company.startswith("Co ")
