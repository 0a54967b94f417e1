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
with the exact (slow) pattern. Sense rules: an exclusion or keep phrase is an alternative of its own that
outranks the forms (leftmost match first; at the same start exclude, then keep, then forms), so a match
inside one is marked excluded or kept by the scan itself; a phrase whose text holds no whole-word form of
its term marks nothing. Only matches of terms with `near` or `not_near` words need the words around them:
the scan keeps the text of just the postings with a match that starts like such a form; of those holding
such a match that no phrase decided, the text is split at its matches once and only a short
stretch on either side of each match is read for words, in the query that makes `found` (no second regex
scan of the source, no UPDATE).
The text is scanned case-insensitively with `İ` replaced by `I` first (RE2 does not fold it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from analysis.lexicon import SEPARATORS, Lexicon, Term
from scraper.sql import sql_string, temp_tables

WORD = r"[\pL\pN_]"
ASCII_WORD = r"[a-zA-Z0-9_]"
AFTER = r"(?:[^\pL\pN_]|$)"
SEP = r"[ \t\n\x{00A0}\-\x{2010}\x{2011}\x{2013}]+"
NON_ASCII_WORD = r"(?:[^\x00-\x7F\PL]|[^\x00-\x7F\PN])"
# After a fast-pattern body: a word end, or a non-ASCII letter and the rest of its word.
FAST_AFTER = rf"(?:[^\pL\pN_]|$|{NON_ASCII_WORD}{WORD}*{AFTER})"
# Words looked at on either side of a match for `near`: at most this many characters per word of window.
CHARS_PER_WORD = 100
# ... of which this many per word are read first (see _WINDOWS).
SHORT_CHARS_PER_WORD = 16
# A posting whose matches times characters exceed this has its windows read by contexts() (see _find_with_windows).
LARGE_WINDOW_WORK = 2_000_000
# The text as scanned: RE2's case folding has no İ (U+0130), so it becomes I (one character for one).
SCAN_TEXT = "CASE WHEN contains({col}, 'İ') THEN replace({col}, 'İ', 'I') ELSE {col} END"


KINDS = ("exclude", "keep", "form")  # alternatives' kinds, in priority order


@dataclass(frozen=True)
class Alternative:
    """One form, exclusion phrase or keep phrase of one term, as a regex alternative."""

    form: str
    term: int  # index in the lexicon
    kind: str  # exclude: what it covers does not count | keep: what it covers counts | form

    @property
    def excluded(self) -> bool:
        return self.kind == "exclude"

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

    def classifier(self) -> list[tuple[str, int, str]]:
        """(full-match regex, term, kind) runs in priority order: the first that matches in full wins."""
        runs: list[tuple[list[str], int, str]] = []
        for alt in self.alternatives:
            if runs and runs[-1][1:] == (alt.term, alt.kind):
                runs[-1][0].append(alt.body)
            else:
                runs.append(([alt.body], alt.term, alt.kind))
        return [("(?i)(?:" + "|".join(bodies) + ")", term, kind) for bodies, term, kind in runs]

    def window_candidates(self, word: str) -> str | None:
        """A regex that finds, in a posting's matches joined by chr(1), one that starts like a form of a term
        with window rules (so the posting's text is needed for them); None when no term has any."""
        forms = [form_body(f, word) for t in self.lexicon.terms if t.positional for f in t.forms]
        return "(?i)(?:^|\\x01)(?:" + "|".join(forms) + ")" if forms else None

    def phrases(self, term: int, kind: str) -> list[str]:
        """One term's exclusion or keep phrases in the order the scan prefers them."""
        return [a.form for a in self.alternatives if a.term == term and a.kind == kind]


def build_scanner(lexicon: Lexicon) -> Scanner:
    """Alternatives in priority order: exclusion phrases, keep phrases, forms; longer before shorter."""
    alternatives = [
        (KINDS.index(kind), -len(form), t, i, Alternative(form, t, kind))
        for t, term in enumerate(lexicon.terms)
        for kind, forms in (("exclude", term.exclude), ("keep", term.keep), ("form", term.forms))
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


def words_regex(words: tuple[str, ...]) -> str:
    """A regex that finds, in a window's words joined by spaces, the first that is (in full) one of a `near` or
    `not_near` list's words: group 1."""
    # The words hold word characters only: `*` is "up to the next space" (Unicode classes are slow in RE2).
    return "(?i)(?:^| )(" + "|".join(form_body(w, "[^ ]") for w in words) + ")(?: |$)"


def form_inside_regex(term: Term) -> str:
    """Whether a phrase's matched text holds a whole-word form of its term (else the phrase marks nothing)."""
    return rf"(?i)(?:^|[^\pL\pN_])(?:{'|'.join(form_body(f) for f in term.forms)}){AFTER}"


def veto_entry(term: Term, word: str) -> str:
    """The `not_near` entry that a window word matched (as written in the lexicon)."""
    folded = word.lower()
    for entry in term.not_near:
        if folded.startswith(entry[:-1]) if entry.endswith("*") else folded == entry:
            return entry
    return folded


# -- SQL -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scanned:
    """The temp tables a scan made (dropped when its `with` block ends)."""

    found: str  # one row per match: posting_id, k, m, core, term, excluded, kept, window_ok, veto, exact
    rows: str  # the source's columns other than text, for every posting scanned


@contextmanager
def scan(con: duckdb.DuckDBPyConnection, scanner: Scanner, source: str) -> Iterator[Scanned]:
    """Match `source(posting_id, text, ...)`: `found` holds one row per match, `k` its 1-based order in the
    posting, `core` the match without the consumed boundary character, `term` NULL for junk, `excluded` /
    `kept` when an exclusion / keep phrase covers it, `window_ok` false when the term has `near` words and
    none is within its window or (then `veto` is that word) a `not_near` word is, `exact` true for
    postings scanned with the exact pattern. A match counts when NOT excluded AND window_ok."""
    with temp_tables(con, "found", "scanned"):
        with temp_tables(con, "found_raw", "found_kinds", "window_texts"):
            con.execute("CREATE OR REPLACE TEMP TABLE window_texts (posting_id BIGINT, text VARCHAR, ms VARCHAR[], "
                        "exact BOOLEAN)")
            _scan(con, scanner, source, "found_raw", scanner.pattern, "scanned")
            classify_matches(con, scanner)
            rescan = con.execute("SELECT count(*) FROM found_raw JOIN found_kinds USING (m) WHERE unresolved").fetchall()[0][0] > 0
            if rescan:
                _rescan_exactly(con, scanner, source)
            _find_with_windows(con, scanner, rescan)
        yield Scanned("found", "scanned")


def _scan(con: duckdb.DuckDBPyConnection, scanner: Scanner, source: str, table: str, pattern: str, scanned: str,
          where: str = "") -> None:
    """Matches of `pattern` in `source` into `table`, and into `scanned` the source's other columns (all but
    text) and `matched` (the list of matches `ms`, and `window_text`), for every posting scanned, so callers never
    read the source twice. The (scanned) text of postings with a match that may need its window checked is
    added to `window_texts`."""
    exact = "true" if pattern == scanner.exact_pattern else "false"
    candidate = scanner.window_candidates(WORD if exact == "true" else ASCII_WORD)
    # The text is needed only where a match starts like a form of a term with window rules (one regex over
    # the few matches): the scan keeps it for those postings alone (75k of 1M generated ones). Keeping every
    # row's text cost ~1.4 CPU s of a 1M-posting first analysis, and reading those postings' text again
    # after the scan 0.25-0.5 s (picking them by id reads every posting's text). The matches are bound to
    # `ms` by a lambda: referred to twice in one SELECT, DuckDB would run the regex over every text twice.
    window_text = (f"if(len(ms) > 0 AND regexp_matches(array_to_string(ms, chr(1)), {sql_string(candidate)}), "
                   "scan_text, NULL)") if candidate else "NULL::VARCHAR"
    # Lists first, into a table: unnesting straight from the scan made DuckDB run the regex twice.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {scanned} AS
        SELECT * EXCLUDE (text, scan_text), list_transform([regexp_extract_all(scan_text, $pattern)],
                   lambda ms: {{'ms': ms, 'window_text': {window_text}}})[1] AS matched
        FROM (SELECT *, {SCAN_TEXT.format(col='text')} AS scan_text FROM {source} {where})""", {"pattern": pattern})
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT posting_id, unnest(matched.ms) AS m, generate_subscripts(matched.ms, 1) AS k, {exact} AS exact
        FROM {scanned} WHERE len(matched.ms) > 0""")
    con.execute(f"""INSERT INTO window_texts SELECT posting_id, matched.window_text, matched.ms, {exact}
                    FROM {scanned} WHERE matched.window_text IS NOT NULL""")


def _rescan_exactly(con: duckdb.DuckDBPyConnection, scanner: Scanner, source: str) -> None:
    with temp_tables(con, "found_exact", "redo"):
        con.execute("""CREATE OR REPLACE TEMP TABLE redo AS SELECT DISTINCT posting_id FROM found_raw
                       JOIN found_kinds USING (m) WHERE unresolved""")
        con.execute("DELETE FROM window_texts WHERE posting_id IN (SELECT posting_id FROM redo)")
        with temp_tables(con, "rescanned"):
            _scan(con, scanner, source, "found_exact", scanner.exact_pattern, "rescanned",
                  "WHERE posting_id IN (SELECT posting_id FROM redo)")
        con.execute("DELETE FROM found_raw WHERE posting_id IN (SELECT posting_id FROM redo)")
        con.execute("INSERT INTO found_raw SELECT * FROM found_exact")
    classify_matches(con, scanner)


def classify_matches(con: duckdb.DuckDBPyConnection, scanner: Scanner) -> None:
    """Each distinct matched string of `found_raw` → (core, term, excluded, kept, unresolved), once: `found_kinds`.
    A phrase's string with no whole-word form of its term inside gets term NULL (like junk)."""
    params: dict[str, object] = {}
    whens: list[str] = []
    phrase_terms: dict[int, str] = {}
    for i, (regex, index, kind) in enumerate(scanner.classifier()):
        params[f"r{i}"] = regex
        whens.append(f"WHEN regexp_full_match(core, $r{i}) THEN {{'term': {index}, 'kind': '{kind}'}}")
        if kind != "form":
            phrase_terms[index] = form_inside_regex(scanner.lexicon.terms[index])
    case = "CASE WHEN junk THEN NULL " + " ".join(whens) + " ELSE NULL END"
    # One regex per term for "holds a form" (not one per run of phrases: each costs ~10 ms to compile).
    params.update({f"f{index}": regex for index, regex in phrase_terms.items()})
    holds = " ".join(f"WHEN {index} THEN regexp_matches(core, $f{index})" for index in phrase_terms)
    term = f"if(kind.kind = 'form' OR CASE kind.term {holds} END, kind.term, NULL)" if holds else "kind.term"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE found_kinds AS
        SELECT m, core, term, coalesce(kind.kind = 'exclude' AND term IS NOT NULL, false) AS excluded,
               coalesce(kind.kind = 'keep' AND term IS NOT NULL, false) AS kept,
               kind IS NULL AND NOT junk AS unresolved
        FROM (SELECT *, {term} AS term FROM (SELECT m, core, junk, {case} AS kind FROM (
                SELECT m, core, NOT regexp_matches(core, '^[a-zA-Z0-9]') AS junk FROM (
                    SELECT m, if(regexp_matches(m, '[^\\pL\\pN_]$'), left(m, -1), m) AS core
                    FROM (SELECT DISTINCT m FROM found_raw)))))""", params)


@contextmanager
def contexts(con: duckdb.DuckDBPyConnection, scanner: Scanner, postings_sql: str, chars: int, pieces: int,
             params: dict[str, object] | None = None, max_matches: int | None = None, found: str = "found"
             ) -> Iterator[str]:
    """Temp table `located(posting_id, k, left_text, right_text)`: up to `chars` characters before and after
    every match (after its core) in the postings `postings_sql` (posting_id, text, exact) selects, rescanned
    with the pattern `found` used for them; with `max_matches`, only each posting's first that many.

    The text is cut at the matches once; a context is put together from the `pieces` pieces (each the text
    between two matches and the match that ends it) on either side, each cut to `chars` first, so the work
    per match is bounded and no row carries the posting's text. A piece holds at least one character and
    one word, so `pieces` = `chars` covers `chars` characters and `pieces` = n + 1 covers n words.
    """
    keep = f"AND k <= {int(max_matches) + pieces}" if max_matches else ""
    with temp_tables(con, "located"):
        with temp_tables(con, "cut", "postings_in"):
            con.execute(f"CREATE OR REPLACE TEMP TABLE postings_in AS {postings_sql}", params or {})
            # The exact pattern only for postings that need it: compiling it took 0.18 s (twice per query).
            exact = con.execute("SELECT coalesce(bool_or(exact), false) FROM postings_in").fetchall()[0][0]
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE cut AS
                SELECT posting_id, unnest(pieces) AS piece, unnest(list_append(ms, NULL)) AS m,
                       generate_subscripts(pieces, 1) AS k
                FROM ({_split('$pattern', 'NOT exact')}
                      {f"UNION ALL {_split('$exact_pattern', 'exact')}" if exact else ""})
                WHERE len(ms) > 0""",
                        {"pattern": scanner.pattern} | ({"exact_pattern": scanner.exact_pattern} if exact else {}))
            con.execute(_CONTEXTS.format(chars=int(chars), pieces=int(pieces), keep=keep, found=found,
                                         limit=f"AND c.k <= {int(max_matches)}" if max_matches else ""))
        yield "located"


