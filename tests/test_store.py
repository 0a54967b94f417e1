"""The store on real DuckDB files: schema, idempotent bulk loads, history, removal, locks."""

import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from analysis.lines import line_hash_tag
from e2e import holding_database
from scraper import migrations, store
from scraper.errors import DatabaseLocked
from scraper.posting import Posting

T1 = datetime(2026, 11, 1, 3, 0)
T2 = datetime(2026, 11, 2, 3, 0)
T3 = datetime(2026, 11, 3, 3, 0)
FIXTURES = Path(__file__).parent / "fixtures" / "schema"


def old_database(db: Path, version: int):
    """A file as jobtone wrote it at an older schema version (its DDL frozen in tests/fixtures/schema)."""
    con = duckdb.connect(str(db))
    con.execute((FIXTURES / f"v{version}.sql").read_text(encoding="utf-8"))
    return con


def posting(n: int, text: str = "We are flexible.", **kw) -> Posting:
    return Posting("greenhouse", "acme", str(n), f"Engineer {n}", text, datetime(2026, 10, n % 28 + 1),
                   "first_published", company="Acme", **kw)


def rows(db, sql="SELECT external_id, text, first_seen_at, last_seen_at, removed_at FROM postings ORDER BY 1"):
    with store.opened(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_schema_is_versioned_and_migration_is_idempotent(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        assert migrations.schema_version(con) == len(migrations.MIGRATIONS)
    with store.opened(db) as con:
        assert migrations.migrate(con) == len(migrations.MIGRATIONS)


def test_a_database_from_before_word_counts_is_migrated_and_analysed(tmp_path):
    from analysis.lexicon import load_lexicon
    from analysis.pipeline import analyse
    db = tmp_path / "j.duckdb"
    with old_database(db, 2) as con:  # a file written by the previous version, with its own line state
        for n, text in ((1, "We are flexible.\nTwo lines here."), (2, "")):
            con.execute("""INSERT INTO postings (posting_id, source, board, external_id, company, title, text,
                                                 boilerplate, first_seen_at, last_seen_at, changed_at, content_hash)
                           VALUES (?, 'greenhouse', 'acme', ?, 'Acme', 'Job', ?, '', ?, ?, ?, 'h')""",
                        [n, str(n), text, T1, T1, T1])
        con.execute("INSERT INTO posting_lines VALUES (1, 'acme', 42, 3)")
        con.execute("INSERT INTO analysis_meta VALUES ('line_hash', 'old'), ('line_batch', '7')")
    with store.opened(db) as con:
        assert migrations.schema_version(con) == len(migrations.MIGRATIONS)
        assert con.execute("SELECT external_id, words FROM postings ORDER BY 1").fetchall() == [("1", 6), ("2", 0)]
        ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'postings'").fetchall()[0][0]
        assert '"text" VARCHAR USING COMPRESSION Uncompressed' in ddl
        stats = analyse(con, load_lexicon(), now=T2)
        assert stats.postings == 2
        assert con.execute("SELECT words FROM posting_texts ORDER BY posting_id").fetchall() != []
        assert con.execute("SELECT sum(mentions) FROM term_matches").fetchall() == [(1,)]


def test_a_database_from_before_stored_line_hashes_is_migrated_and_analysed(tmp_path):
    from analysis.lexicon import load_lexicon
    from analysis.pipeline import analyse
    db = tmp_path / "j.duckdb"
    with old_database(db, 3) as con:  # postings stored by the previous version: no lines hashed
        for n in range(1, 6):
            con.execute("""INSERT INTO postings (posting_id, source, board, external_id, company, title, text, boilerplate,
                                                 first_seen_at, last_seen_at, changed_at, content_hash, words)
                           VALUES (?, 'greenhouse', 'acme', ?, 'Acme', 'Job', ?, '', ?, ?, ?, 'h', 7)""",
                        [n, str(n), f"We are flexible.\nWe ship code {n}.", T1, T1, T1])
    with store.opened(db) as con:
        assert con.execute("SELECT count(*) FROM posting_lines").fetchall() == [(10,)]
        analyse(con, load_lexicon(), now=T2)
        assert con.execute("SELECT uses FROM company_line_counts").fetchall() == [(5,)]
        assert con.execute("SELECT count(*) FROM term_matches WHERE mentions > 0").fetchall() == [(0,)]  # boilerplate


def test_a_database_from_before_discovery_was_declared_keeps_its_boards(tmp_path):
    from scraper import discovery_store as ds
    db = tmp_path / "j.duckdb"
    with old_database(db, 5) as con:  # `jobtone discover --add` and a scrape had created their tables on demand
        con.execute("INSERT INTO enrolled_boards VALUES ('lever', 'acme', 'Acme', '{}', ?, NULL)", [T1])
        con.execute("INSERT INTO board_visits VALUES ('lever', 'acme', ?)", [T2])
    with store.opened(db) as con:
        assert migrations.schema_version(con) == len(migrations.MIGRATIONS) == 6
        assert [b.key for b in ds.enrolled_boards(con)] == ["lever:acme"]
        assert ds.last_visits(con) == {("lever", "acme"): T2}


def test_migrated_files_have_every_table_schema_sql_declares_as_declared(tmp_path):
    def tables(db: Path) -> dict[str, list[tuple[str, str]]]:
        with store.opened(db, read_only=True) as con:
            return {name: con.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '{name}'"
                                      " ORDER BY column_index").fetchall()
                    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()}
    declared = set(re.findall(r"CREATE TABLE (\w+)", migrations.SCHEMA_SQL))
    assert {"discovered_boards", "board_evidence", "board_checks", "enrolled_boards", "board_visits"} <= declared
    store.connect(tmp_path / "new.duckdb").close()
    expected = {name: columns for name, columns in tables(tmp_path / "new.duckdb").items() if name in declared}
    for version in (2, 3, 5):  # before v5 a file had none of the discovery tables; at v5, those discover had made
        db = tmp_path / f"v{version}.duckdb"
        old_database(db, version).close()
        store.connect(db).close()
        got = tables(db)
        assert {name: got.get(name) for name in expected} == expected, version


@pytest.mark.parametrize("version", [3, 5])
def test_read_only_commands_convert_a_file_an_older_jobtone_wrote(tmp_path, version):
    from e2e import jobtone
    db = tmp_path / "j.duckdb"
    old_database(db, version).close()
    for command in (["runs"], ["sources"], ["sql", "SELECT count(*) AS n FROM enrolled_boards"]):
        code, out, err = jobtone("--db", str(db), *command)
        assert code == 0 and "error" not in err, (command, err)
    with store.opened(db, read_only=True) as con:
        assert migrations.stored_version(con) == len(migrations.MIGRATIONS)


def test_a_file_jobtone_never_wrote_is_not_converted_by_a_reader(tmp_path):
    db = tmp_path / "other.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE notes (x INTEGER)")
    with store.opened(db, read_only=True) as con:
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("notes",)]


