"""Keyword in context: every match of one term with the words around it, to audit what is counted.

Matching is the analysis's own (same scan, same exclusions and `near` check), run again on the
postings whose stored counts show the term, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from analysis.boilerplate import analysed_texts
from analysis.lexicon import Lexicon
from analysis.match import Scanner, build_scanner, contexts, scan
from scraper.sql import temp_tables
from scraper.text import printable

CONTEXT_CHARS = 60
# Context is found for the first this-many matches (of any term) in each posting, so one posting that
# repeats a term a million times costs no more than a thousand matches would: its later matches are not shown.
MAX_CONTEXT_MATCHES = 1000
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


@dataclass(frozen=True)
class KwicLine:
    posted: date | None
    company: str
    left: str
    match: str
    right: str
    status: str  # counted | excluded | not near


def kwic(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, analysis_key: str, include_boilerplate: bool,
         term_name: str, limit: int = 50, since: date | None = None, show_excluded: bool = False) -> list[KwicLine]:
    """Up to `limit` matches of one term in the analysed postings, newest postings first."""
    index = lexicon.terms.index(lexicon.term(term_name))
    term = lexicon.terms[index].name
    wanted = "mentions + excluded + not_near > 0" if show_excluded else "mentions > 0"
    ids = f"""SELECT t.posting_id FROM term_counts t JOIN postings p USING (posting_id)
              WHERE t.analysis_key = $key AND t.term = $term AND {wanted}
                AND ($since IS NULL OR coalesce(p.posted_at, p.first_seen_at) >= $since)
              ORDER BY coalesce(p.posted_at, p.first_seen_at) DESC, t.posting_id LIMIT $limit"""
    since_at = datetime.combine(since, datetime.min.time()) if since else None
    params: dict[str, object] = {"key": analysis_key, "term": term, "since": since_at, "limit": limit}
    scanner = build_scanner(lexicon)
    with analysed_texts(con, include_boilerplate, ids, analysis_key, params=params) as analysed, \
            temp_tables(con, "kwic_input"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE kwic_input AS {analysed}")
        with scan(con, scanner, "kwic_input") as scanned, \
                contexts(con, scanner, f"""SELECT posting_id, text, exact FROM kwic_input JOIN (
                             SELECT DISTINCT posting_id, exact FROM {scanned.found} WHERE term = $index) USING (posting_id)""",
                         CONTEXT_CHARS, CONTEXT_CHARS, {"index": index}, MAX_CONTEXT_MATCHES) as located:
            rows = con.execute(f"""
                SELECT coalesce(p.posted_at, p.first_seen_at), coalesce(p.company, ''), l.left_text, f.core,
                       l.right_text,
                       CASE WHEN f.excluded THEN 'excluded' WHEN NOT f.near_ok THEN 'not near' ELSE 'counted' END
                FROM {located} l JOIN {scanned.found} f USING (posting_id, k) JOIN postings p USING (posting_id)
                WHERE f.term = $index AND ($all OR (NOT f.excluded AND f.near_ok))
                ORDER BY coalesce(p.posted_at, p.first_seen_at) DESC, l.posting_id, l.k LIMIT $limit""",
                               {"index": index, "all": show_excluded, "limit": limit}).fetchall()
    return [KwicLine(_day(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


def escape(text: str) -> str:
    """Control and line-separator characters as visible escapes (`\\n`, `\\x07`), so one match stays on one line."""
    return printable("".join(_ESCAPES.get(ch, ch) for ch in text))


def format_lines(lines: list[KwicLine], width: int = CONTEXT_CHARS, show_status: bool = False) -> list[str]:
    """Aligned on the match: date, company, right-aligned left context, [match], right context."""
    company_width = min(24, max((len(escape(line.company)) for line in lines), default=0))
    out = []
    for line in lines:
        left = escape(line.left)[-width:].rjust(width)
        right = escape(line.right)[:width]
        day = line.posted.isoformat() if line.posted else "----------"
        status = f"  ({line.status})" if show_status and line.status != "counted" else ""
        out.append(f"{day}  {escape(line.company)[:company_width].ljust(company_width)}  "
                   f"{left}[{escape(line.match)}]{right}{status}".rstrip())
    return out


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class MatchInContext:
    """One match of a term in one posting: which match it is, the words around it, and what the lexicon made of it."""

    posting_id: int
    company: str
    number: int  # the match's order among the posting's matches (1-based)
    left: str
    match: str
    right: str
    status: str  # counted | excluded | not near
    rule: str  # form | exclude:PHRASE | not near


def matches_in_context(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, analysis_key: str,
                       include_boilerplate: bool, term_name: str, posting_ids: list[int],
                       context_words: int = 25) -> list[MatchInContext]:
    """Every match (counted or vetoed) of one term in the given postings, with about `context_words` words
    each side (the first MAX_CONTEXT_MATCHES matches of each posting)."""
    if not posting_ids:
        return []
    index = lexicon.terms.index(lexicon.term(term_name))
    ids = "SELECT unnest($ids::BIGINT[]) AS posting_id"
    scanner = build_scanner(lexicon)
    with analysed_texts(con, include_boilerplate, ids, analysis_key, params={"ids": posting_ids}) as analysed, \
            temp_tables(con, "label_input"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE label_input AS {analysed}")
        with scan(con, scanner, "label_input") as scanned, \
                contexts(con, scanner, f"""SELECT posting_id, text, exact FROM label_input JOIN (
                             SELECT DISTINCT posting_id, exact FROM {scanned.found} WHERE term = $index) USING (posting_id)""",
                         context_words * 20, context_words + 1, {"index": index}, MAX_CONTEXT_MATCHES) as located:
            rows = con.execute(f"""
                SELECT l.posting_id, coalesce(p.company, ''), l.k, l.left_text, f.core, l.right_text, f.excluded,
                       f.near_ok
                FROM {located} l JOIN {scanned.found} f USING (posting_id, k) JOIN postings p USING (posting_id)
                WHERE f.term = $index ORDER BY l.posting_id, l.k""", {"index": index}).fetchall()
    out = []
    for posting_id, company, k, left, core, right, excluded, near_ok in rows:
        status = "excluded" if excluded else "counted" if near_ok else "not near"
        rule = f"exclude:{core.lower()}" if excluded else "form" if near_ok else "not near"
        out.append(MatchInContext(posting_id, company, k, _words(left, context_words, from_end=True), core,
                                  _words(right, context_words), status, rule))
    return out


def _words(text: str, n: int, from_end: bool = False) -> str:
    """At most n whitespace-separated words of text (its last n with from_end)."""
    parts = text.split(" ")
    return " ".join(parts[-n - 1:]) if from_end else " ".join(parts[:n + 1])


def sample_in_context(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, analysis_key: str,
                      include_boilerplate: bool, per_term: int = 3, seed: int = 1,
                      context_words: int = 12) -> dict[str, list[MatchInContext]]:
    """For every term, the first counted match in each of up to `per_term` postings drawn at random (seeded)
    from those the term counts in: what the counts count, shown in a report.

    Bounded work at any size: the draw reads only the stored counts, the few postings' texts are fetched by
    row id (selecting them by posting id would read every posting's text), and one scan covers every term."""
    draw = """SELECT s.term, s.posting_id, p.rowid AS row_id, list_position($names, s.term) - 1 AS term_index,
                     coalesce(p.company, '') AS company
              FROM (SELECT term, unnest(min_by(posting_id, hash(posting_id, $seed), $n)) AS posting_id  -- no sort
                    FROM term_counts WHERE analysis_key = $key AND mentions > 0 GROUP BY term) s
              JOIN postings p USING (posting_id)"""
    names = [t.name for t in lexicon.terms]
    with temp_tables(con, "sample_draw", "sample_texts", "sample_input"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE sample_draw AS {draw}",
                    {"names": names, "key": analysis_key, "seed": seed, "n": per_term})
        con.execute("""CREATE OR REPLACE TEMP TABLE sample_texts AS
                       SELECT posting_id, content_hash, text, boilerplate, words FROM postings
                       WHERE rowid IN (SELECT row_id FROM sample_draw)""")
        ids = "SELECT DISTINCT posting_id FROM sample_draw"
        with analysed_texts(con, include_boilerplate, ids, analysis_key, "sample_texts") as analysed:
            con.execute(f"CREATE OR REPLACE TEMP TABLE sample_input AS {analysed}")
        rows = _first_counted_matches(con, build_scanner(lexicon), context_words)
    out: dict[str, list[MatchInContext]] = {name: [] for name in names}
    for term, posting_id, company, k, left, core, right in rows:
        out[term].append(MatchInContext(posting_id, company, k, _words(left, context_words, from_end=True), core,
                                        _words(right, context_words), "counted", "form"))
    return out


def _first_counted_matches(con: duckdb.DuckDBPyConnection, scanner: Scanner, context_words: int) -> list[tuple]:
    """(term, posting_id, company, k, left, core, right): each drawn posting's first counted match of its term."""
    with scan(con, scanner, "sample_input") as scanned, \
            contexts(con, scanner, f"""SELECT posting_id, text, exact FROM sample_input JOIN (
                         SELECT DISTINCT posting_id, exact FROM {scanned.found}) USING (posting_id)""",
                     context_words * 20, context_words + 1, max_matches=MAX_CONTEXT_MATCHES) as located:
        return con.execute(f"""
            SELECT s.term, l.posting_id, s.company, l.k, l.left_text, f.core, l.right_text
            FROM {located} l JOIN {scanned.found} f USING (posting_id, k)
            JOIN sample_draw s ON s.posting_id = l.posting_id AND s.term_index = f.term
            WHERE NOT f.excluded AND f.near_ok
            QUALIFY row_number() OVER (PARTITION BY s.term, l.posting_id ORDER BY l.k) = 1
            ORDER BY s.term, hash(l.posting_id)""").fetchall()
