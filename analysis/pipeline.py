"""Analyse stored postings with a lexicon, incrementally: only what is new or changed is matched again.

Results are kept per analysis key (the lexicon's version, plus "+boilerplate" when boilerplate is
counted), each row next to the content hash it was computed on. A posting is matched again when its
content hash differs, when it has no result for this key (a new posting, or a changed lexicon: a new key),
or when a line of it became or stopped being company boilerplate. The three most recent keys are kept.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import duckdb

from analysis.boilerplate import analysed_text_sql, refresh_boilerplate, refresh_lines
from analysis.lexicon import Lexicon
from analysis.match import build_scanner, match_postings
from scraper.dates import utcnow

KEEP_KEYS = 3
# DuckDB caches data pages up to its memory limit (80% of RAM by default) and holds temp tables in memory
# until then: analysis and import run under this limit instead, spilling to <db>.tmp beyond it.
MEMORY_LIMIT = "2GB"
# Matching a fifth of the postings or fewer, their texts are copied out first (see _stage_texts).
STAGE_FRACTION = 0.2
log = logging.getLogger("jobtone")


@dataclass(frozen=True)
class AnalysisStats:
    analysis_key: str
    postings: int  # postings with results for this key
    rematched: int  # postings matched in this run
    seconds: float


def analysis_key(lexicon: Lexicon, include_boilerplate: bool) -> str:
    return lexicon.version + ("+boilerplate" if include_boilerplate else "")


def analyse(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, include_boilerplate: bool = False,
            now: datetime | None = None) -> AnalysisStats:
    """Bring the stored counts for (lexicon, boilerplate mode) up to date, in one transaction."""
    started = time.monotonic()
    key = analysis_key(lexicon, include_boilerplate)
    limit_memory(con)
    con.begin()
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE stale AS {_stale_sql(key)}")
        batch = refresh_lines(con)
        if not include_boilerplate:
            refresh_boilerplate(con, key, _seen_batch(con, key))
        rematched = _rematch(con, lexicon, key, include_boilerplate)
        now = now or utcnow()
        total = _record_run(con, lexicon, key, include_boilerplate, rematched, now, batch)
        _prune(con)
        con.commit()
    except Exception:
        con.rollback()
        raise
    stats = AnalysisStats(key, total, rematched, time.monotonic() - started)
    log.info("analysis %s (%s): %d postings, %d matched again in %.1fs", lexicon.name, key, total, rematched,
             stats.seconds)
    return stats


def _stale_sql(key: str) -> str:
    """Postings with no result for this key, or one computed on other wording (the key is a hex digest)."""
    return f"""SELECT p.posting_id FROM postings p LEFT JOIN posting_analysis a
               ON a.analysis_key = '{key}' AND a.posting_id = p.posting_id
               WHERE a.posting_id IS NULL OR a.content_hash <> p.content_hash"""


def _stage_texts(con: duckdb.DuckDBPyConnection, ids_sql: str) -> str:
    """A relation (posting_id, content_hash, text, boilerplate, words) holding the postings `ids_sql` selects.

    DuckDB reads a column for every row it scans, and posting ids are random hashes, so each query that
    picks a few postings' text from `postings` reads all of it; when few are wanted, copy them once.
    """
    total = con.execute("SELECT count(*) FROM postings").fetchall()[0][0]
    if con.execute(f"SELECT count(*) FROM ({ids_sql})").fetchall()[0][0] > STAGE_FRACTION * total:
        return "postings"
    first = con.execute(f"SELECT coalesce(min(rowid), 0) FROM postings WHERE posting_id IN ({ids_sql})").fetchall()[0][0]
    # New and changed postings are appended (the store deletes and re-inserts them), so they sit at the
    # end of the table: a row-id bound lets DuckDB skip the row groups before them (measured 25x faster).
    con.execute(f"""CREATE OR REPLACE TEMP TABLE staged_texts AS SELECT posting_id, content_hash, text, boilerplate, words FROM postings
                    WHERE rowid >= {int(first)} AND posting_id IN ({ids_sql})""")
    return "staged_texts"


def limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Bound DuckDB's memory on this connection (see MEMORY_LIMIT)."""
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")


