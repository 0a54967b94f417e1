"""The sense rules `keep` and `not_near` (and which rule decided a match), on short excerpts of real HN postings,
through the real DuckDB matcher (see README "Matching rules")."""

from datetime import datetime

import pytest

from analysis.kwic import kwic, rules_in_texts
from analysis.lexicon import load_lexicon, parse_lexicon
from analysis.match import count_in_texts
from analysis.pipeline import analyse, analysis_key
from scraper import store
from scraper.posting import Posting

DEFAULT = load_lexicon("default")

RULES = parse_lexicon("""
[[term]]
name = "flexible"
category = "supportive"
forms = ["flexible", "flexibility"]
exclude = ["flexible hours only"]
keep = ["flexible hour*", "be flexible"]
not_near = ["platform*", "api*", "hours"]
window = 3
[[term]]
name = "discipline"
category = "hard"
forms = ["discipline"]
exclude = ["multi discipline*"]
keep = ["cross discipline*"]
""", "rules")


def rule(text: str, term: str = "flexible", lexicon=RULES) -> list[str]:
    return [m.rule for m in rules_in_texts(lexicon, term, [text])[0]]


@pytest.mark.parametrize("text,expected", [
    # not_near: a veto word within `window` (3) words on either side, as written or by its trailing *
    ("a flexible, open source platform", ["not_near:platform*"]),
    ("open source platforms, flexible and fast", ["not_near:platform*"]),
    ("A flexible API design", ["not_near:api*"]),
    ("a flexible team of three, then a platform", ["form"]),  # "platform" is 5 words away
    ("a flexible new platformer", ["not_near:platform*"]),  # * continues the word
    ("a flexible replatforming", ["form"]),  # whole words only
    # keep: a match inside a keep phrase counts, whatever not_near says; the phrase may start before the match
    ("Entirely Remote | Flexible Hours | a social platform", ["keep:flexible hour*"]),
    ("we can be flexible on hours", ["keep:be flexible"]),
    ("flexible and fast hours", ["not_near:hours"]),  # not a keep phrase: the veto word decides
    # exclude outranks keep
    ("flexible hours only", ["exclude:flexible hours only"]),
])
def test_keep_and_not_near(text, expected):
    assert rule(text) == expected


def test_a_phrase_without_a_form_inside_marks_nothing():
    # "multi-disciplinary" and "cross-disciplinary" match the phrases but hold no form of the term.
    assert count_in_texts(RULES, ["our multi-disciplinary, cross-disciplinary team"]) == [{}]
    assert rule("come join our multi-discipline engineering team", "discipline") == ["exclude:multi discipline*"]
    assert rule("We love cross-discipline participation.", "discipline") == ["keep:cross discipline*"]


def test_not_near_vetoes_are_counted_with_the_window_vetoes():
    assert count_in_texts(RULES, ["a flexible API and flexible hours"])[0]["flexible"] == (1, 0, 1)


@pytest.mark.parametrize("term,text,expected", [
    ("flexible", "Mattermost is a flexible, open source messaging platform", "not_near:platform*"),
    ("flexible", "with unparalleled data flexibility", "not_near:data"),
    ("flexible", "an open-minded, flexible, and adaptable to change individual", "not_near:adapt*"),
    ("flexible", "trading platform is a plus Benefits: - Flexible hybrid schedule", "keep:flexible hybrid"),
    ("flexible", "Small empowered product teams, lots of independence, flexible schedules", "keep:flexible schedul*"),
    ("flexible", "We're low overhead, flexible on hours", "keep:flexible on"),
    ("flexible", "a culture of flexibility and trust", "form"),
    ("empathy", "developers who have empathy for users", "exclude:empathy for"),
    ("empathy", "Develop deep empathy and understanding of our users", "not_near:users"),
    ("empathy", "Collaboration, Operational Excellence, Ownership, and Empathy", "form"),
    ("belonging", "diversity, equity, inclusion, and belonging (DEIB)", "near"),
    ("belonging", "We want our players to feel a true sense of belonging", "not near"),
    ("belonging", "pages of work belonging to over 30,000 students", "exclude:belonging to"),
    ("aggressive", "We believe in aggressive decoupling of independent concerns", "not_near:decoupl*"),
    ("aggressive", "contract-to-hire with aggressive commission structure", "exclude:aggressive commission*"),
    ("aggressive", "we use AI aggressively", "form"),
    ("discipline", "Computer Science or a related discipline", "exclude:related discipline"),
    ("discipline", "perform at the top of your discipline.", "exclude:your discipline"),
    ("discipline", "we value process discipline", "form"),
])
def test_default_lexicon_rules_on_real_excerpts(term, text, expected):
    assert rule(text, term, DEFAULT) == [expected]


def test_kwic_names_the_not_near_word(tmp_path):
    path = tmp_path / "j.duckdb"
    posting = Posting("hn", "whoishiring", "1", "", "A flexible API design. Flexible hours.", datetime(2024, 1, 1),
                      "created_at", company="Co")
    with store.opened(path) as con:
        store.load_postings(con, [posting], datetime(2024, 6, 1))
        analyse(con, DEFAULT, now=datetime(2024, 6, 1))
        lines = kwic(con, DEFAULT, analysis_key(DEFAULT, False), False, "flexible", show_excluded=True)
    assert sorted(line.status for line in lines) == ["counted", "not_near: API"]  # the word as written
