"""Lexicons: the terms jobtone counts, read from TOML files that users can edit.

A lexicon file holds `[[term]]` tables (name, category, forms, exclude, keep, near, not_near, window). Its `version` is a
content hash of the parsed terms (not of comments or layout) plus the matcher's own version, and is
stored next to every result, so a changed lexicon re-matches everything and an edited comment does not.
Built-in packs live in analysis/lexicons/*.toml: `default`, `extended`, `gaucher`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import unicodedata
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from scraper.errors import ConfigError

PACKS = ("default", "extended", "gaucher")
DEFAULT_WINDOW = 6
# Bump when the matching rules change, so stored results computed under the old rules are redone.
MATCHER_VERSION = "2"  # 2: keep phrases and not_near words
TERM_KEYS = frozenset({"name", "category", "forms", "exclude", "keep", "near", "not_near", "window"})
SEPARATORS = " -"


@dataclass(frozen=True)
class Term:
    """One counted term: its surface forms and sense rules (README "Matching rules").

    Precedence: a match inside an `exclude` phrase never counts; inside a `keep` phrase it always counts;
    otherwise it needs a `near` word (when there are any) and no `not_near` word within `window` words.
    """

    name: str
    category: str
    forms: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    window: int = DEFAULT_WINDOW
    keep: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()

    @property
    def positional(self) -> bool:
        """Whether some match needs the words around it (a `near` or `not_near` list)."""
        return bool(self.near or self.not_near)


@dataclass(frozen=True)
class Lexicon:
    """A named, versioned list of terms (in file order)."""

    name: str
    terms: tuple[Term, ...]
    version: str
    source: str = ""  # the file it came from, or "pack:<name>"

    @property
    def categories(self) -> tuple[str, ...]:
        """Categories in order of first appearance."""
        return tuple(dict.fromkeys(term.category for term in self.terms))

    def term(self, name: str) -> Term:
        """The term called `name` (case-insensitive), or a ConfigError listing the known ones."""
        for term in self.terms:
            if term.name.lower() == name.lower():
                return term
        known = ", ".join(t.name for t in self.terms)
        raise ConfigError(f"lexicon {self.name} has no term {name!r}; its terms: {known}")


def load_lexicon(spec: str | Path | None = None) -> Lexicon:
    """A pack name (default, extended, gaucher) or a path to a TOML file; None means the default pack."""
    spec = "default" if spec is None or str(spec) == "" else spec
    if isinstance(spec, str) and spec in PACKS:
        text = resources.files("analysis").joinpath("lexicons", f"{spec}.toml").read_text(encoding="utf-8")
        return parse_lexicon(text, spec, source=f"pack:{spec}")
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(f"lexicon {spec}: no such file, and not a pack name ({', '.join(PACKS)})")
    return parse_lexicon(path.read_text(encoding="utf-8"), path.stem, source=str(path))


def parse_lexicon(text: str, name: str, source: str = "") -> Lexicon:
    """Parse and validate lexicon TOML; every problem is a ConfigError naming the term."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"lexicon {source or name}: {exc}") from exc
    entries = data.get("term")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"lexicon {source or name}: needs at least one [[term]] table")
    terms = tuple(_term(entry, source or name) for entry in entries)
    names = [t.name.lower() for t in terms]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"lexicon {source or name}: duplicate term names {duplicates}")
    return Lexicon(str(data.get("name") or name), terms, lexicon_version(terms), source)


def lexicon_version(terms: tuple[Term, ...]) -> str:
    """Content hash of the terms as parsed (12 hex digits), including the matcher version."""
    canonical = json.dumps([MATCHER_VERSION, [asdict(t) for t in terms]], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def normalize_form(form: str) -> str:
    """A form as matched: NFKC, lower case, separator runs collapsed to their first character."""
    text = fold(unicodedata.normalize("NFKC", form)).strip()
    out: list[str] = []
    for ch in text:
        if ch in SEPARATORS and out and out[-1] in SEPARATORS:
            continue
        out.append(ch)
    return "".join(out)


def fold(text: str) -> str:
    """Lower-case character by character, one character for one (İ → i), as the matcher compares."""
    return "".join(_fold_char(ch) for ch in text)


def _fold_char(ch: str) -> str:
    for candidate in (ch.casefold(), ch.lower()):
        if len(candidate) == 1:
            return candidate
    return "i" if ch == "\u0130" else ch


def is_word_char(ch: str) -> bool:
    """Letters, digits and underscore: what "whole words only" looks at on either side of a match."""
    return ch == "_" or unicodedata.category(ch)[0] in "LN"


def check_form(form: str, where: str, single_word: bool = False) -> str:
    """Validate one normalised form: starts with an ASCII letter or digit, `*` only at its end."""
    if not form:
        raise ConfigError(f"{where}: empty form")
    if not (form[0].isascii() and form[0].isalnum()):
        raise ConfigError(f"{where}: {form!r} must start with an ASCII letter or digit")
    body = form[:-1] if form.endswith("*") else form
    if not body or not is_word_char(body[-1]):
        raise ConfigError(f"{where}: {form!r} must end with a letter or digit (or a trailing *)")
    if "*" in body:
        raise ConfigError(f"{where}: {form!r}: `*` may only end the form")
    if single_word and any(ch in SEPARATORS for ch in body):
        raise ConfigError(f"{where}: {form!r} must be a single word (a window word, not a phrase)")
    return form


def _term(entry: object, where: str) -> Term:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: every [[term]] must be a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: a [[term]] needs a name")
    where = f"{where}: term {name!r}"
    unknown = set(entry) - TERM_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(TERM_KEYS)})")
    category = entry.get("category")
    if not isinstance(category, str) or not category.strip():
        raise ConfigError(f"{where}: needs a category")
    window = entry.get("window", DEFAULT_WINDOW)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 50:
        raise ConfigError(f"{where}: window must be a whole number of words from 1 to 50")
    forms = _forms(entry.get("forms", [name]), f"{where} forms")
    if not forms:
        raise ConfigError(f"{where}: needs at least one form")
    exclude = _forms(entry.get("exclude", []), f"{where} exclude")
    keep = _forms(entry.get("keep", []), f"{where} keep")
    both = sorted(set(exclude) & set(keep))
    if both:
        raise ConfigError(f"{where}: {both} both in exclude and keep (exclude would always win)")
    near = _forms(entry.get("near", []), f"{where} near", single_word=True)
    not_near = _forms(entry.get("not_near", []), f"{where} not_near", single_word=True)
    both = sorted(set(near) & set(not_near))
    if both:
        raise ConfigError(f"{where}: {both} both in near and not_near")
    return Term(name.strip(), category.strip(), forms, exclude, near, window, keep, not_near)


def _forms(values: object, where: str, single_word: bool = False) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where}: must be a list of strings")
    forms = (check_form(normalize_form(v), where, single_word) for v in values)
    return tuple(dict.fromkeys(forms))
