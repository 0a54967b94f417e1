"""Boilerplate: text that is not a posting's own words, left out of the analysis by default.

Two kinds: what the source marked (`postings.boilerplate`: Greenhouse intro/outro, Lever's EEO block...),
and, for any source, paragraphs (lines of `postings.text`) repeated in at least half of one company's
postings when it has 5 or more. Each posting's lines are hashed when the store writes it (analysis/lines.py,
`posting_lines`; postings without a company have none). How many of a company's postings hold each line
is kept for the lines in 3 or more postings (`company_line_counts`), recounting only the lines of postings
that changed. So finding repeated lines is a lookup, and the text analysed is rebuilt only for postings
that contain such a line. A posting's words are counted when it is stored (`postings.words`); only rebuilt
texts are counted again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from analysis.lines import (
    CONTENT_HASH,
    LINE_HASH,
    company_key_sql,
    line_hash_tag,
    rehash_all,
)
from scraper.posting import words_sql
from scraper.sql import temp_tables

log = logging.getLogger("jobtone")
MIN_COMPANY_POSTINGS = 5
# Only lines in at least this many of a company's postings can be boilerplate (half of 5, rounded up):
# company_line_counts keeps those, not the millions of lines that appear once.
MIN_USES = (MIN_COMPANY_POSTINGS + 1) // 2


def refresh_lines(con: duckdb.DuckDBPyConnection) -> int:
    """Count the stored lines of postings whose wording or company changed since they were last counted;
    returns the current line batch (a counter that grows with every refresh that counted something)."""
    tag = con.execute("SELECT value FROM analysis_meta WHERE key = 'line_hash'").fetchall()
    if not tag or tag[0][0] != line_hash_tag():  # hashed by another DuckDB version (or never): redo them all
        if tag:
            log.info("paragraph hashes were made by another DuckDB version (%s): hashing every posting's again",
                     tag[0][0])
        rehash_all(con)
    batch_row = con.execute("SELECT value FROM analysis_meta WHERE key = 'line_batch'").fetchall()
    batch = int(batch_row[0][0]) if batch_row else 0
    with temp_tables(con, "lines_todo"):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE lines_todo AS
            SELECT p.posting_id, {CONTENT_HASH}(p.content_hash) AS content_hash, {company_key_sql('p.company')} AS company_key,
                   s.company_key AS old_company_key
            FROM postings p LEFT JOIN posting_line_state s USING (posting_id)
            WHERE s.posting_id IS NULL OR s.content_hash <> {CONTENT_HASH}(p.content_hash)
               OR s.company_key IS DISTINCT FROM {company_key_sql('p.company')}""")
        if con.execute("SELECT count(*) FROM lines_todo").fetchall()[0][0]:
            batch += 1
            with temp_tables(con, "touched"):
                _count_lines(con, batch)
            con.execute("DELETE FROM analysis_meta WHERE key = 'line_batch'")
            con.execute("INSERT INTO analysis_meta VALUES ('line_batch', ?)", [str(batch)])
    return batch


