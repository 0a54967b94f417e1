"""The SQL twin of `normalize` gives exactly its output: on real postings, every code point, and hard strings."""

import json
import unicodedata
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper import text_sql
from scraper.text import normalize, repaired_nfkc

try:  # DuckDB >= 1.4 moved the type constants
    from duckdb.sqltypes import VARCHAR
except ImportError:  # pragma: no cover
    from duckdb.typing import VARCHAR  # type: ignore[no-redef]

# The shared corpus of real postings sits next to the project's checkout (not in a user's clone).
CORPUS = next((p / "shared" / "corpus" / "postings.jsonl" for p in Path(__file__).resolve().parents
               if (p / "shared" / "corpus" / "postings.jsonl").is_file()), Path("/nonexistent"))


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.create_function(text_sql.UDF_NAME, repaired_nfkc, [VARCHAR], VARCHAR, side_effects=False)
    yield con
    con.close()


def sql_normalized(con, texts):
    """Each text through `normalized_sql`, and how many of them went to Python."""
    calls = []
    con.remove_function(text_sql.UDF_NAME)
    con.create_function(text_sql.UDF_NAME, lambda t: calls.append(t) or repaired_nfkc(t), [VARCHAR], VARCHAR,
                        side_effects=True)
    con.execute("CREATE OR REPLACE TEMP TABLE texts AS SELECT unnest($t) AS t, generate_subscripts($t, 1) AS i",
                {"t": texts})
    rows = con.execute(f"SELECT {text_sql.normalized_sql('t')} FROM texts ORDER BY i").fetchall()
    return [r[0] for r in rows], len(calls)


def differences(con, texts):
    out, _ = sql_normalized(con, texts)
    return [(t, o, normalize(t)) for t, o in zip(texts, out) if o != normalize(t)]


def test_known_cases(con):
    texts = ["  Multi  spaced\r\n\r\n text\u00a0with hustleâ€™s \ufb02exible İNCLUSIVE culture \n",
             "a\tb\x0bc\x0cd\x1ce\x1df\x1eg\x1fh\x85i\u2028j\u2029k\u3000l\u202fm\u1680n",
             "\u2022 bullet \u2013 dash \u201cquoted\u201d it\u2019s\n\n\n\u2026and\u2122 e\u0301 \u1100\u1161\u11a8",
             "zero\u200bwidth \u200d joiner\ufeff", "", " \n\t ", "plain", "x" + "\u0327\u0301"]
    # the whitespace step's shortcuts: paragraphs, runs of newlines and spaces, spaces after a newline
    texts += ["a\n\nb", "a\n\n\nb", "a\n\n\n\nb  c", "a\n\n b", "a\n b\n\nc", "\n\na\n\nb\n\n", "a  b\n\nc",
              "a   b", "a\nb  c\n\n\n", " a\n\nb", "a\n\nb "]
    assert differences(con, texts) == []
    out, calls = sql_normalized(con, ["We\u2019re hiring \u2022 Python\n\n\u201cgreat\u201d team  \n x", "caf\u00e9"])
    assert calls == 0  # curly quotes, bullets, accented letters, blank lines: all SQL
    assert out == ["We\u2019re hiring \u2022 Python\n\u201cgreat\u201d team\nx", "caf\u00e9"]


def test_every_code_point_alone_and_before_a_combining_mark(con):
    """Each character between letters, after a space and before a mark that composes with it."""
    chars = [chr(c) for c in range(1, 0x110000) if unicodedata.category(chr(c)) not in ("Cn", "Co", "Cs")]
    texts = [f"a{ch}b \u00c3{ch}\u0301 {ch}" for ch in chars]
    assert differences(con, texts) == []


def test_the_shared_corpus(con):
    if not CORPUS.is_file():
        pytest.skip("the shared corpus is not in a user's clone")
    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    assert differences(con, texts) == []


HARD = st.sampled_from(
    list(" \n\r\t\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000")
    + list("\u200b\u200c\u200d\ufeff\u00ad\ufb01\ufb02\ufb00\u2026\u2122\u00b2\uff21\u2018\u2019\u201c\u201d")
    + list("\u2022\u2013\u2014*\u0301\u0327\u0323\u0308e\u00e9\u00c5\u1100\u1161\u11a8\u0b47\u0b3e\u0915\u093c")
    + ["\u00e2\u20ac\u2122", "\u00c3\u00a9", "\u00c3\u00bc", "\u00c2\u00a0", "\u00e2\u20ac\u0153", "\u00c3",
       "\u00f0\u0178\u02dc\u20ac", "\u00e2\u20ac", "\r\n", "\n\n", "  ", "word", "Flexible"])
HARD_TEXT = st.lists(st.one_of(HARD, st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
                     max_size=40).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(HARD_TEXT, min_size=1, max_size=30))
def test_hard_strings(con, texts):
    assert differences(con, texts) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")), min_size=1, max_size=30))
def test_random_unicode(con, texts):
    assert differences(con, texts) == []


def test_whitespace_sql_alone(con):
    texts = [" a  b \n\n c\t\r\nd\u00a0 e ", "tidy\ntext", "\n"]
    rows = [con.execute(f"SELECT {text_sql.whitespace_sql('$t')}", {"t": t}).fetchall()[0][0] for t in texts]
    assert rows == [normalize(t) for t in texts]


def test_generated_realistic_postings(con):
    """The benchmark generator's texts (ligatures, NBSP, mojibake, CR/LF included) normalise the same."""
    import importlib.util
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "realistic_corpus.py"
    spec = importlib.util.spec_from_file_location("realistic_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    texts = [row["text"] for row in module.postings(2000, seed=7)]
    stats = module.char_stats(texts)
    assert all(stats[kind] != "0.0%" for kind in ("no-break space", "ligature", "mojibake", "blank line"))
    out, calls = sql_normalized(con, texts)
    assert out == [normalize(t) for t in texts] and 0 < calls < len(texts) * 0.15
