r"""Term matching inside DuckDB: one RE2 scan over an alternation of every form and exclusion phrase.

RE2 (DuckDB's regex engine) has no lookbehind or lookahead, its `\b` knows only ASCII word characters,
and Unicode classes such as `\pL` inside a large alternation blow up its DFA (measured: 2-9 MB/s instead
of 100-170 MB/s). So the scan pattern keeps Unicode classes out of the alternation:
- before a form: `\b`, zero-width, so a match right after another match is still found. Forms start
  with an ASCII letter or digit; the one case where `\b` is wrong — a non-ASCII letter or digit just
  before (`éflexible`) — is caught by a last "junk" alternative that swallows such words (the leftmost
  match wins, so it starts first and hides the form);
- inside: a trailing `*` is a run of ASCII word characters;
- after: one shared suffix consumes a non-word character (or the end), or — when a non-ASCII letter
  follows — the rest of that word, so `empathié` is one word.
The scan returns matched strings only; each distinct string is then classified once, exactly (Unicode
classes are cheap on short strings): the first alternative, in priority order, that matches it in full.
A string no alternative matches in full can only come from a form directly followed by a non-ASCII
letter where a shorter alternative would have matched; the few postings with one are scanned again
with the exact (slow) pattern. Only matches of terms with `near` words need their position, found
with a second split pass over just those postings.
The text is scanned case-insensitively with `İ` replaced by `I` first (RE2 does not fold it).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analysis.lexicon import SEPARATORS, Lexicon, Term

WORD = r"[\pL\pN_]"
ASCII_WORD = r"[a-zA-Z0-9_]"
AFTER = r"(?:[^\pL\pN_]|$)"
SEP = r"[ \t\n\x{00A0}\-\x{2010}\x{2011}\x{2013}]+"
NON_ASCII_WORD = r"(?:[^\x00-\x7F\PL]|[^\x00-\x7F\PN])"
# After a fast-pattern body: a word end, or a non-ASCII letter and the rest of its word.
FAST_AFTER = rf"(?:[^\pL\pN_]|$|{NON_ASCII_WORD}{WORD}*{AFTER})"
# Words looked at on either side of a match for `near`: at most this many characters per word of window.
CHARS_PER_WORD = 100
# The text as scanned: RE2's case folding has no İ (U+0130), so it becomes I (one character for one).
SCAN_TEXT = "CASE WHEN contains({col}, 'İ') THEN replace({col}, 'İ', 'I') ELSE {col} END"


@dataclass(frozen=True)
class Alternative:
    """One form or exclusion phrase of one term, as a regex alternative."""

    form: str
    term: int  # index in the lexicon
    excluded: bool  # an exclusion phrase: what it covers does not count

    @property
    def body(self) -> str:
        """The form as exact RE2 syntax (no boundaries): `*` is any continuation of the word."""
        return form_body(self.form, WORD)

    @property
    def exact(self) -> str:
        return r"\b" + self.body + ("" if self.form.endswith("*") else AFTER)


@dataclass(frozen=True)
class Scanner:
    """Everything SQL needs to match one lexicon: the scan patterns and how to read their matches."""

    lexicon: Lexicon
    alternatives: tuple[Alternative, ...]  # in priority order

    @property
    def pattern(self) -> str:
        """The fast scan pattern (case-insensitive; see the module docstring)."""
        bodies = "|".join(form_body(a.form, ASCII_WORD) for a in self.alternatives)
        return rf"(?i)(?:\b(?:{bodies}){FAST_AFTER}|{junk_regex(self.alternatives)})"

    @property
    def exact_pattern(self) -> str:
        """The same scan with Unicode-exact alternatives: slow, for the rare postings that need it."""
        alts = [a.exact for a in self.alternatives] + [junk_regex(self.alternatives)]
        return "(?i)(?:" + "|".join(alts) + ")"

    def classifier(self) -> list[tuple[str, int, bool]]:
        """(full-match regex, term, excluded) runs in priority order: the first that matches in full wins."""
        runs: list[tuple[list[str], int, bool]] = []
        for alt in self.alternatives:
            if runs and runs[-1][1:] == (alt.term, alt.excluded):
                runs[-1][0].append(alt.body)
            else:
                runs.append(([alt.body], alt.term, alt.excluded))
        return [("(?i)(?:" + "|".join(bodies) + ")", term, excluded) for bodies, term, excluded in runs]


def build_scanner(lexicon: Lexicon) -> Scanner:
    """Alternatives in priority order: exclusion phrases first, then longer forms before shorter ones."""
    alternatives = [
        (not excluded, -len(form), t, i, Alternative(form, t, excluded))
        for t, term in enumerate(lexicon.terms)
        for excluded, forms in ((True, term.exclude), (False, term.forms))
        for i, form in enumerate(forms)
    ]
    return Scanner(lexicon, tuple(alt for *_, alt in sorted(alternatives, key=lambda a: a[:4])))


def form_body(form: str, word: str = WORD) -> str:
    """Form → RE2: a space or hyphen → a run of separators; `*` → word characters; others literal."""
    out: list[str] = []
    for ch in form:
        if ch in SEPARATORS:
            out.append(SEP)
        elif ch == "*":
            out.append(word + "*")
        elif ch.isalnum():
            out.append(ch)
        else:
            out.append(r"\x{%04X}" % ord(ch))
    return "".join(out)


def junk_regex(alternatives: tuple[Alternative, ...]) -> str:
    """A non-ASCII letter or digit directly before a form's first letter: swallow that ASCII run."""
    firsts = sorted({a.form[0] for a in alternatives})
    return NON_ASCII_WORD + "[" + "".join(firsts) + "]" + ASCII_WORD + "*"


