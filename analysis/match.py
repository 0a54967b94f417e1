"""Term matching inside DuckDB: one RE2 scan over an alternation of every form and exclusion phrase.

RE2 (DuckDB's regex engine) has no lookbehind or lookahead and its `\\b` knows only ASCII word
characters, so the word boundaries are built like this (see README "Matching rules"):
- before a form: `\\b`, which is zero-width, so a match right after another match is still found. Forms
  must start with an ASCII letter or digit for it to mean "not after a word character"; the one case
  where it is wrong — a non-ASCII letter just before (`éflexible`) — is caught by a last "junk"
  alternative that swallows such words (leftmost match wins, so it starts first and hides the form);
- after a form: one non-word character (or the end) is consumed — Unicode-correct, and RE2 backtracks
  into the other alternatives when it fails; a trailing `*` instead eats the rest of the word.
The scan returns the matched strings only; each distinct string is then classified once (which
alternative, in priority order, matches it in full — the one RE2 chose), and only matches of terms
with `near` words need their position, found with a second split pass over just those postings.
The text is scanned case-insensitively with `İ` replaced by `I` first (RE2 does not fold it).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analysis.lexicon import SEPARATORS, Lexicon, Term

WORD = r"[\pL\pN_]"
AFTER = r"(?:[^\pL\pN_]|$)"
SEP = r"[ \t\n\x{00A0}\-\x{2010}\x{2011}\x{2013}]+"
NON_ASCII_WORD = r"(?:[^\x00-\x7F\PL]|[^\x00-\x7F\PN])"
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
        """The form itself as RE2 syntax (no boundaries)."""
        return form_body(self.form)

    @property
    def regex(self) -> str:
        """The alternative in the scan: `\\b`, the body, then a word end."""
        return r"\b" + self.body + ("" if self.form.endswith("*") else AFTER)


@dataclass(frozen=True)
class Scanner:
    """Everything SQL needs to match one lexicon: the scan pattern and how to read its matches."""

    lexicon: Lexicon
    alternatives: tuple[Alternative, ...]  # in priority order

    @property
    def pattern(self) -> str:
        """The one regex the text is scanned with (case-insensitive)."""
        alts = [a.regex for a in self.alternatives] + [junk_regex(self.alternatives)]
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


def form_body(form: str) -> str:
    """Form → RE2: a space or hyphen → a run of separators; `*` → the rest of the word; others literal."""
    out: list[str] = []
    for ch in form:
        if ch in SEPARATORS:
            out.append(SEP)
        elif ch == "*":
            out.append(WORD + "*")
        elif ch.isalnum():
            out.append(ch)
        else:
            out.append(r"\x{%04X}" % ord(ch))
    return "".join(out)


def junk_regex(alternatives: tuple[Alternative, ...]) -> str:
    """A non-ASCII letter or digit directly before a form's first letter: swallow the rest of that word."""
    firsts = sorted({a.form[0] for a in alternatives})
    return NON_ASCII_WORD + "[" + "".join(firsts) + "]" + WORD + "*"


def near_regex(term: Term) -> str:
    """Full-match regex for one word of context against the term's `near` list."""
    return "(?i)(?:" + "|".join(form_body(w) for w in term.near) + ")"


# -- SQL -------------------------------------------------------------------------------------------

def match_postings(con: duckdb.DuckDBPyConnection, scanner: Scanner, source: str = "analysis_input") -> None:
    """Scan `source(posting_id, text)` into temp table `found(posting_id, k, m, core, term, excluded, near_ok)`.

    One row per match, `k` its 1-based order in the posting, `core` the match without the consumed
    boundary character; `term` NULL for junk; `near_ok` false when the term has `near` words and none
    is within its window.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE found_raw AS
        SELECT posting_id, unnest(ms) AS m, generate_subscripts(ms, 1) AS k
        FROM (SELECT posting_id, regexp_extract_all({SCAN_TEXT.format(col='text')}, $pattern) AS ms FROM {source})
        WHERE len(ms) > 0""", {"pattern": scanner.pattern})
    classify_matches(con, scanner)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE found AS
        SELECT f.posting_id, f.k, f.m, c.core, c.term, c.excluded, true AS near_ok
        FROM found_raw f JOIN found_kinds c USING (m)""")
    con.execute("DROP TABLE found_raw")
    for index, term in enumerate(scanner.lexicon.terms):
        if term.near:
            check_near(con, scanner, index, term, source)


def classify_matches(con: duckdb.DuckDBPyConnection, scanner: Scanner) -> None:
    """Each distinct matched string → (core, term, excluded), once: `found_kinds`."""
    params: dict[str, object] = {}
    whens = []
    for i, (regex, term, excluded) in enumerate(scanner.classifier()):
        params[f"r{i}"] = regex
        whens.append(f"WHEN regexp_full_match(core, $r{i}) THEN {{'term': {term}, 'excluded': {str(excluded).lower()}}}")
    case = "CASE " + " ".join(whens) + " ELSE NULL END" if whens else "NULL"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE found_kinds AS
        SELECT m, core, kind.term AS term, coalesce(kind.excluded, false) AS excluded FROM (
            SELECT m, core, {case} AS kind FROM (
                SELECT m, if(regexp_matches(m, '[^\\pL\\pN_]$'), left(m, -1), m) AS core
                FROM (SELECT DISTINCT m FROM found_raw)))""", params)


def locate_matches(con: duckdb.DuckDBPyConnection, scanner: Scanner, postings_sql: str,
                   params: dict[str, object] | None = None) -> None:
    """Temp table `located(posting_id, k, m, off, text)`: the 0-based character offset of every match
    in the postings that `postings_sql` (columns posting_id, text) selects."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE located AS
        WITH scanned AS (
            SELECT posting_id, text,
                   regexp_extract_all({SCAN_TEXT.format(col='text')}, $pattern) AS ms,
                   regexp_split_to_array({SCAN_TEXT.format(col='text')}, $pattern) AS pieces
            FROM ({postings_sql})),
        lengths AS (
            SELECT posting_id, text, ms,
                   list_transform(pieces, lambda p: length(p)) AS piece_len,
                   list_transform(ms, lambda x: length(x)) AS match_len
            FROM scanned WHERE len(ms) > 0)
        SELECT posting_id, k, ms[k] AS m,
               (list_sum(piece_len[1:k]) + coalesce(list_sum(match_len[1:k - 1]), 0))::BIGINT AS off, text
        FROM (SELECT *, unnest(range(1, len(ms) + 1)) AS k FROM lengths)""",
                {"pattern": scanner.pattern, **(params or {})})


def check_near(con: duckdb.DuckDBPyConnection, scanner: Scanner, index: int, term: Term, source: str) -> None:
    """Mark `found` rows of one term whose window holds none of its `near` words."""
    locate_matches(con, scanner, f"""SELECT posting_id, text FROM {source}
        WHERE posting_id IN (SELECT posting_id FROM found WHERE term = $term AND NOT excluded)""", {"term": index})
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