def _count_lines(con: duckdb.DuckDBPyConnection, batch: int) -> None:
    """Recount the lines of `lines_todo`'s postings (after the first count, via temp table `touched`: the
    pairs recounted)."""
    if not con.execute("SELECT count(*) FROM posting_line_state").fetchall()[0][0]:
        # The first count (or after a reset): the (company, line) pairs in 3 or more postings. Most lines appear
        # once, so the pairs stored 3 or more times are found first, on one 32-bit number per pair (the top
        # half of company xor line: a collision only lets a pair through to be counted exactly), and distinct
        # postings are counted for those alone. Those numbers are sorted and each compared with the one two
        # places before it: 9.4M lines of 1M postings, 1.0 CPU s, where 64-bit numbers took 1.45 and grouping
        # them (8.9M groups) 1.9 (and grouping by line alone first, or by both columns, more).
        pair = "(xor(company_key, line_hash) >> 32)::UINTEGER"
        con.execute(f"""INSERT INTO company_line_counts
                        SELECT company_key, line_hash, count(DISTINCT posting_id) FROM posting_lines
                        WHERE {pair} IN (
                            SELECT pair FROM (SELECT pair, lag(pair, {MIN_USES - 1}) OVER (ORDER BY pair) AS before
                                              FROM (SELECT {pair} AS pair FROM posting_lines))
                            WHERE pair = before)
                        GROUP BY ALL HAVING count(DISTINCT posting_id) >= {MIN_USES}""")
    else:
        # Pairs whose count can have changed: the lines the redone postings have now, and every counted
        # line of the companies they had (the store has already replaced their earlier lines).
        con.execute("""
            CREATE OR REPLACE TEMP TABLE touched AS
            SELECT company_key, line_hash FROM posting_lines WHERE posting_id IN (SELECT posting_id FROM lines_todo)
            UNION
            SELECT company_key, line_hash FROM company_line_counts
            WHERE company_key IN (SELECT old_company_key FROM lines_todo)""")
        con.execute("""DELETE FROM company_line_counts c USING touched t
                       WHERE c.company_key = t.company_key AND c.line_hash = t.line_hash""")
        con.execute(f"""INSERT INTO company_line_counts
                        SELECT company_key, line_hash, count(DISTINCT posting_id) FROM posting_lines
                        SEMI JOIN touched USING (company_key, line_hash)
                        GROUP BY ALL HAVING count(DISTINCT posting_id) >= {MIN_USES}""")
    con.execute("DELETE FROM posting_line_state WHERE posting_id IN (SELECT posting_id FROM lines_todo)")
    con.execute(f"INSERT INTO posting_line_state SELECT posting_id, content_hash, company_key, {batch} FROM lines_todo")
    con.execute(f"""
        INSERT INTO line_changes
        SELECT DISTINCT {batch}, company_key FROM (
            SELECT company_key FROM lines_todo UNION ALL SELECT old_company_key FROM lines_todo)
        WHERE company_key IS NOT NULL""")


@contextmanager
def boilerplate_changes(con: duckdb.DuckDBPyConnection, analysis_key: str, since_batch: int | None) -> Iterator[str]:
    """Recompute the repeated lines of companies whose postings changed since `since_batch` (all when
    None); yields temp table `boilerplate_changed(posting_id)`: postings holding a line whose status
    changed for this analysis key, and postings whose lines were counted since (their company may differ)."""
    with temp_tables(con, "boilerplate_changed"):
        with temp_tables(con, "affected", "boilerplate_now", "boilerplate_diff"):
            _refresh_boilerplate(con, analysis_key, since_batch)
        yield "boilerplate_changed"


def _refresh_boilerplate(con: duckdb.DuckDBPyConnection, analysis_key: str, since_batch: int | None) -> None:
    affected = ("SELECT DISTINCT company_key FROM posting_line_state WHERE company_key IS NOT NULL"
                if since_batch is None else
                f"SELECT DISTINCT company_key FROM line_changes WHERE batch > {int(since_batch)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE affected AS {affected}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE boilerplate_now AS
        WITH sizes AS (SELECT company_key, count(*) AS n FROM posting_line_state
                       WHERE company_key IN (SELECT company_key FROM affected)
                       GROUP BY ALL HAVING count(*) >= {MIN_COMPANY_POSTINGS})
        SELECT c.company_key, c.line_hash FROM company_line_counts c JOIN sizes USING (company_key)
        WHERE 2 * c.uses >= sizes.n""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE boilerplate_diff AS
        (SELECT company_key, line_hash FROM boilerplate_now
         EXCEPT SELECT company_key, line_hash FROM boilerplate_lines
                WHERE analysis_key = $key AND company_key IN (SELECT company_key FROM affected))
        UNION ALL
        (SELECT company_key, line_hash FROM boilerplate_lines
         WHERE analysis_key = $key AND company_key IN (SELECT company_key FROM affected)
         EXCEPT SELECT company_key, line_hash FROM boilerplate_now)""", {"key": analysis_key})
    # Also every posting counted since: one that moved to another company has that company's boilerplate now.
    # Since the start, that is every posting (all have been counted): those with a changed line are among them.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE boilerplate_changed AS
        SELECT posting_id FROM posting_lines SEMI JOIN boilerplate_diff USING (company_key, line_hash)
        UNION SELECT posting_id FROM posting_line_state WHERE batch > {int(since_batch)}"""
                if since_batch is not None else "CREATE OR REPLACE TEMP TABLE boilerplate_changed AS "
                                                "SELECT posting_id FROM posting_line_state")
    con.execute("""DELETE FROM boilerplate_lines WHERE analysis_key = $key
                   AND company_key IN (SELECT company_key FROM affected)""", {"key": analysis_key})
    con.execute("INSERT INTO boilerplate_lines SELECT $key, company_key, line_hash FROM boilerplate_now",
                {"key": analysis_key})