def near_regex(term: Term) -> str:
    """Full-match regex for one word of context against the term's `near` list."""
    return "(?i)(?:" + "|".join(form_body(w) for w in term.near) + ")"


# -- SQL -------------------------------------------------------------------------------------------

def match_postings(con: duckdb.DuckDBPyConnection, scanner: Scanner, source: str = "analysis_input") -> None:
    """Scan `source(posting_id, text, ...)` into temp table `found(posting_id, k, m, core, term, excluded, near_ok,
    exact)`, and `scanned_rows`: the source's other columns for every posting scanned.

    One row per match, `k` its 1-based order in the posting, `core` the match without the consumed
    boundary character; `term` NULL for junk; `near_ok` false when the term has `near` words and none
    is within its window; `exact` true for postings scanned with the exact pattern.
    """
    _scan(con, scanner, source, "found_raw", scanner.pattern, keep="scanned_rows")
    classify_matches(con, scanner)
    redo = con.execute("""SELECT count(DISTINCT posting_id) FROM found_raw JOIN found_kinds USING (m)
                          WHERE unresolved""").fetchall()[0][0]
    if redo:
        _rescan_exactly(con, scanner, source)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE found AS
        SELECT f.posting_id, f.k, f.m, c.core, c.term, c.excluded, true AS near_ok, f.exact
        FROM found_raw f JOIN found_kinds c USING (m)""")
    con.execute("DROP TABLE found_raw")
    for index, term in enumerate(scanner.lexicon.terms):
        if term.near:
            check_near(con, scanner, index, term, source)


def _scan(con: duckdb.DuckDBPyConnection, scanner: Scanner, source: str, table: str, pattern: str,
          where: str = "", keep: str = "") -> None:
    """Matches of `pattern` in `source` into `table`; with `keep`, also a table of the source's other
    columns (all but text) for every posting scanned, so callers never read the source twice."""
    exact = "true" if pattern == scanner.exact_pattern else "false"
    # Lists first, into a table: unnesting straight from the scan made DuckDB run the regex twice.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE scanned AS
        SELECT * EXCLUDE (text), regexp_extract_all({SCAN_TEXT.format(col='text')}, $pattern) AS ms
        FROM {source} {where}""", {"pattern": pattern})
    if keep:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {keep} AS SELECT * EXCLUDE (ms) FROM scanned")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT posting_id, unnest(ms) AS m, generate_subscripts(ms, 1) AS k, {exact} AS exact
        FROM scanned WHERE len(ms) > 0""")
    con.execute("DROP TABLE scanned")


def _rescan_exactly(con: duckdb.DuckDBPyConnection, scanner: Scanner, source: str) -> None:
    con.execute("""CREATE OR REPLACE TEMP TABLE redo AS SELECT DISTINCT posting_id FROM found_raw
                   JOIN found_kinds USING (m) WHERE unresolved""")
    _scan(con, scanner, source, "found_exact", scanner.exact_pattern,
          "WHERE posting_id IN (SELECT posting_id FROM redo)")
    con.execute("DELETE FROM found_raw WHERE posting_id IN (SELECT posting_id FROM redo)")
    con.execute("INSERT INTO found_raw SELECT * FROM found_exact")
    con.execute("DROP TABLE found_exact; DROP TABLE redo")
    classify_matches(con, scanner)


def classify_matches(con: duckdb.DuckDBPyConnection, scanner: Scanner) -> None:
    """Each distinct matched string → (core, term, excluded, unresolved), once: `found_kinds`."""
    params: dict[str, object] = {}
    whens = []
    for i, (regex, term, excluded) in enumerate(scanner.classifier()):
        params[f"r{i}"] = regex
        whens.append(f"WHEN regexp_full_match(core, $r{i}) THEN {{'term': {term}, 'excluded': {str(excluded).lower()}}}")
    case = "CASE WHEN junk THEN NULL " + " ".join(whens) + " ELSE NULL END"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE found_kinds AS
        SELECT m, core, kind.term AS term, coalesce(kind.excluded, false) AS excluded,
               kind IS NULL AND NOT junk AS unresolved
        FROM (SELECT m, core, junk, {case} AS kind FROM (
                SELECT m, core, NOT regexp_matches(core, '^[a-zA-Z0-9]') AS junk FROM (
                    SELECT m, if(regexp_matches(m, '[^\\pL\\pN_]$'), left(m, -1), m) AS core
                    FROM (SELECT DISTINCT m FROM found_raw))))""", params)