def test_stored_postings_have_their_lines_hashed(tmp_path):
    db = tmp_path / "j.duckdb"
    nameless = Posting("greenhouse", "acme", "9", "Engineer 9", "One.\nTwo.", None, company="")
    with store.opened(db) as con:
        store.load_postings(con, [posting(1, "First line.\nSecond line."), nameless], T1)
        lines = "SELECT p.external_id, count(*) FROM posting_lines JOIN postings p USING (posting_id) GROUP BY ALL"
        assert con.execute(lines).fetchall() == [("1", 2)]  # without a company, a posting is not one company's
        store.load_postings(con, [posting(1, "Only line.")], T2)
        assert con.execute(lines).fetchall() == [("1", 1)]
        assert con.execute("SELECT value FROM analysis_meta WHERE key = 'line_hash'").fetchall() == [
            (line_hash_tag(),)]


def test_load_twice_gives_same_rows_with_last_seen_advanced(tmp_path):
    db = tmp_path / "j.duckdb"
    batch = [posting(n) for n in range(1, 6)]
    with store.opened(db) as con:
        first = store.load_postings(con, batch, T1, complete=[("greenhouse", "acme")])
        second = store.load_postings(con, batch, T2, complete=[("greenhouse", "acme")])
    assert (first.new, first.updated, first.unchanged) == (5, 0, 0)
    assert (second.new, second.updated, second.unchanged, second.removed) == (0, 0, 5, 0)
    got = rows(db)
    assert len(got) == 5
    assert {r[2] for r in got} == {T1} and {r[3] for r in got} == {T2}


def test_changed_text_keeps_earlier_wording(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, [posting(1, "We are flexible.")], T1)
        stats = store.load_postings(con, [posting(1, "We are fast-paced.")], T2)
    assert stats.updated == 1
    assert rows(db, "SELECT text, changed_at FROM postings") == [("We are fast-paced.", T2)]
    assert rows(db, "SELECT text, valid_from, valid_to FROM posting_history") == [("We are flexible.", T1, T2)]


def test_missing_posting_is_removed_and_cleared_when_it_returns(tmp_path):
    db = tmp_path / "j.duckdb"
    complete = [("greenhouse", "acme")]
    with store.opened(db) as con:
        store.load_postings(con, [posting(1), posting(2)], T1, complete)
        assert store.load_postings(con, [posting(1)], T2, complete).removed == 1
        store.load_postings(con, [posting(1), posting(2)], T3, complete)
        assert store.load_postings(con, [posting(1), posting(2)], T3, complete).removed == 0
    assert [r[4] for r in rows(db)] == [None, None]


