"""Line hashing for boilerplate: each line (paragraph) of each posting, hashed when the posting is stored.

The store has a posting's text in memory when it writes it, so it calls `hash_lines` — its one hook into
the analysis — in the same transaction; the analysis then only counts (analysis/boilerplate.py). Hashing
here instead of in the analysis saves reading every new posting's text a second time (2.9-4.6 s of a
1M-posting first analysis; about 0.7 s per 245,760 stored postings at load time).

DuckDB's hash() is fast but may change between DuckDB versions: `analysis_meta.line_hash` records which
version made the stored hashes; a mix marks them stale, and the next analysis hashes every posting again.
This module also owns the analysis tables' shape (analysis/schema.sql).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

LINE_HASH = "hash"
# What the analysis keeps of a posting's content hash, to see later that it changed: a number, not the 32-character
# digest (writing 1M digests took 0.5 CPU s per table, numbers 0.14). Another DuckDB version's hash() only
# makes every posting look changed once.
CONTENT_HASH = "hash"
SCHEMA_SQL = Path(__file__).with_name("schema.sql").read_text(encoding="utf-8")
# The shape analysis/schema.sql declares. 1: line tables keyed by company name, with word counts (until
# store schema 3); 2: no lexicon_versions; 3: content hashes as text. Recorded in analysis_meta; files written
# before it was recorded are recognised by shape.
SCHEMA_VERSION = 4
# Files before lexicon_versions: the earliest run kept of each lexicon version is the best first-use date known.
_LEXICON_VERSIONS_FROM_RUNS = """
    INSERT INTO lexicon_versions SELECT lexicon_name, lexicon_version, min(analysed_at) FROM analysis_runs GROUP BY ALL"""
_DROP_V1_LINES = """
    DROP TABLE posting_lines; DROP TABLE posting_line_state; DROP TABLE line_changes;
    DROP TABLE company_line_counts; DROP TABLE boilerplate_lines;
    UPDATE analysis_runs SET line_batch = NULL;
    DELETE FROM analysis_meta WHERE key IN ('line_hash', 'line_batch');"""


def line_hash_tag() -> str:
    """Which hash made the stored line hashes: DuckDB's may change between its versions."""
    return f"hash@duckdb-{duckdb.__version__}"


def company_key_sql(column: str) -> str:
    """A company as a hash of its trimmed, lower-cased name; NULL without a name (not one company)."""
    return f"if(coalesce(trim({column}), '') = '', NULL, {LINE_HASH}(lower(trim({column}))))"


def line_rows_sql(postings: str) -> str:
    """SELECT posting_id, company_key, line_hash: one row per line of each posting in `postings` (a relation
    with posting_id, company and text) that has a company."""
    return f"""SELECT posting_id, company_key, {LINE_HASH}(unnest(string_split(text, chr(10)))) AS line_hash
               FROM (SELECT posting_id, {company_key_sql('company')} AS company_key, text FROM {postings})
               WHERE company_key IS NOT NULL AND coalesce(text, '') <> ''"""


def hash_lines(con: duckdb.DuckDBPyConnection, postings: str) -> None:
    """The store's hook, inside its transaction: the postings `postings` selects (posting_id, company, text)
    were just written, so their lines replace any they had."""
    ensure_schema(con)
    con.execute(f"DELETE FROM posting_lines WHERE posting_id IN (SELECT posting_id FROM {postings})")
    con.execute(f"INSERT INTO posting_lines {line_rows_sql(postings)}")
    con.execute("""INSERT INTO analysis_meta SELECT 'line_hash', $tag
                   WHERE NOT EXISTS (SELECT 1 FROM analysis_meta WHERE key = 'line_hash')""", {"tag": line_hash_tag()})
    con.execute("UPDATE analysis_meta SET value = 'mixed' WHERE key = 'line_hash' AND value <> $tag",
                {"tag": line_hash_tag()})


def rehash_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every posting's lines hashed again, and the line state derived from them reset (the next count
    covers them all): when the stored hashes were made by another DuckDB version."""
    con.execute(f"""
        DELETE FROM posting_lines; DELETE FROM posting_line_state; DELETE FROM line_changes;
        DELETE FROM company_line_counts; DELETE FROM boilerplate_lines;
        UPDATE analysis_runs SET line_batch = NULL;
        INSERT INTO posting_lines {line_rows_sql('postings')};
        DELETE FROM analysis_meta WHERE key IN ('line_hash', 'line_batch');
        INSERT INTO analysis_meta VALUES ('line_hash', '{line_hash_tag()}');""")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the analysis tables (analysis/schema.sql), converting an older shape; cheap when current."""
    version = _schema_version(con)
    if version == SCHEMA_VERSION:
        return
    if version == 1:  # derived state only: dropped, and rebuilt by the next analysis
        con.execute(_DROP_V1_LINES)
    con.execute(SCHEMA_SQL)
    if version in (1, 2):
        con.execute(_LEXICON_VERSIONS_FROM_RUNS)
    if version in (1, 2, 3):  # the same hashes, as numbers: nothing is matched or counted again
        for table in ("posting_analysis", "posting_line_state"):
            con.execute(f"ALTER TABLE {table} ALTER content_hash TYPE UBIGINT USING {CONTENT_HASH}(content_hash)")
    con.execute("DELETE FROM analysis_meta WHERE key = 'schema'")
    con.execute("INSERT INTO analysis_meta VALUES ('schema', ?)", [str(SCHEMA_VERSION)])


def _schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """0 without analysis tables; otherwise the recorded version, or the one the tables' shape shows."""
    def exists(table: str, column: str, data_type: str | None = None) -> bool:
        return bool(con.execute("""SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()
                                   AND schema_name = 'main' AND table_name = ? AND column_name = ?
                                   AND data_type = coalesce(?, data_type)""",
                                [table, column, data_type]).fetchall()[0][0])
    if not exists("analysis_meta", "key"):
        return 0
    recorded = con.execute("SELECT max(value) FROM analysis_meta WHERE key = 'schema'").fetchall()[0][0]
    if recorded is not None:
        return int(recorded)
    if exists("posting_lines", "words"):
        return 1
    if exists("lexicon_versions", "first_used_at"):
        return 3 if exists("posting_analysis", "content_hash", "VARCHAR") else SCHEMA_VERSION
    return 2 if exists("posting_lines", "line_hash") else 0