def _split(pattern: str, which: str) -> str:
    """The matches and the text between them, for the postings `which` selects. The pattern must be a plain
    parameter: a pattern computed per row (`if(exact, ...)`) is compiled again for every posting."""
    return f"""SELECT posting_id, regexp_extract_all(scan_text, {pattern}) AS ms,
                      regexp_split_to_array(scan_text, {pattern}) AS pieces
               FROM (SELECT posting_id, {SCAN_TEXT.format(col='text')} AS scan_text FROM postings_in WHERE {which})"""


# Before a match: the last `chars` of the pieces before it and the text before it; after: the rest of the
# match after its core, then the pieces that follow.
_CONTEXTS = """
    CREATE OR REPLACE TEMP TABLE located AS
    SELECT c.posting_id, c.k, right(before_pieces || right(coalesce(c.piece, ''), {chars}), {chars}) AS left_text,
           left(right(c.m, length(c.m) - length(f.core)) || after_pieces, {chars}) AS right_text
    FROM (SELECT posting_id, k, piece, m,
                 coalesce(array_to_string(list(before) OVER w_before, ''), '') AS before_pieces,
                 coalesce(array_to_string(list(after) OVER w_after, ''), '') AS after_pieces
          FROM (SELECT *, right(coalesce(piece, '') || coalesce(m, ''), {chars}) AS before,
                          left(coalesce(piece, '') || coalesce(m, ''), {chars}) AS after
                FROM cut WHERE true {keep})
          WINDOW w_before AS (PARTITION BY posting_id ORDER BY k ROWS BETWEEN {pieces} PRECEDING AND 1 PRECEDING),
                 w_after AS (PARTITION BY posting_id ORDER BY k ROWS BETWEEN 1 FOLLOWING AND {pieces} FOLLOWING)) c
    JOIN {found} f USING (posting_id, k)
    WHERE c.m IS NOT NULL {limit}"""


