"""Keyword in context: every match of one term with the words around it, to audit what is counted.

Matching is the analysis's own (same scan, same sense rules), run again on the postings whose stored
counts show the term, newest first. Each match says which rule decided it (`rule_sql`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from analysis.boilerplate import analysed_texts
from analysis.lexicon import Lexicon
from analysis.match import SCAN_TEXT, Scanner, build_scanner, contexts, form_body, scan, veto_entry
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
    status: str  # counted | excluded | not near | not_near: WORD


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
                       l.right_text, f.excluded, f.window_ok, f.veto
                FROM {located} l JOIN {scanned.found} f USING (posting_id, k) JOIN postings p USING (posting_id)
                WHERE f.term = $index AND ($all OR (NOT f.excluded AND f.window_ok))
                ORDER BY coalesce(p.posted_at, p.first_seen_at) DESC, l.posting_id, l.k LIMIT $limit""",
                               {"index": index, "all": show_excluded, "limit": limit}).fetchall()
    return [KwicLine(_day(r[0]), r[1], r[2], r[3], r[4], _status(r[5], r[6], r[7])) for r in rows]


def _status(excluded: bool, window_ok: bool, veto: str | None) -> str:
    if excluded:
        return "excluded"
    if window_ok:
        return "counted"
    return f"not_near: {veto}" if veto else "not near"


def rule_sql(scanner: Scanner, index: int) -> tuple[str, dict[str, object]]:
    """SQL over a `found` row `f` of term `index`: the rule that decided it (`exclude:PHRASE`, `keep:PHRASE`,
    `not_near` (a veto word; the caller names it), `not near` (no `near` word), `near`, or `form`)."""
    params: dict[str, object] = {}
    cases = []
    for kind in ("exclude", "keep"):
        whens = []
        for i, phrase in enumerate(scanner.phrases(index, kind)):
            params[f"{kind}_re{i}"] = "(?i)" + form_body(phrase)
            params[f"{kind}_ph{i}"] = f"{kind}:{phrase}"
            whens.append(f"WHEN regexp_full_match(f.core, ${kind}_re{i}) THEN ${kind}_ph{i}")
        if whens:
            cases.append(f"WHEN f.{'excluded' if kind == 'exclude' else 'kept'} THEN CASE {' '.join(whens)} END")
    term = scanner.lexicon.terms[index]
    counted = "'near'" if term.near else "'form'"
    return (f"CASE {' '.join(cases)} WHEN f.veto IS NOT NULL THEN 'not_near' WHEN NOT f.window_ok THEN 'not near' "
            f"ELSE {counted} END", params)


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
    status: str  # counted | excluded | not near | not_near: WORD
    rule: str  # form | near | keep:PHRASE | exclude:PHRASE | not_near:WORD | not near


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
            rule, params = rule_sql(scanner, index)
            rows = con.execute(f"""
                SELECT l.posting_id, coalesce(p.company, ''), l.k, l.left_text, f.core, l.right_text, f.excluded,
                       f.window_ok, f.veto, {rule}
                FROM {located} l JOIN {scanned.found} f USING (posting_id, k) JOIN postings p USING (posting_id)
                WHERE f.term = $index ORDER BY l.posting_id, l.k""", {"index": index, **params}).fetchall()
    term = lexicon.terms[index]
    out = []
    for posting_id, company, k, left, core, right, excluded, window_ok, veto, rule in rows:
        status = _status(excluded, window_ok, veto)
        if veto:
            rule = f"not_near:{veto_entry(term, veto)}"
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
            WHERE NOT f.excluded AND f.window_ok
            QUALIFY row_number() OVER (PARTITION BY s.term, l.posting_id ORDER BY l.k) = 1
            ORDER BY s.term, hash(l.posting_id)""").fetchall()


@dataclass(frozen=True)
class RuledMatch:
    """One match of a term in a plain text: where it starts (in characters), its text, and the deciding rule."""

    offset: int
    match: str
    rule: str  # as MatchInContext.rule
    counted: bool


def rules_in_texts(lexicon: Lexicon, term_name: str, texts: list[str]) -> list[list[RuledMatch]]:
    """Per text, every match of one term with the rule that decided it: the analysis's own scan, run in an
    in-memory DuckDB on plain texts (for measuring a lexicon against labelled matches)."""
    index = lexicon.terms.index(lexicon.term(term_name))
    term = lexicon.terms[index]
    scanner = build_scanner(lexicon)
    con = duckdb.connect()
    try:
        con.execute("""CREATE TEMP TABLE rules_input AS
                       SELECT i - 1 AS posting_id, $texts[i] AS text FROM range(1, len($texts) + 1) r(i)""",
                    {"texts": texts})
        with scan(con, scanner, "rules_input") as scanned:
            rule, params = rule_sql(scanner, index)
            # A match's offset: the pieces and matches before it (the split uses the pattern the scan used).
            rows = con.execute(f"""
                SELECT f.posting_id, f.core, f.veto, {rule} AS rule, NOT f.excluded AND f.window_ok,
                       list_sum(list_transform(c.pieces[1:f.k], lambda p: length(p)))
                       + coalesce(list_sum(list_transform(c.ms[1:f.k - 1], lambda m: length(m))), 0)
                FROM {scanned.found} f JOIN (
                    SELECT posting_id, regexp_split_to_array(t, if(exact, $xp, $p)) AS pieces,
                           regexp_extract_all(t, if(exact, $xp, $p)) AS ms
                    FROM (SELECT i.posting_id, {SCAN_TEXT.format(col='i.text')} AS t, d.exact FROM rules_input i
                          JOIN (SELECT DISTINCT posting_id, exact FROM {scanned.found} WHERE term = $index) d
                          USING (posting_id))) c USING (posting_id)
                WHERE f.term = $index ORDER BY f.posting_id, f.k""",
                               {"index": index, "p": scanner.pattern, "xp": scanner.exact_pattern, **params}).fetchall()
    finally:
        con.close()
    out: list[list[RuledMatch]] = [[] for _ in texts]
    for posting_id, core, veto, rule, counted, offset in rows:
        out[posting_id].append(RuledMatch(int(offset), core, f"not_near:{veto_entry(term, veto)}" if veto else rule,
                                          bool(counted)))
    return out