def test_incomplete_batch_removes_nothing(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, [posting(1), posting(2)], T1)
        assert store.load_postings(con, [posting(1)], T2).removed == 0


def test_seen_only_keeps_stored_text(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, [posting(1, "Full detail text.", fingerprint="v1")], T1)
        seen = Posting("greenhouse", "acme", "1", "Engineer 1", "", None, fingerprint="v1", seen_only=True)
        stats = store.load_postings(con, [seen], T2)
        assert store.known_fingerprints(con) == {("greenhouse", "acme"): {"1": "v1"}}
    assert stats.unchanged == 1
    assert rows(db, "SELECT text, posted_at, last_seen_at FROM postings") == [("Full detail text.", datetime(2026, 10, 2), T2)]


def test_duplicates_inside_one_batch_are_stored_once(tmp_path):
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        stats = store.load_postings(con, [posting(1), posting(1), posting(2)], T1)
    assert stats.new == 2 and len(rows(db)) == 2


def test_text_with_quotes_newlines_and_unicode_round_trips(tmp_path):
    db = tmp_path / "j.duckdb"
    text = 'He said "flexible"\nnext line \u2011 dash, emoji 🚀, backslash \\ and \u0000 nul'
    with store.opened(db) as con:
        store.load_postings(con, [posting(1, text)], T1)
    assert rows(db, "SELECT text FROM postings") == [(text,)]


def test_lock_held_by_another_process_is_named(tmp_path):
    db = tmp_path / "j.duckdb"
    store.connect(db).close()
    with holding_database(db) as holder:
        with pytest.raises(DatabaseLocked) as info:
            store.connect(db, wait=0.3)
        assert f"PID {holder.pid}" in info.value.holder


def test_stored_word_counts_equal_python_split_for_normalised_text(tmp_path):
    import random

    from scraper.text import normalize
    random.seed(7)
    vocabulary = ["flexible", "fast-paced", "équipe", "naïve", "ﬂexible", "İNCLUSIVE", "a", "x" * 40, "—", "日本語"]
    texts = ["", "one", "two words", "line one\nline two", "x" * 70000 + " tail"]  # the last: past the fast path
    for _ in range(200):
        lines = [" ".join(random.choices(vocabulary, k=random.randint(1, 12))) for _ in range(random.randint(1, 6))]
        texts.append(normalize("\n".join(lines)))
    db = tmp_path / "j.duckdb"
    with store.opened(db) as con:
        store.load_postings(con, [posting(n, text) for n, text in enumerate(texts)], T1)
        stored = dict(con.execute("SELECT external_id, words FROM postings").fetchall())
    assert {int(k): v for k, v in stored.items()} == {n: len(text.split()) for n, text in enumerate(texts)}


def _appended(con, path: Path, seen: datetime):
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in store.INCOMING_COLUMNS.items()) + "}"
    return store.append_new(con, f"SELECT * FROM read_json('{path}', format = 'newline_delimited', columns = {columns})",
                            {}, seen)


def test_append_new_stores_what_a_merge_would_and_refuses_anything_not_plainly_new(tmp_path):
    batch, merged, appended = tmp_path / "b.jsonl", tmp_path / "m.duckdb", tmp_path / "a.duckdb"
    postings = "SELECT * EXCLUDE (first_seen_at, last_seen_at, changed_at) FROM postings ORDER BY ALL"
    lines = "SELECT * FROM posting_lines ORDER BY ALL"
    store.write_jsonl([posting(1, "Two\nlines."), posting(2)], batch)
    with store.opened(merged) as con:
        store.load_jsonl(con, batch, T1)
    with store.opened(appended) as con:
        assert _appended(con, batch, T1) == 2
        assert _appended(con, batch, T2) is None  # ids already stored: nothing changed
        store.write_jsonl([posting(3), posting(3)], batch)
        assert _appended(con, batch, T2) is None  # an id twice
        store.write_jsonl([posting(4), Posting("greenhouse", "acme", "5", "E", "t", datetime(1980, 1, 1), "x")], batch)
        assert _appended(con, batch, T2) is None  # an implausible date
    assert rows(merged, postings) == rows(appended, postings)
    assert rows(merged, lines) == rows(appended, lines) and len(rows(merged, lines)) == 3
    assert rows(appended, "SELECT count(*), min(first_seen_at), max(changed_at) FROM postings") == [(2, T1, T1)]