def locate_matches(con: duckdb.DuckDBPyConnection, scanner: Scanner, postings_sql: str,
                   params: dict[str, object] | None = None) -> None:
    """Temp table `located(posting_id, k, m, off, text)`: the 0-based character offset of every match
    in the postings that `postings_sql` (columns posting_id, text, exact) selects, scanned with the
    pattern `found` used for them."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE scanned AS
        SELECT posting_id, text,
               CASE WHEN exact THEN regexp_extract_all(scan_text, $exact_pattern)
                    ELSE regexp_extract_all(scan_text, $pattern) END AS ms,
               CASE WHEN exact THEN regexp_split_to_array(scan_text, $exact_pattern)
                    ELSE regexp_split_to_array(scan_text, $pattern) END AS pieces
        FROM (SELECT *, {SCAN_TEXT.format(col='text')} AS scan_text FROM ({postings_sql}))""",
                {"pattern": scanner.pattern, "exact_pattern": scanner.exact_pattern, **(params or {})})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE located AS
        WITH lengths AS (
            SELECT posting_id, text, ms,
                   list_transform(pieces, lambda p: length(p)) AS piece_len,
                   list_transform(ms, lambda x: length(x)) AS match_len
            FROM scanned WHERE len(ms) > 0)
        SELECT posting_id, k, ms[k] AS m,
               (list_sum(piece_len[1:k]) + coalesce(list_sum(match_len[1:k - 1]), 0))::BIGINT AS off, text
        FROM (SELECT *, unnest(range(1, len(ms) + 1)) AS k FROM lengths)""")
    con.execute("DROP TABLE scanned")


def check_near(con: duckdb.DuckDBPyConnection, scanner: Scanner, index: int, term: Term, source: str) -> None:
    """Mark `found` rows of one term whose window holds none of its `near` words."""
    locate_matches(con, scanner, f"""SELECT s.posting_id, s.text, f.exact FROM {source} s
        JOIN (SELECT DISTINCT posting_id, exact FROM found WHERE term = $term AND NOT excluded) f USING (posting_id)""",
                   {"term": index})
    span = term.window * CHARS_PER_WORD
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE near_checked AS
        SELECT l.posting_id, l.k, len(list_filter(
                   list_concat(left_words[greatest(len(left_words) - $window + 1, 1):], right_words[1:$window]),
                   lambda w: regexp_full_match(w, $near))) > 0 AS ok
        FROM (SELECT posting_id, k,
                     regexp_extract_all(substring(text, greatest(1, off + 1 - {span}), least(off, {span})), '{WORD}+')
                         AS left_words,
                     regexp_extract_all(substring(text, off + length(f.core) + 1, {span}), '{WORD}+') AS right_words
              FROM located JOIN found f USING (posting_id, k) WHERE f.term = $term AND NOT f.excluded) l""",
                {"window": term.window, "near": near_regex(term), "term": index})
    con.execute("""UPDATE found SET near_ok = n.ok FROM near_checked n
                   WHERE found.posting_id = n.posting_id AND found.k = n.k""")
    con.execute("DROP TABLE near_checked")


def count_in_texts(lexicon: Lexicon, texts: list[str]) -> list[dict[str, tuple[int, int, int]]]:
    """Match plain texts in an in-memory DuckDB: per text, term → (mentions, excluded, not near).

    The same scan the analysis runs on stored postings; for trying a lexicon out and for tests.
    """
    con = duckdb.connect()
    try:
        con.execute("""CREATE TEMP TABLE analysis_input AS
                       SELECT i - 1 AS posting_id, $texts[i] AS text FROM range(1, len($texts) + 1) r(i)""",
                    {"texts": texts})
        match_postings(con, build_scanner(lexicon))
        rows = con.execute("""
            SELECT posting_id, term, count(*) FILTER (NOT excluded AND near_ok), count(*) FILTER (excluded),
                   count(*) FILTER (NOT excluded AND NOT near_ok)
            FROM found WHERE term IS NOT NULL GROUP BY ALL""").fetchall()
    finally:
        con.close()
    counts: list[dict[str, tuple[int, int, int]]] = [{} for _ in texts]
    for posting, term, mentions, excluded, not_near in rows:
        counts[posting][lexicon.terms[term].name] = (mentions, excluded, not_near)
    return counts
