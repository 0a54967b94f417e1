"""Analyse stored postings with a lexicon, incrementally: only what is new or changed is matched again.

Results are kept per analysis key (the lexicon's version, plus "+boilerplate" when boilerplate is
counted), each row next to the content hash it was computed on. A posting is matched again when its
content hash differs, when it has no result for this key (a new posting, or a changed lexicon: a new key),
or when a line of it became or stopped being company boilerplate. The three most recent keys are kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime

import duckdb

from analysis.boilerplate import analysed_texts, boilerplate_changes, refresh_lines
from analysis.lexicon import Lexicon
from analysis.lines import CONTENT_HASH, ensure_schema, line_hash_tag
from analysis.match import Scanned, build_scanner, scan
from scraper.dates import utcnow
from scraper.sql import temp_tables, transaction
from scraper.store import limit_memory

KEEP_KEYS = 3
# Matching a fifth of the postings or fewer, their texts are copied out first (see _texts_to_match).
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
    with transaction(con):
        ensure_schema(con)
        seen = _postings_seen(con)
        batch = _unchanged_batch(con, key, seen)
        if batch is not None:  # nothing to match again: two 1M-row joins skipped (0.8 of a 1M chart's 4.8 CPU s)
            rematched = 0
        else:
            with temp_tables(con, "stale"):
                batch = refresh_lines(con)
                seen_batch = None if include_boilerplate else _seen_batch(con, key)
                # Without boilerplate, a key that never ran (or whose line state was reset) has every posting among
                # the changed ones: none needs comparing (0.2 CPU s of a first 1M-posting analysis).
                stale = "SELECT NULL::BIGINT AS posting_id WHERE false" if not include_boilerplate and seen_batch is None \
                    else _stale_sql(key)
                con.execute(f"CREATE OR REPLACE TEMP TABLE stale AS {stale}")
                changes = nullcontext(None) if include_boilerplate else boilerplate_changes(con, key, seen_batch)
                with changes as changed:
                    rematched = _rematch(con, lexicon, key, include_boilerplate, changed)
        total = _record_run(con, lexicon, key, include_boilerplate, rematched, now or utcnow(), batch)
        _remember_seen(con, key, seen)
        _prune(con)
    stats = AnalysisStats(key, total, rematched, time.monotonic() - started)
    log.info("analysis %s (%s): %d postings, %d matched again in %.1fs", lexicon.name, key, total, rematched,
             stats.seconds)
    return stats


# --- the up-to-date shortcut ---------------------------------------------------------------------
# A key's run leaves every posting matched and every posting's lines counted. If the postings a later run sees
# hash the same (ids, wording, company) and no line count was made since, nothing is stale: one scan (0.05 s
# at 1M postings) instead of the two joins that find stale postings and lines (0.8 CPU s).
_SEEN = "seen:"  # analysis_meta key prefix: what the postings hashed to at the end of a key's last run


def _postings_seen(con: duckdb.DuckDBPyConnection) -> str:
    """The postings' (id, wording, company) as one hash, with the DuckDB version whose hash() made it."""
    # hash() of several values combines them by xor: hashed again, an even number of postings moving to one
    # company cannot cancel out in the xor over all rows.
    count, digest = con.execute(
        "SELECT count(*), bit_xor(hash(hash(posting_id, content_hash, company))) FROM postings").fetchall()[0]
    return f"{line_hash_tag()} {count} {digest}"


def _unchanged_batch(con: duckdb.DuckDBPyConnection, key: str, seen: str) -> int | None:
    """The line batch, when `key`'s last run saw these very postings and that batch; else None (analyse)."""
    rows = con.execute("""
        SELECT r.line_batch FROM analysis_runs r JOIN analysis_meta m ON m.key = $meta_key AND m.value = $seen
        WHERE r.analysis_key = $key
          AND r.line_batch = coalesce((SELECT max(value::BIGINT) FROM analysis_meta WHERE key = 'line_batch'), 0)
          AND (SELECT max(value) FROM analysis_meta WHERE key = 'line_hash') = $tag""",
                       {"key": key, "meta_key": _SEEN + key, "seen": seen, "tag": line_hash_tag()}).fetchall()
    return int(rows[0][0]) if rows else None


def _remember_seen(con: duckdb.DuckDBPyConnection, key: str, seen: str) -> None:
    con.execute("DELETE FROM analysis_meta WHERE key = ?", [_SEEN + key])
    con.execute("INSERT INTO analysis_meta VALUES (?, ?)", [_SEEN + key, seen])


def _stale_sql(key: str) -> str:
    """Postings with no result for this key, or one computed on other wording (the key is a hex digest)."""
    return f"""SELECT p.posting_id FROM postings p LEFT JOIN posting_analysis a
               ON a.analysis_key = '{key}' AND a.posting_id = p.posting_id
               WHERE a.posting_id IS NULL OR a.content_hash <> {CONTENT_HASH}(p.content_hash)"""


