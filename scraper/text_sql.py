"""`scraper.text.normalize` as DuckDB SQL: whitespace in SQL, Python only for text NFKC or mojibake repair changes.

`normalize` repairs mojibake, NFKC-normalises, then keeps one line per paragraph with single spaces and no
blank lines. For most texts only that last, whitespace step does anything, and DuckDB does it here (three
regular expressions, run in parallel, no GIL). A text goes to Python (`scraper.text.repaired_nfkc`, the first
two steps, as a UDF; the whitespace step stays here) only when it holds something those steps would change
(`python_pattern`), other than the few frequent characters SQL_NFKC lists, which SQL replaces itself:

- a character that NFKC changes (ligatures `ﬁ`, `…`, `™`, superscripts, full-width forms, ...), except
  the no-break and typographic spaces NFKC turns into a plain space (U+00A0, U+2000-U+200A, U+202F,
  U+205F, U+3000), which the whitespace step here treats as spaces;
- a character NFKC may compose with the one before it (the second half of a canonical pair: combining
  accents, some Indic vowel signs, Hangul medial and final jamo);
- two combining marks in a row (NFKC may reorder them);
- a mojibake sequence, the exact pattern `repair_mojibake` replaces (`Ã©`, `â€™`, `Â` + a no-break space).

Everything else, curly quotes, bullets, dashes, accented letters and zero-width characters included, is
left alone by NFKC and the repair, so SQL's whitespace step alone gives `normalize`'s output. The classes
are computed from this Python's `unicodedata`, so they follow its Unicode version (about 0.1 s, once).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

from scraper.sql import sql_string
from scraper.text import _CONT

# The UDF the SQL calls for the few texts that need Python; the caller registers `repaired_nfkc` under it
# (`normalize` gives the same result too: its output is left as it is by the whitespace step).
UDF_NAME = "jobtone_repaired_nfkc"
# The characters NFKC changes that postings hold most (in the shared corpus, "…" or "™" is in 3 of 4 texts
# NFKC changes), each into printable ASCII: SQL replaces them, in texts with nothing else for Python.
SQL_NFKC = "\u2026\u2122\ufb00\ufb01\ufb02\ufb03\ufb04"
# What NFKC turns into a plain space; `str.split` already splits on each of them.
NFKC_SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


def normalized_sql(column: str) -> str:
    """SQL for `normalize(column)` (NULL stays NULL); the query needs `repaired_nfkc` registered as UDF_NAME.

    The usual text (paragraphs separated by a blank line, maybe runs of spaces, nothing else to change) is
    told apart by one regular expression and gets one `replace` (about 1 CPU s less than the four ways below
    for 1M generated postings). The rest go one of four ways, each test cheap for the texts that fail it:
    (1) non-ASCII with something NFKC or the repair changes: Python (SQL, when only SQL_NFKC's characters
    are), then the general whitespace step; (2) other whitespace than spaces and newlines, or spaces at a
    line's end (rare): the general whitespace step; (3) untidy: the cheap step for spaces and newlines;
    (4) already normalised: as it is."""
    odd_ascii = " OR ".join(f"contains({column}, chr({ord(ch)}))" for ch in _whitespace() if ch < "\x80" and ch not in " \n")
    return (f"CASE WHEN {column} IS NULL THEN NULL "
            f"WHEN NOT ({_ends_sql(column, ' ' + chr(10))} OR regexp_matches({column}, '{_beyond_blank_lines()}')) "
            f"THEN {_paragraphs_and_spaces(column)} "
            f"WHEN strlen({column}) <> length({column}) AND regexp_matches({column}, '{_special_pattern()}') "
            f"THEN CASE WHEN regexp_matches({column}, '{python_pattern(SQL_NFKC)}') THEN {_any_whitespace(f'{UDF_NAME}({column})')} "
            f"WHEN regexp_matches({column}, '{python_pattern()}') THEN {_any_whitespace(_sql_nfkc(column))} "
            f"ELSE {_any_whitespace(column)} END "
            f"WHEN {odd_ascii} OR contains({column}, ' ' || chr(10)) THEN {_any_whitespace(column)} "
            f"WHEN {_untidy(column)} THEN {_spaces_and_newlines(column)} "
            f"ELSE {column} END")


def whitespace_sql(column: str) -> str:
    """SQL for `normalize`'s whitespace step alone: one line per paragraph, single spaces, no blank lines,
    nothing at either end."""
    return f"CASE WHEN {_untidy(column)} THEN {_any_whitespace(column)} ELSE {column} END"


def _untidy(column: str) -> str:
    """Whether a text whose only whitespace is spaces and newlines needs the whitespace step."""
    ends = " OR ".join(f"{side}({column}, {ch})" for ch in ("' '", "chr(10)") for side in ("prefix", "suffix"))
    return f"({ends} OR regexp_matches({column}, '  | \\n|\\n |\\n\\n'))"


def _spaces_and_newlines(column: str) -> str:
    """The whitespace step for a text whose only whitespace is spaces and newlines, and no spaces at a line's
    end: patterns that start with a literal character (RE2 finds those fast), each only where the text
    needs it (a branch is evaluated once per row). Most texts' only untidiness is paragraphs separated by
    a blank line: `replace` of a literal does that in a third of a regular expression's time; a text
    without two spaces in a row, nothing to do for the last expression. Tested on the text as given: the
    steps before only remove whitespace from runs and ends, so they never make a pattern appear."""
    stripped = f"regexp_replace({column}, '^[ \\n]+|[ \\n]+$', '', 'g')"
    stripped = f"CASE WHEN {_ends_sql(column, ' ' + chr(10))} THEN {stripped} ELSE {column} END"
    # blank lines, line-start spaces; without three newlines or a newline and a space in a row, every run
    # to collapse is two newlines
    lines = (f"CASE WHEN contains({column}, repeat(chr(10), 3)) OR contains({column}, chr(10) || ' ') "
             f"THEN regexp_replace({stripped}, '\\n[ \\n]+', chr(10), 'g') "
             f"ELSE replace({stripped}, repeat(chr(10), 2), chr(10)) END")
    return _single_spaces(lines, column)


def _ends_sql(column: str, chars: str) -> str:
    return " OR ".join(f"{side}({column}, chr({ord(ch)}))" for ch in chars for side in ("prefix", "suffix"))


def _any_whitespace(column: str) -> str:
    """The whitespace step for any text: the ends stripped, then any run of whitespace holding a line break
    becomes one newline and any other run one space."""
    spaces, breaks, every = _class(horizontal_spaces()), _class(line_breaks()), _class(_whitespace())
    stripped = f"regexp_replace({column}, '^{every}+|{every}+$', '', 'g')"
    lines = f"regexp_replace({stripped}, '{spaces}*{breaks}{every}*', chr(10), 'g')"
    odd_spaces = f"{_class(c for c in horizontal_spaces() if c != ' ')}{spaces}*| {spaces}+"
    return f"regexp_replace({lines}, '{odd_spaces}', ' ', 'g')"


@cache
def _beyond_blank_lines() -> str:
    """A text, with neither a space nor a newline at either end, that needs more than its blank lines (two
    newlines, never three) removed and its runs of spaces made one: what `python_pattern` finds, whitespace
    other than spaces and newlines, or a space next to a newline, or three newlines in a row."""
    others = _class(c for c in _whitespace() if c not in " \n")
    return f"{python_pattern()}|{others}| \\n|\\n |\\n\\n\\n"


def _paragraphs_and_spaces(column: str) -> str:
    """The whitespace step for a text `_beyond_blank_lines` finds nothing in: blank lines removed, and runs of
    spaces (in a sixth of real postings) made one."""
    return _single_spaces(f"replace({column}, repeat(chr(10), 2), chr(10))", column)


def _single_spaces(text: str, column: str) -> str:
    """`text` (SQL made from `column`) with runs of spaces made one, when `column` holds any (testing the
    column: the steps before only remove whitespace, so they never make a run appear)."""
    return f"CASE WHEN contains({column}, '  ') THEN regexp_replace({text}, '  +', ' ', 'g') ELSE {text} END"


@cache
def _special_pattern() -> str:
    """A non-ASCII text that `python_pattern` or non-ASCII whitespace is found in (one scan for both)."""
    return python_pattern() + "|" + _class(c for c in _whitespace() if c >= "\x80")


def _whitespace() -> str:
    return horizontal_spaces() + line_breaks()


@cache
def horizontal_spaces() -> str:
    """What `str.split()` splits on within a line, plus NFKC_SPACES."""
    return "".join(ch for ch in map(chr, range(0x3100)) if ch.isspace() and ch not in line_breaks())


@cache
def line_breaks() -> str:
    """Where `str.splitlines()` ends a line (each of these is also a space for `str.split()`)."""
    return "".join(ch for ch in map(chr, range(0x3100)) if len(f"a{ch}b".splitlines()) == 2)


def _sql_nfkc(column: str) -> str:
    """NFKC of a text whose only characters NFKC changes are SQL_NFKC's."""
    for ch in SQL_NFKC:
        column = f"replace({column}, chr({ord(ch)}), {sql_string(unicodedata.normalize('NFKC', ch))})"
    return column


