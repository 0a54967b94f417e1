"""The matching rules, one row each, run through the real DuckDB matcher (see README "Matching rules")."""

import pytest

from analysis.lexicon import parse_lexicon
from analysis.match import build_scanner, count_in_texts
from scraper.text import normalize

LEXICON = parse_lexicon("""
[[term]]
name = "flexible"
category = "supportive"
forms = ["flexible"]
[[term]]
name = "fast-paced"
category = "hard"
forms = ["fast-paced"]
[[term]]
name = "paced"
category = "hard"
forms = ["paced"]
[[term]]
name = "empathy"
category = "supportive"
forms = ["empath*"]
[[term]]
name = "discipline"
category = "hard"
forms = ["discipline", "disciplined"]
exclude = ["related discipline", "discipline lead*"]
[[term]]
name = "hours"
category = "supportive"
forms = ["flexitime"]
near = ["hours", "schedul*"]
window = 3
[[term]]
name = "inclusive"
category = "supportive"
forms = ["inclusive"]
[[term]]
name = "hustle"
category = "hard"
forms = ["hustle"]
[[term]]
name = "work hard"
category = "hard"
forms = ["hard work*"]
""", "rules")


def mentions(text: str, term: str) -> int:
    return count_in_texts(LEXICON, [text])[0].get(term, (0, 0, 0))[0]


RULES = [
    # case-insensitive
    ("FLEXIBLE Flexible fLeXiBlE flexible", "flexible", 4),
    # whole words only: letters, digits and _ on either side block a match; punctuation does not
    ("inflexible flexibles flexible_ flexible2 _flexible 2flexible", "flexible", 0),
    ("(flexible) 'flexible' flexible. flexible,flexible", "flexible", 5),
    ("flexible flexible-flexible", "flexible", 3),  # adjacent matches share one separator
    # a non-ASCII letter next to the form is a letter too
    ("éflexible flexibleé naïveflexible", "flexible", 0),
    ("café flexible élan", "flexible", 1),
    # a space or hyphen in a form matches any run of spaces, tabs, newlines, NBSP, hyphens, dashes
    ("fast-paced", "fast-paced", 1),
    ("fast paced", "fast-paced", 1),
    ("fast\tpaced fast\npaced fast\u00a0paced", "fast-paced", 3),
    ("fast\u2010paced fast\u2011paced fast\u2013paced", "fast-paced", 3),
    ("fast - paced fast--paced fast \n paced", "fast-paced", 3),
    ("fastpaced fast\u2014paced fast/paced", "fast-paced", 0),  # not listed: no separator, em dash, slash
    # matches do not overlap: the one starting first wins, then the longest
    ("fast-paced", "paced", 0),
    ("fast, paced", "paced", 1),
    # a trailing * matches any continuation of the word, and only of that word
    ("empathy empathetic empathic empath empathise", "empathy", 5),
    ("unempathetic", "empathy", 0),
    ("hard work, hard-working, hard workers, hardworking", "work hard", 3),
    ("flexibleé empathié", "empathy", 1),  # a non-ASCII letter continues the word
    # an exclusion phrase containing the match vetoes it
    ("a related discipline", "discipline", 0),
    ("a related-discipline", "discipline", 0),
    ("discipline leads; discipline leadership", "discipline", 0),
    ("self-discipline, related discipline, disciplined and discipline", "discipline", 3),
    ("discipline related", "discipline", 1),  # the phrase must contain the match
    ("related disciplined", "discipline", 1),  # exclusion phrases are whole words too
    # near: count only with one of the words within `window` words on either side
    ("flexitime hours", "hours", 1),
    ("hours of flexitime", "hours", 1),
    ("flexitime and scheduling", "hours", 1),
    ("flexitime a b hours", "hours", 1),  # third word after: inside a window of 3
    ("flexitime a b c hours", "hours", 0),  # fourth word: outside
    ("hours a b c flexitime", "hours", 0),
    ("flexitime only", "hours", 0),
    # hard strings: dotted capital I, the fl ligature after NFKC, mojibake after repair
    ("İNCLUSIVE", "inclusive", 1),
    ("an İnclusive team", "inclusive", 1),
    (normalize("\ufb02exible"), "flexible", 1),
    (normalize("a hustleâ€™s life"), "hustle", 1),
]


@pytest.mark.parametrize("text,term,expected", RULES)
def test_rule(text, term, expected):
    assert mentions(text, term) == expected


def test_excluded_and_not_near_are_counted_apart():
    counts = count_in_texts(LEXICON, ["a related discipline and discipline", "flexitime only a b c d flexitime hours"])
    assert counts[0]["discipline"] == (1, 1, 0)
    assert counts[1]["hours"] == (1, 0, 1)


def test_forms_are_nfkc_normalised_and_lower_cased():
    lexicon = parse_lexicon('[[term]]\nname = "f"\ncategory = "c"\nforms = ["\ufb02EXIBLE"]', "x")
    assert lexicon.terms[0].forms == ("flexible",)
    assert count_in_texts(lexicon, ["Flexible"])[0]["f"] == (1, 0, 0)


def test_priority_puts_exclusions_first_then_longer_forms():
    forms = [(a.form, a.excluded) for a in build_scanner(LEXICON).alternatives]
    assert forms[:4] == [("related discipline", True), ("discipline lead*", True), ("disciplined", False),
                         ("fast-paced", False)]
