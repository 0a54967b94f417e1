"""Keyword in context: every match of one term with the words around it, to audit what is counted.

Matching is the analysis's own (same scan, same exclusions and `near` check), run again on the
postings whose stored counts show the term, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from analysis.boilerplate import analysed_text_sql
from analysis.lexicon import Lexicon
from analysis.match import build_scanner, locate_matches, match_postings
from scraper.text import printable

CONTEXT_CHARS = 60
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
    sql = analysed_text_sql(con, include_boilerplate, ids, analysis_key,
                            params={"key": analysis_key, "term": term, "since": since_at, "limit": limit})
    con.execute(f"CREATE OR REPLACE TEMP TABLE kwic_input AS {sql}")
    scanner = build_scanner(lexicon)
    match_postings(con, scanner, "kwic_input")
    locate_matches(con, scanner, """SELECT posting_id, text, exact FROM kwic_input
                                    JOIN (SELECT DISTINCT posting_id, exact FROM found) USING (posting_id)""")
    rows = con.execute(f"""
        SELECT coalesce(p.posted_at, p.first_seen_at), coalesce(p.company, ''),
               substring(l.text, greatest(1, l.off + 1 - {CONTEXT_CHARS}), least(l.off, {CONTEXT_CHARS})),
               f.core, substring(l.text, l.off + length(f.core) + 1, {CONTEXT_CHARS}),
               CASE WHEN f.excluded THEN 'excluded' WHEN NOT f.near_ok THEN 'not near' ELSE 'counted' END
        FROM located l JOIN found f USING (posting_id, k) JOIN postings p USING (posting_id)
        WHERE f.term = $index AND ($all OR (NOT f.excluded AND f.near_ok))
        ORDER BY coalesce(p.posted_at, p.first_seen_at) DESC, l.posting_id, l.k LIMIT $limit""",
                       {"index": index, "all": show_excluded, "limit": limit}).fetchall()
    con.execute("DROP TABLE kwic_input; DROP TABLE located; DROP TABLE found; DROP TABLE found_kinds; "
                "DROP TABLE analysed_ids; DROP TABLE IF EXISTS boilerplate_removed; DROP TABLE scanned_rows")
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
    """One match of a term in one posting: where it is, the words around it, and what the lexicon made of it."""

    posting_id: int
    company: str
    offset: int  # characters into the analysed text
    left: str
    match: str
    right: str
    status: str  # counted | excluded | not near
    rule: str  # form | exclude:PHRASE | not near


def matches_in_context(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, analysis_key: str,
                       include_boilerplate: bool, term_name: str, posting_ids: list[int],
                       context_words: int = 25) -> list[MatchInContext]:
    """Every match (counted or vetoed) of one term in the given postings, with `context_words` words each side."""
    if not posting_ids:
        return []
    index = lexicon.terms.index(lexicon.term(term_name))
    ids = "SELECT unnest($ids::BIGINT[]) AS posting_id"
    sql = analysed_text_sql(con, include_boilerplate, ids, analysis_key, params={"ids": posting_ids})
    con.execute(f"CREATE OR REPLACE TEMP TABLE kwic_input AS {sql}")
    scanner = build_scanner(lexicon)
    match_postings(con, scanner, "kwic_input")
    locate_matches(con, scanner, """SELECT posting_id, text, exact FROM kwic_input
                                    JOIN (SELECT DISTINCT posting_id, exact FROM found) USING (posting_id)""")
    span = context_words * 20
    rows = con.execute(f"""
        SELECT l.posting_id, coalesce(p.company, ''), l.off,
               substring(l.text, greatest(1, l.off + 1 - {span}), least(l.off, {span})),
               f.core, substring(l.text, l.off + length(f.core) + 1, {span}), f.excluded, f.near_ok
        FROM located l JOIN found f USING (posting_id, k) JOIN postings p USING (posting_id)
        WHERE f.term = $index ORDER BY l.posting_id, l.k""", {"index": index}).fetchall()
    con.execute("DROP TABLE kwic_input; DROP TABLE located; DROP TABLE found; DROP TABLE found_kinds; "
                "DROP TABLE analysed_ids; DROP TABLE IF EXISTS boilerplate_removed; DROP TABLE scanned_rows")
    out = []
    for posting_id, company, off, left, core, right, excluded, near_ok in rows:
        status = "excluded" if excluded else "counted" if near_ok else "not near"
        rule = f"exclude:{core.lower()}" if excluded else "form" if near_ok else "not near"
        out.append(MatchInContext(posting_id, company, off, _words(left, context_words, from_end=True), core,
                                  _words(right, context_words), status, rule))
    return out


def _words(text: str, n: int, from_end: bool = False) -> str:
    """At most n whitespace-separated words of text (its last n with from_end), spacing kept inside."""
    parts = text.split(" ")
    return " ".join(parts[-n - 1:]) if from_end else " ".join(parts[:n + 1])