def _find_with_windows(con: duckdb.DuckDBPyConnection, scanner: Scanner, rescanned: bool) -> None:
    """`found` from `found_raw` and `found_kinds`, with the window rules decided in the same query: for each
    match of a term with `near`/`not_near` words that no phrase decided, the words around it, read from
    `window_texts` cut at the matches once (see `_WINDOWS`); `rescanned`: some postings were scanned exactly."""
    terms = [(i, t) for i, t in enumerate(scanner.lexicon.terms) if t.positional]
    found = """CREATE OR REPLACE TEMP TABLE found AS
        SELECT f.posting_id, f.k, f.m, c.core, c.term, c.excluded, c.kept, coalesce(w.window_ok, true) AS window_ok,
               w.veto, f.exact
        FROM found_raw f JOIN found_kinds c USING (m) LEFT JOIN ({windows}) w USING (posting_id, k)"""
    if not terms:
        con.execute(found.format(windows="SELECT NULL::BIGINT AS posting_id, NULL::BIGINT AS k, "
                                         "NULL::BOOLEAN AS window_ok, NULL::VARCHAR AS veto"))
        return
    window = max(t.window for _, t in terms)
    # One regex per match over its window's words joined by spaces, not one per word (a parameter would be
    # compiled again for every row: the regexes are SQL literals).
    near = " ".join(f"WHEN {i} THEN " + (f"regexp_matches(words, {sql_string(words_regex(t.near))})" if t.near
                                            else "true") for i, t in terms)
    veto = " ".join(f"WHEN {i} THEN nullif(regexp_extract(words, {sql_string(words_regex(t.not_near))}, 1), '')"
                    for i, t in terms if t.not_near)
    with temp_tables(con, "window_needed"):
        con.execute(f"""CREATE OR REPLACE TEMP TABLE window_needed AS
                        SELECT f.posting_id, f.k, c.term, c.core FROM found_raw f JOIN found_kinds c USING (m)
                        WHERE c.term IN ({', '.join(str(i) for i, _ in terms)}) AND NOT c.excluded AND NOT c.kept""")
        # A posting whose text times its matches is large (thousands of matches in a long text) is cut into one
        # row per match instead, with contexts(): linear in its size, where placing each match in the whole
        # text would be quadratic.
        large = f"len(ms) * strlen(text) > {LARGE_WINDOW_WORK}"
        with contexts(con, scanner, f"""SELECT posting_id, text, exact FROM window_texts
                                       WHERE {large} AND posting_id IN (SELECT posting_id FROM window_needed)""",
                      window * CHARS_PER_WORD, window + 1, found="window_needed") as located:
            windows = _WINDOWS.format(
                chars=window * CHARS_PER_WORD, large=large, located=located,
                size=" ".join(f"WHEN {i} THEN {t.window}" for i, t in terms), near=near,
                veto=f"CASE term {veto} END" if veto else "NULL::VARCHAR", word=WORD,
                left_words=_words_sql(f"right(left_text, {SHORT_CHARS_PER_WORD} * size)"),
                right_words=_words_sql(f"left(right_text, {SHORT_CHARS_PER_WORD} * size)"),
                # Only when needed: the exact pattern takes 0.05-0.2 s to compile.
                exact="UNION ALL SELECT posting_id, text, ms, regexp_split_to_array(text, $exact_pattern) FROM texts "
                      "WHERE exact" if rescanned else "")
            con.execute(found.format(windows=windows),
                        {"pattern": scanner.pattern} | ({"exact_pattern": scanner.exact_pattern} if rescanned else {}))