@contextmanager
def analysed_texts(con: duckdb.DuckDBPyConnection, include_boilerplate: bool, ids_sql: str, analysis_key: str,
                   texts: str = "postings", params: dict[str, object] | None = None) -> Iterator[str]:
    """Yields SELECT posting_id, content_hash, text, words: the text that is matched and its words, for the
    posting ids `ids_sql` (with `params`) selects; the temp tables it reads are dropped when the block ends.

    Without boilerplate: the posting's lines minus its company's repeated ones (rebuilt and counted again
    only where some are present; which lines go is found once, into temp table `boilerplate_removed`).
    With it: the posting's text followed by the source-marked boilerplate.
    """
    with temp_tables(con, "analysed_ids", "boilerplate_removed"):
        yield _analysed_text_sql(con, include_boilerplate, ids_sql, analysis_key, texts, params)


def _analysed_text_sql(con: duckdb.DuckDBPyConnection, include_boilerplate: bool, ids_sql: str, analysis_key: str,
                       texts: str, params: dict[str, object] | None) -> str:
    con.execute(f"CREATE OR REPLACE TEMP TABLE analysed_ids AS {ids_sql}", params or {})
    every = con.execute("SELECT (SELECT count(DISTINCT posting_id) FROM analysed_ids) = (SELECT count(*) FROM postings)")\
        .fetchall()[0][0]
    # Every posting (a first run, a new lexicon): no filter, which costs a tenth of the scan.
    where = "" if every and texts == "postings" else "WHERE p.posting_id IN (SELECT posting_id FROM analysed_ids)"
    if include_boilerplate:
        return _WITH_BOILERPLATE.format(texts=texts, words=words_sql("p.boilerplate"), where=where)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE boilerplate_removed AS
        SELECT l.posting_id, list(l.line_hash) AS hashes
        FROM posting_lines l JOIN boilerplate_lines b
             ON b.analysis_key = $key AND b.company_key = l.company_key AND b.line_hash = l.line_hash
        WHERE l.posting_id IN (SELECT posting_id FROM analysed_ids) GROUP BY ALL""", {"key": analysis_key})
    return _WITHOUT_BOILERPLATE.format(hash=LINE_HASH, texts=texts, words=words_sql(), where=where)


_WITH_BOILERPLATE = """
            SELECT p.posting_id, p.content_hash,
                   if(coalesce(p.boilerplate, '') = '', p.text, p.text || chr(10) || p.boilerplate) AS text,
                   p.words + {words} AS words
            FROM {texts} p {where}"""

# One pass over the text: postings with none of their company's repeated lines are read as stored, the
# others rebuilt without those lines and their words counted again.
_WITHOUT_BOILERPLATE = """
        SELECT posting_id, content_hash, text, if(rebuilt, {words}, words) AS words FROM (
            SELECT p.posting_id, p.content_hash, p.words, r.posting_id IS NOT NULL AS rebuilt,
                   if(r.posting_id IS NULL, p.text,
                      array_to_string(list_filter(string_split(p.text, chr(10)),
                                                  lambda line: NOT list_contains(r.hashes, {hash}(line))), chr(10))) AS text
            FROM {texts} p LEFT JOIN boilerplate_removed r USING (posting_id)
            {where})"""
