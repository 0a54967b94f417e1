"""The Python API (`jobtone.open()`), used as a notebook would: the CLI's numbers as DuckDB relations, and the
database file left free for a scheduled scrape between calls and after the block."""

import csv
import io
from datetime import date, datetime

import duckdb
import pytest

import jobtone
from e2e import hold_database, holding_database, release
from e2e import jobtone as cli
from scraper import store
from scraper.errors import DatabaseLocked, JobtoneError
from scraper.posting import Posting

SEEN = datetime(2024, 6, 1)


def posting(n, text, posted, source="greenhouse", company="Acme"):
    return Posting(source, "b", str(n), f"Job {n}", text, posted, "first_published", company=company)


POSTINGS = [
    posting(1, "We are flexible. Flexibility matters.", datetime(2024, 1, 3)),
    posting(2, "A fast-paced team.", datetime(2024, 1, 9)),
    posting(3, "Aggressive goals and discipline here.", datetime(2024, 1, 20), company="Initech"),
    posting(4, "Nothing to see here at all.", datetime(2024, 1, 31)),
    posting(5, "Plain words only, but a flexible schedule.", datetime(2024, 4, 1)),
    posting(6, "Still plain words only.", datetime(2024, 2, 29)),
    posting(7, "Fast paced startup.", datetime(2024, 3, 15), source="hn", company=""),
    posting(8, "We are flexible.", None),
]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "jobtone.duckdb"
    with store.opened(path) as con:
        store.load_postings(con, POSTINGS, SEEN)
    return path


def cli_trends(db, *options):
    code, out, err = cli("--db", str(db), "trends", "--format", "csv", *options)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))[1:]  # period, series, postings, matches, then four floats
    return [[period, series, int(postings), int(matches), *map(float, rest)]
            for period, series, postings, matches, *rest in rows]


def rounded(rows):
    return [[round(v, 6) if isinstance(v, float) else v for v in row[:8]] for row in rows]


@pytest.mark.parametrize("options, kwargs", [
    ((), {}),
    (("--by", "quarter", "--terms"), {"by": "quarter", "terms": True}),
    (("--source", "greenhouse", "--since", "2024-01-05", "--until", "2024-03-31"),
     {"source": "greenhouse", "since": "2024-01-05", "until": date(2024, 3, 31)}),
    (("--company", "acme", "--by", "year", "--min-postings", "2"),
     {"company": "acme", "by": "year", "min_postings": 2}),
    (("--date", "seen", "--lexicon", "extended"), {"date_basis": "seen", "lexicon": "extended"}),
    (("--include-boilerplate",), {"include_boilerplate": True}),
])
def test_trends_are_the_cli_numbers(db, options, kwargs):
    with jobtone.open(db) as notebook:
        relation = notebook.trends(**kwargs)
        assert isinstance(relation, duckdb.DuckDBPyRelation)
        assert relation.columns[:8] == ["period", "series", "postings", "matches", "share", "ci_low", "ci_high",
                                        "per_10k_words"]
        rows = relation.fetchall()
    assert rows and rounded(rows) == cli_trends(db, *options)


def test_kwic_postings_and_sql_are_relations(db):
    with jobtone.open(db) as notebook:
        lines = notebook.kwic("flexible", limit=10)
        everything = notebook.postings()
        per_source = notebook.sql("SELECT source, count(*) AS n FROM postings WHERE words > $min GROUP BY ALL "
                                  "ORDER BY 1", {"min": 3})
        for relation in (lines, everything, per_source):
            assert isinstance(relation, duckdb.DuckDBPyRelation)
        assert lines.columns == ["posted", "company", "left", "match", "right", "status"]
        assert [(r[0], r[3]) for r in lines.fetchall()] == [  # newest first; undated postings by when seen
            (date(2024, 6, 1), "flexible"), (date(2024, 4, 1), "flexible schedule"),  # a keep phrase: shown whole
            (date(2024, 1, 3), "flexible"),
            (date(2024, 1, 3), "Flexibility")]
        assert everything.aggregate("count(*)").fetchall() == [(8,)]
        assert {"posting_id", "text", "posted_at", "first_seen_at"} <= set(everything.columns)
        assert per_source.fetchall() == [("greenhouse", 5)]  # the HN posting has three words
        views = notebook.sql("SHOW TABLES").fetchall()
        assert ("postings",) in views
    _, out, _ = cli("--db", str(db), "kwic", "flexible", "--limit", "10")
    assert len(out.splitlines()) == 4


def test_the_file_is_free_between_calls_and_after_the_block(db):
    with jobtone.open(db) as notebook:
        shares = notebook.trends(by="year")
        holder = hold_database(db)  # a scrape writing between two calls (read-write, in another process)
        release(holder)
        counted = notebook.sql("SELECT count(*) FROM postings")
    with holding_database(db):  # ...and as soon as the block has ended
        pass
    assert shares.filter("series = 'hard'").fetchall()[0][:4] == ("2024", "hard", 7, 3)  # results outlive it
    assert counted.fetchall() == [(8,)]
    with pytest.raises(JobtoneError, match="closed"):
        notebook.postings()


def test_a_held_database_is_waited_for_then_named(tmp_path, db):
    config = tmp_path / "jobtone.toml"
    config.write_text(f'[database]\npath = "{db}"\nlock_wait = 0.3\n', encoding="utf-8")
    with holding_database(db), jobtone.open(config=config) as notebook:
        with pytest.raises(DatabaseLocked, match="locked"):
            notebook.sql("SELECT 1")
        with pytest.raises(DatabaseLocked):
            notebook.trends()


def test_no_database_is_a_clear_error(tmp_path):
    with pytest.raises(JobtoneError, match="no database"), jobtone.open(tmp_path / "missing.duckdb"):
        pass


def test_the_readme_documents_exactly_the_public_names():
    from pathlib import Path
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    public = {name for name in dir(jobtone.Database) if not name.startswith("_")}
    assert public == {"trends", "kwic", "postings", "sql"}
    assert all(f"`{name}(" in section for name in public)
    assert all(name in section for name in jobtone.__all__)