def _words_sql(text: str) -> str:
    """SQL: the words of `text`, read with an ASCII class when it is ASCII (same words, faster)."""
    return (f"if(strlen({text}) = length({text}), regexp_extract_all({text}, '{ASCII_WORD}+'), "
            f"regexp_extract_all({text}, '{WORD}+'))")


# The window rules for the matches that need them (`needed`): each such posting's text is split at its
# matches once (with the pattern its matches came from), which places every match: it starts after the
# pieces and matches before it. The words of the window are read from the text before the match and from
# the rest of the text after its core, each cut to `chars` characters: from the `short` characters per word of
# window next to the match first (the word regex is slow, ~150 ns a word, and slower with Unicode classes:
# an ASCII stretch is read with an ASCII class), and from the whole stretch only when that holds no more
# than the window's words (the one furthest from the match may be cut).
_WINDOWS = """
    WITH needed AS (SELECT * FROM window_needed),
    texts AS (SELECT * FROM window_texts WHERE NOT ({large}) AND posting_id IN (SELECT posting_id FROM needed)),
    cut AS (SELECT posting_id, text, ms, regexp_split_to_array(text, $pattern) AS pieces FROM texts WHERE NOT exact
            {exact}),
    placed AS (SELECT posting_id, k, term, CASE term {size} END AS size, text,
                      length(array_to_string(pieces[1:k], '')) + length(array_to_string(ms[1:k - 1], '')) AS before,
                      length(core) AS core_length
               FROM needed JOIN cut USING (posting_id)),
    stretches AS (SELECT posting_id, k, term, size, right(left(text, before), {chars}) AS left_text,
                         substring(text, before + core_length + 1, {chars}) AS right_text FROM placed
                  UNION ALL
                  SELECT posting_id, k, term, CASE term {size} END, left_text, right_text FROM {located}
                  JOIN needed USING (posting_id, k))
    SELECT posting_id, k, near_hit AND veto IS NULL AS window_ok, if(near_hit, veto, NULL) AS veto FROM (
        SELECT posting_id, k, CASE term {near} END AS near_hit, {veto} AS veto FROM (
            SELECT posting_id, k, term,
                   array_to_string(list_concat(lw[greatest(len(lw) - size + 1, 1):], rw[1:size]), ' ') AS words FROM (
                SELECT posting_id, k, term, size,
                       CASE WHEN len(lw) > size THEN lw ELSE regexp_extract_all(left_text, '{word}+') END AS lw,
                       CASE WHEN len(rw) > size THEN rw ELSE regexp_extract_all(right_text, '{word}+') END AS rw
                FROM (SELECT *, {left_words} AS lw, {right_words} AS rw FROM stretches))))"""