@contextmanager
def _texts_to_match(con: duckdb.DuckDBPyConnection, ids_sql: str) -> Iterator[str]:
    """A relation (posting_id, content_hash, text, boilerplate, words) holding the postings `ids_sql` selects.

    DuckDB reads a column for every row it scans, and posting ids are random hashes, so each query that
    picks a few postings' text from `postings` reads all of it; when few are wanted, copy them once.
    """
    total = con.execute("SELECT count(*) FROM postings").fetchall()[0][0]
    if con.execute(f"SELECT count(*) FROM ({ids_sql})").fetchall()[0][0] > STAGE_FRACTION * total:
        yield "postings"
        return
    first = con.execute(f"SELECT coalesce(min(rowid), 0) FROM postings WHERE posting_id IN ({ids_sql})").fetchall()[0][0]
    with temp_tables(con, "staged_texts"):
        # New and changed postings are appended (the store deletes and re-inserts them), so they sit at the
        # end of the table: a row-id bound lets DuckDB skip the row groups before them (measured 25x faster).
        con.execute(f"""CREATE OR REPLACE TEMP TABLE staged_texts AS
                        SELECT posting_id, content_hash, text, boilerplate, words FROM postings
                        WHERE rowid >= {int(first)} AND posting_id IN ({ids_sql})""")
        yield "staged_texts"


def _rematch(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, key: str, include_boilerplate: bool,
             changed: str | None) -> int:
    """Match the stale postings and those `changed` (a table of posting ids) names; returns how many."""
    also = f"UNION SELECT posting_id FROM {changed}" if changed else ""
    with temp_tables(con, "rematch"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE rematch AS SELECT posting_id FROM stale {also}")
        count = int(con.execute("SELECT count(*) FROM rematch").fetchall()[0][0])
        if count:
            ids = "SELECT posting_id FROM rematch"
            with _texts_to_match(con, ids) as texts, \
                    analysed_texts(con, include_boilerplate, ids, key, texts) as analysed, \
                    temp_tables(con, "analysis_input view"):
                # A view, not a table: the text is read from `postings` by the scan, never copied.
                con.execute(f"CREATE OR REPLACE TEMP VIEW analysis_input AS {analysed}")
                with scan(con, build_scanner(lexicon), "analysis_input") as scanned:
                    _store_results(con, lexicon, key, scanned)
    return count


def _store_results(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, key: str, scanned: Scanned) -> None:
    with temp_tables(con, "lexicon_terms"):
        terms = [(i, t.name, t.category) for i, t in enumerate(lexicon.terms)]
        con.execute("CREATE OR REPLACE TEMP TABLE lexicon_terms (term_index INTEGER, term VARCHAR, category VARCHAR)")
        con.executemany("INSERT INTO lexicon_terms VALUES (?, ?, ?)", terms)
        _replace_results(con, key, scanned)


def _replace_results(con: duckdb.DuckDBPyConnection, key: str, scanned: Scanned) -> None:
    for table in ("posting_analysis", "term_counts", "category_counts"):
        con.execute(f"DELETE FROM {table} WHERE analysis_key = $key AND posting_id IN (SELECT posting_id FROM rematch)",
                    {"key": key})
    con.execute(f"""INSERT INTO posting_analysis SELECT $key, posting_id, {CONTENT_HASH}(content_hash), coalesce(words, 0)
                    FROM {scanned.rows}""", {"key": key})
    con.execute(f"""
        INSERT INTO term_counts
        SELECT $key, f.posting_id, t.term, t.category,
               count(*) FILTER (NOT f.excluded AND f.window_ok), count(*) FILTER (f.excluded),
               count(*) FILTER (NOT f.excluded AND NOT f.window_ok)
        FROM {scanned.found} f JOIN lexicon_terms t ON t.term_index = f.term GROUP BY ALL""", {"key": key})
    con.execute("""
        INSERT INTO category_counts
        SELECT analysis_key, posting_id, category, sum(mentions), count(*)
        FROM term_counts WHERE analysis_key = $key AND mentions > 0
          AND posting_id IN (SELECT posting_id FROM rematch) GROUP BY ALL""", {"key": key})


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
    con.execute("""INSERT INTO lexicon_versions SELECT $name, $version, $now WHERE NOT EXISTS (
                       SELECT 1 FROM lexicon_versions WHERE lexicon_name = $name AND lexicon_version = $version)""",
                {"name": lexicon.name, "version": lexicon.version, "now": now})
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
        con.execute("DELETE FROM analysis_meta WHERE key = ?", [_SEEN + key])
    # Changes every kept key has seen are no longer needed.
    con.execute("""DELETE FROM line_changes WHERE batch <= (SELECT min(coalesce(line_batch, -1)) FROM analysis_runs
                                                           WHERE NOT include_boilerplate)""")


@dataclass(frozen=True)
class LexiconUse:
    """A lexicon version and when it first counted anything in this database."""

    name: str
    version: str
    first_used_at: datetime


def lexicon_uses(con: duckdb.DuckDBPyConnection) -> list[LexiconUse]:
    """Every lexicon version used here, in the order they were first used (none in a file never analysed)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'lexicon_versions'").fetchall()[0][0]:
        return []
    return [LexiconUse(*row) for row in con.execute(
        "SELECT lexicon_name, lexicon_version, first_used_at FROM lexicon_versions ORDER BY first_used_at, lexicon_name")
        .fetchall()]
