"""The DuckDB matcher agrees exactly with a plain Python reading of the rules, on a generated corpus.

The reference walks the text word start by word start and tries the forms in priority order
(exclusion phrases, then keep phrases, then forms; longer first, then lexicon order); a phrase whose text
holds no whole-word form of its term marks nothing; it shares no code with the
RE2 scan except the lexicon parser and the one-for-one case folding.
"""

import functools
import random

from analysis.lexicon import SEPARATORS, Lexicon, fold, is_word_char, load_lexicon, parse_lexicon
from analysis.match import count_in_texts

SEPARATOR_CHARS = set(" \t\n\u00a0-\u2010\u2011\u2013")

LEXICON = parse_lexicon("""
[[term]]
name = "flexible"
category = "supportive"
forms = ["flexib*", "flex"]
exclude = ["flexible spending account*"]
keep = ["flexible team", "be flexible"]
near = ["hours", "work*", "remote", "team"]
not_near = ["account*", "cust*"]
window = 3
[[term]]
name = "fast-paced"
category = "hard"
forms = ["fast-paced", "fastpaced"]
[[term]]
name = "paced"
category = "hard"
forms = ["paced"]
[[term]]
name = "discipline"
category = "hard"
forms = ["discipline", "disciplined"]
exclude = ["related discipline", "discipline lead*", "across disciplines"]
[[term]]
name = "inclusive"
category = "supportive"
forms = ["inclusive", "inclusion"]
[[term]]
name = "work hard"
category = "hard"
forms = ["hard work*", "work hard"]
[[term]]
name = "empathy"
category = "supportive"
forms = ["empath*"]
exclude = ["customer empathy"]
not_near = ["customer", "hours"]
window = 2
""", "reference")

WORDS = ("flexible flexibility Flexible FLEX flex flexes inflexible flexible_ 2flex fast paced fast-paced fastpaced "
         "Fast paced discipline disciplined disciplines disciplinary Discipline related across lead leads leader "
         "inclusive İNCLUSIVE İnclusion inclusion work working works hard Hard empathy empathetic Empathic unempathic "
         "customer customers spending account accounts be hours remote team culture the a we and of to café élan naïve "
         "x y z 42 _ éflexible flexibleé").split()
GLUE = (" ", " ", " ", " ", "  ", "\n", "-", "--", " - ", "\t", "\u00a0", "\u2010", "\u2011", "\u2013", "\u2014",
        ", ", ". ", "/", "(", ")", "'", "")


def generated_corpus(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 40)):
            parts += [rng.choice(WORDS), rng.choice(GLUE)]
        texts.append("".join(parts).strip(" "))
    return texts


# -- the reference ---------------------------------------------------------------------------------

KINDS = ("exclude", "keep", "form")


@functools.cache
def alternatives(lexicon: Lexicon) -> list[tuple[str, int, str]]:
    ranked = [((KINDS.index(kind), -len(form), t, i), (form, t, kind))
              for t, term in enumerate(lexicon.terms)
              for kind, forms in (("exclude", term.exclude), ("keep", term.keep), ("form", term.forms))
              for i, form in enumerate(forms)]
    return [alt for _, alt in sorted(ranked)]


def holds_form(lexicon: Lexicon, term: int, phrase_text: str) -> bool:
    """Whether a phrase's matched text holds a whole-word form of its term."""
    return any(match_at(form, phrase_text, i) is not None
               for i in range(len(phrase_text)) if i == 0 or not is_word_char(phrase_text[i - 1])
               for form in lexicon.terms[term].forms)


def match_at(form: str, text: str, i: int) -> int | None:
    """End of `form` matched at `text[i:]` (already folded), or None."""
    j = i
    for ch in form:
        if ch in SEPARATORS:
            start = j
            while j < len(text) and text[j] in SEPARATOR_CHARS:
                j += 1
            if j == start:
                return None
        elif ch == "*":
            while j < len(text) and is_word_char(text[j]):
                j += 1
        elif j < len(text) and text[j] == ch:
            j += 1
        else:
            return None
    if not form.endswith("*") and j < len(text) and is_word_char(text[j]):
        return None
    return j


def words_around(text: str, start: int, end: int, window: int) -> list[str]:
    spans = word_spans(text)
    before = [text[a:b] for a, b in spans if b <= start][-window:]
    after = [text[a:b] for a, b in spans if a >= end][:window]
    return before + after


@functools.lru_cache(maxsize=4)
def word_spans(text: str) -> list[tuple[int, int]]:
    spans, i = [], 0
    while i < len(text):
        if is_word_char(text[i]):
            j = i
            while j < len(text) and is_word_char(text[j]):
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def is_near(lexicon: Lexicon, term: int, text: str, start: int, end: int) -> bool:
    """The window rules: a `near` word (when there are any) and no `not_near` word within the window."""
    spec = lexicon.terms[term]
    words = words_around(text, start, end, spec.window)
    hit = lambda entries: any(match_at(e, word, 0) == len(word) for word in words for e in entries)  # noqa: E731
    return (not spec.near or hit(spec.near)) and not hit(spec.not_near)


def reference_counts(lexicon: Lexicon, text: str) -> dict[str, tuple[int, int, int]]:
    folded = fold(text)
    counts: dict[str, list[int]] = {}
    i = 0
    while i < len(folded):
        if not is_word_char(folded[i]) or (i > 0 and is_word_char(folded[i - 1])):
            i += 1
            continue
        for form, term, kind in alternatives(lexicon):
            end = match_at(form, folded, i)
            if end is not None:
                if kind == "form" or holds_form(lexicon, term, folded[i:end]):
                    slot = {"exclude": 1, "keep": 0}.get(kind, 0 if is_near(lexicon, term, folded, i, end) else 2)
                    counts.setdefault(lexicon.terms[term].name, [0, 0, 0])[slot] += 1
                i = end
                break
        else:
            i += 1
    return {name: tuple(values) for name, values in counts.items()}


# -- the checks ------------------------------------------------------------------------------------

def test_duckdb_agrees_with_the_reference_on_a_generated_corpus():
    texts = generated_corpus(2000)
    got = count_in_texts(LEXICON, texts)
    expected = [reference_counts(LEXICON, t) for t in texts]
    mismatches = [(t, g, e) for t, g, e in zip(texts, got, expected) if g != e]
    assert not mismatches, mismatches[:3]
    assert sum(sum(c.get("flexible", (0, 0, 0))) for c in got) > 500  # the corpus does exercise the rules
    assert sum(c.get("discipline", (0, 0, 0))[1] for c in got) > 20  # "across disciplines" holds no form: not counted
    assert sum(c.get("empathy", (0, 0, 0))[2] for c in got) > 50


def test_duckdb_agrees_with_the_reference_on_the_default_lexicon():
    lexicon = load_lexicon("default")
    texts = generated_corpus(600, seed=11)
    assert count_in_texts(lexicon, texts) == [reference_counts(lexicon, t) for t in texts]


def test_reference_reads_the_rules_the_same_way():
    assert reference_counts(LEXICON, "Fast-paced, flexible hours; a related discipline") == {
        "fast-paced": (1, 0, 0), "flexible": (1, 0, 0), "discipline": (0, 1, 0)}