@cache
def python_pattern(sql_nfkc: str = "") -> str:
    """RE2 pattern of the texts `normalize` must see (see the module docstring); with `sql_nfkc`, of those
    that need more than these characters' NFKC."""
    changed, composing, marks = _nfkc_classes()
    jamo = [chr(c) for c in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))]  # Hangul vowels, final consonants
    cont = _class(_continuation_chars())
    mojibake = f"[\\x{{c2}}-\\x{{df}}]{cont}|[\\x{{e0}}-\\x{{ef}}]{cont}{{2}}|[\\x{{f0}}-\\x{{f4}}]{cont}{{3}}"
    changed = [ch for ch in changed if ch not in sql_nfkc]
    return f"[{_ranges(changed + composing + jamo)}]|{_class(marks)}{_class(marks)}|{mojibake}"


@cache
def _nfkc_classes() -> tuple[list[str], list[str], list[str]]:
    """(characters NFKC changes, but not NFKC_SPACES; characters NFKC may compose with the one before; combining
    marks), from this Python's `unicodedata`. Planes 4-13 are unassigned and 15-16 private use, none of them
    any of these (tests check every code point): skipping them makes this 4x faster, 0.1 s."""
    changed, composing, marks = [], [], []
    for code in (*range(0x40000), *range(0xE0000, 0xF0000)):
        if 0xD800 <= code < 0xE000:  # surrogates never reach a DuckDB string
            continue
        ch = chr(code)
        if not unicodedata.is_normalized("NFKC", ch) and ch not in NFKC_SPACES:
            changed.append(ch)
        if unicodedata.combining(ch):
            marks.append(ch)
        decomposition = unicodedata.decomposition(ch).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            composing.append(chr(int(decomposition[1], 16)))
    return changed, composing, marks


def _continuation_chars() -> list[str]:
    """The characters of text.py's `_CONT` class ("[\\x80-\\xbf" and single characters)."""
    body = _CONT[1:-1]
    first, dash, last, singles = body[0], body[1], body[2], body[3:]
    assert dash == "-" and "-" not in singles
    return [chr(c) for c in range(ord(first), ord(last) + 1)] + list(singles)


def _class(chars: Iterable[str]) -> str:
    return f"[{_ranges(chars)}]"


def _ranges(chars: Iterable[str]) -> str:
    """The body of an RE2 character class holding exactly `chars`, as escaped code point ranges."""
    codes = sorted(set(map(ord, chars)))
    parts, start = [], None
    for i, code in enumerate(codes):
        start = code if start is None else start
        if i + 1 == len(codes) or codes[i + 1] != code + 1:
            parts.append(f"\\x{{{start:x}}}" + (f"-\\x{{{code:x}}}" if code != start else ""))
            start = None
    return "".join(parts)