def count_in_texts(lexicon: Lexicon, texts: list[str]) -> list[dict[str, tuple[int, int, int]]]:
    """Match plain texts in an in-memory DuckDB: per text, term → (mentions, excluded, vetoed by the window
    rules: no `near` word or a `not_near` word).

    The same scan the analysis runs on stored postings; for trying a lexicon out and for tests.
    """
    con = duckdb.connect()
    try:
        con.execute("""CREATE TEMP TABLE analysis_input AS
                       SELECT i - 1 AS posting_id, $texts[i] AS text FROM range(1, len($texts) + 1) r(i)""",
                    {"texts": texts})
        with scan(con, build_scanner(lexicon), "analysis_input") as scanned:
            rows = con.execute(f"""
                SELECT posting_id, term, count(*) FILTER (NOT excluded AND window_ok), count(*) FILTER (excluded),
                       count(*) FILTER (NOT excluded AND NOT window_ok)
                FROM {scanned.found} WHERE term IS NOT NULL GROUP BY ALL""").fetchall()
    finally:
        con.close()
    counts: list[dict[str, tuple[int, int, int]]] = [{} for _ in texts]
    for posting, term, mentions, excluded, not_near in rows:
        counts[posting][lexicon.terms[term].name] = (mentions, excluded, not_near)
    return counts
