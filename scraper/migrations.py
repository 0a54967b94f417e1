"""Converting older database files to the shape scraper/schema.sql declares.

A new file is created from schema.sql at SCHEMA_VERSION. An older file (its version in `schema_version`)
gets each later step, in order, each in its own transaction. A step only converts: the tables it leaves
are the ones schema.sql declares.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from analysis.lines import hash_lines
from scraper.posting import words_sql
from scraper.sql import transaction

SCHEMA_SQL = Path(__file__).with_name("schema.sql").read_text(encoding="utf-8")
Step = Callable[[duckdb.DuckDBPyConnection], object]

_WORDS_AND_COMPRESSION = f"""
    CREATE TABLE postings_v3 (
        posting_id BIGINT NOT NULL, source VARCHAR NOT NULL, board VARCHAR NOT NULL, external_id VARCHAR NOT NULL,
        company VARCHAR, title VARCHAR, location VARCHAR, url VARCHAR,
        text VARCHAR USING COMPRESSION uncompressed,
        boilerplate VARCHAR, posted_at TIMESTAMP, date_source VARCHAR,
        first_seen_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP NOT NULL, removed_at TIMESTAMP,
        changed_at TIMESTAMP NOT NULL, content_hash VARCHAR NOT NULL, fingerprint VARCHAR,
        raw VARCHAR USING COMPRESSION zstd, words BIGINT NOT NULL
    );
    INSERT INTO postings_v3 BY NAME SELECT *, {words_sql()} AS words FROM postings;
    DROP TABLE postings;
    ALTER TABLE postings_v3 RENAME TO postings;
    CREATE OR REPLACE VIEW posting_texts AS
        SELECT posting_id, source, if(source = 'hn', 'hn', 'boards') AS family, board, company, title, url,
               location, posted_at, date_source, first_seen_at, removed_at, text, boilerplate, words
        FROM postings;"""


_RUN_COUNTS = """
    ALTER TABLE board_runs ADD COLUMN skipped BIGINT;
    ALTER TABLE board_runs ADD COLUMN implausible_dates BIGINT;
    ALTER TABLE board_runs ADD COLUMN batch VARCHAR;
    ALTER TABLE runs ADD COLUMN pid INTEGER;"""


# Until version 6 `jobtone discover` created these on demand, and a scrape `board_visits`: a file may have any of them.
_DISCOVERY = """
    CREATE TABLE IF NOT EXISTS discovered_boards (
        ats VARCHAR NOT NULL, token VARCHAR NOT NULL, company VARCHAR, options VARCHAR NOT NULL,
        first_seen_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP NOT NULL);
    CREATE TABLE IF NOT EXISTS board_evidence (
        ats VARCHAR NOT NULL, token VARCHAR NOT NULL, posting_id BIGINT NOT NULL, url VARCHAR NOT NULL,
        posted_at TIMESTAMP, first_seen_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP NOT NULL);
    CREATE TABLE IF NOT EXISTS board_checks (
        ats VARCHAR NOT NULL, token VARCHAR NOT NULL, checked_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL,
        postings BIGINT, url VARCHAR, error VARCHAR);
    CREATE TABLE IF NOT EXISTS enrolled_boards (
        ats VARCHAR NOT NULL, token VARCHAR NOT NULL, company VARCHAR, options VARCHAR NOT NULL,
        enrolled_at TIMESTAMP NOT NULL, retired_at TIMESTAMP);
    CREATE TABLE IF NOT EXISTS board_visits (
        source VARCHAR NOT NULL, board VARCHAR NOT NULL, visited_at TIMESTAMP NOT NULL);"""


def _sql(sql: str) -> Step:
    return lambda con: con.execute(sql)


# Step N brings a file from version N-1 to N (step 1 is the first schema: no file is older).
MIGRATIONS: list[tuple[str, Step]] = [
    ("postings, history and runs", _sql("SELECT 1")),
    ("analysis tables (created by the analysis package since: analysis/schema.sql)", _sql("SELECT 1")),
    ("postings: word counts; text uncompressed for the analysis scans; raw zstd", _sql(_WORDS_AND_COMPRESSION)),
    ("posting lines hashed when postings are stored", lambda con: hash_lines(con, "postings")),
    ("board_runs: records skipped, implausible dates, the batch loaded; runs: the process", _sql(_RUN_COUNTS)),
    ("discovery tables and board visits declared with the others", _sql(_DISCOVERY)),
]
SCHEMA_VERSION = len(MIGRATIONS)


def stored_version(con: duckdb.DuckDBPyConnection) -> int:
    """The file's version without writing anything (a read-only connection): 0 for a file jobtone never wrote."""
    if not con.execute("""SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()
                      AND schema_name = 'main' AND table_name = 'schema_version'""").fetchall()[0][0]:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0) if row else 0


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The file's version; 0 for a new file."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    return stored_version(con)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Create a new file from schema.sql, or apply the steps an older one has not seen; returns the version."""
    version = schema_version(con)
    if version == 0:
        _in_transaction(con, _create, SCHEMA_VERSION)
        return SCHEMA_VERSION
    for number, (_name, step) in enumerate(MIGRATIONS[version:], start=version + 1):
        _in_transaction(con, step, number)
        version = number
    return version


def _create(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)
    hash_lines(con, "postings")  # none yet: the analysis creates its tables beside the store's


def _in_transaction(con: duckdb.DuckDBPyConnection, step: Step, version: int) -> None:
    with transaction(con):
        step(con)
        con.execute("INSERT INTO schema_version VALUES (?, now()::TIMESTAMP)", [version])