def _rematch(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, key: str, include_boilerplate: bool) -> int:
    changed = "" if include_boilerplate else "UNION SELECT posting_id FROM boilerplate_changed"
    con.execute(f"CREATE OR REPLACE TEMP TABLE rematch AS SELECT posting_id FROM stale {changed}")
    count = int(con.execute("SELECT count(*) FROM rematch").fetchall()[0][0])
    if count:
        texts = _stage_texts(con, "SELECT posting_id FROM rematch")
        # A view, not a table: the text is read from `postings` by the scan, never copied.
        con.execute("CREATE OR REPLACE TEMP VIEW analysis_input AS "
                    + analysed_text_sql(con, include_boilerplate, "SELECT posting_id FROM rematch", key, texts))
        match_postings(con, build_scanner(lexicon))
        _store_results(con, lexicon, key)
        con.execute("DROP VIEW analysis_input; DROP TABLE found; DROP TABLE found_kinds; DROP TABLE IF EXISTS staged_texts; "
                    "DROP TABLE analysed_ids; DROP TABLE IF EXISTS boilerplate_removed; DROP TABLE scanned_rows")
    con.execute("DROP TABLE rematch; DROP TABLE stale")
    return count


def _store_results(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, key: str) -> None:
    terms = [(i, t.name, t.category) for i, t in enumerate(lexicon.terms)]
    con.execute("CREATE OR REPLACE TEMP TABLE lexicon_terms (term_index INTEGER, term VARCHAR, category VARCHAR)")
    con.executemany("INSERT INTO lexicon_terms VALUES (?, ?, ?)", terms)
    for table in ("posting_analysis", "term_counts", "category_counts"):
        con.execute(f"DELETE FROM {table} WHERE analysis_key = $key AND posting_id IN (SELECT posting_id FROM rematch)",
                    {"key": key})
    con.execute("""INSERT INTO posting_analysis SELECT $key, posting_id, content_hash, coalesce(words, 0)
                   FROM scanned_rows""", {"key": key})
    con.execute("""
        INSERT INTO term_counts
        SELECT $key, f.posting_id, t.term, t.category,
               count(*) FILTER (NOT f.excluded AND f.near_ok), count(*) FILTER (f.excluded),
               count(*) FILTER (NOT f.excluded AND NOT f.near_ok)
        FROM found f JOIN lexicon_terms t ON t.term_index = f.term GROUP BY ALL""", {"key": key})
    con.execute("""
        INSERT INTO category_counts
        SELECT analysis_key, posting_id, category, sum(mentions), count(*)
        FROM term_counts WHERE analysis_key = $key AND mentions > 0
          AND posting_id IN (SELECT posting_id FROM rematch) GROUP BY ALL""", {"key": key})
    con.execute("DROP TABLE lexicon_terms")


def _seen_batch(con: duckdb.DuckDBPyConnection, key: str) -> int | None:
    """The line batch this key last saw; None when it never ran (or its boilerplate state was reset)."""
    rows = con.execute("SELECT line_batch FROM analysis_runs WHERE analysis_key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def _record_run(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, key: str, include_boilerplate: bool,
                rematched: int, now: datetime, batch: int) -> int:
    total = int(con.execute("SELECT count(*) FROM posting_analysis WHERE analysis_key = ?", [key]).fetchall()[0][0])
    con.execute("DELETE FROM analysis_runs WHERE analysis_key = ?", [key])
    con.execute("INSERT INTO analysis_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [key, lexicon.name, lexicon.version, lexicon.source, include_boilerplate, now, total, rematched,
                 batch])
    con.execute("DELETE FROM analysis_terms WHERE lexicon_version = ?", [lexicon.version])
    con.executemany("INSERT INTO analysis_terms VALUES (?, ?, ?, ?)",
                    [(lexicon.version, i, t.name, t.category) for i, t in enumerate(lexicon.terms)])
    return total


def _prune(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the results of the most recently run keys only."""
    old = [row[0] for row in con.execute(
        "SELECT analysis_key FROM analysis_runs ORDER BY analysed_at DESC OFFSET ?", [KEEP_KEYS]).fetchall()]
    for key in old:
        for table in ("posting_analysis", "term_counts", "category_counts", "boilerplate_lines", "analysis_runs"):
            con.execute(f"DELETE FROM {table} WHERE analysis_key = ?", [key])
    # Changes every kept key has seen are no longer needed.
    con.execute("""DELETE FROM line_changes WHERE batch <= (SELECT min(coalesce(line_batch, -1)) FROM analysis_runs
                                                           WHERE NOT include_boilerplate)""")
