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


# The rules added in the third round (benchmarks/labels): each on a real excerpt where it decides (positive) and on a
# real excerpt of the intended sense that it leaves counted (negative).
@pytest.mark.parametrize("term,text,expected", [
    # flexible, exclude: the candidate's flexibility, energy and tech jargon, a benefit plan
    ("flexible", "Whether you're consulting across multiple projects, your flexibility makes all the difference.",
     "exclude:your flexibility"),
    ("flexible", "giving our team members the flexibility to work from anywhere", "form"),
    ("flexible", "unlocking the value of energy storage, facilitating demand flexibility, and locally produced",
     "exclude:demand flexibility"),
    ("flexible", "working on genuinely challenging problems around renewables and energy flexibility.",
     "exclude:energy flexibility"),
    ("flexible", "Primarily On-Site, with flexibility for some remote working days.", "form"),
    ("flexible", "(Keywords for searchers with tech flexibility: Angular, React, Django)", "exclude:tech flexibility"),
    ("flexible", "Small team, lots of flexibility and lots of interesting technology challenges.", "form"),
    ("flexible", "Perks to working with us at Kard • Flexible health insurance, including dental/vision",
     "exclude:flexible health"),
    ("flexible", "two one-week paid company closures in addition to flexible, generous vacation", "form"),
    # flexible, keep: benefit phrases next to a veto word
    ("flexible", "Competitive comp with medical, dental, vision, and life insurance. * Flexible PTO. * Direct "
     "ownership over technology", "keep:flexible pto"),
    ("flexible", "Generous parental leave; flexible time off. - Home office setup stipend.", "keep:flexible time off"),
    ("flexible", "We have a flexible remote work policy that allows employees in San Francisco to work remotely",
     "keep:flexible remote"),
    ("flexible", "Benefits: Health/dental/vision, 401(k) match, PTO, remote flexibility", "keep:remote flexibility"),
    ("flexible", "LA-based with flexibility for hybrid work. Tech stack: Python, ML/AI pipelines in AWS",
     "keep:flexibility for hybrid"),
    ("flexible", "in downtown Montreal, with some flexibility for remote work.", "keep:flexibility for remote"),
    ("flexible", "all-in-one flexible solution that allows businesses of all sizes", "not_near:solution*"),
    # flexible, not_near: product and technology claims
    ("flexible", "we plan to dramatically expand on our flexibility and scalability.", "not_near:scalab*"),
    ("flexible", "startup that is bringing flexible payments to recurring bills", "not_near:payment*"),
    ("flexible", "FINN offers convenient and flexible car subscriptions", "not_near:subscription*"),
    ("flexible", "requires us to have a lot of flexibility on how we deploy and maintain our services",
     "not_near:deploy*"),
    ("flexible", "bringing the scale economics and flexible automation that you'd find in a FAANG company",
     "not_near:automation"),
    ("flexible", "for researchers to get flexible, elegant and secure computing environments", "not_near:computing"),
    ("flexible", "allow the flexibility to perform analytics and quickly iterate", "not_near:analytics"),
    ("flexible", "turning them into flexible functionality that can be used by non-programmers",
     "not_near:functionalit*"),
    # flexible, not_near: traits and demands on the candidate
    ("flexible", "We're looking for a flexible, self-motivated, and problem-solving senior full-stack developer",
     "not_near:self"),
    ("flexible", "comfortable and flexible in a fast changing environment", "not_near:comfortable"),
    ("flexible", "Flexibility to work in constantly evolving environment", "not_near:evolving"),
    ("flexible", "SAVVY, PASSIONATE, INTELLIGENT, FLEXIBLE, POSITIVE and EXCEPTIONALLY CREATIVE Marketing Manager",
     "not_near:passionate"),
    ("flexible", "You are a highly flexible individual that likes to take a pro-active role", "not_near:individual*"),
    ("flexible", "We value people who are collaborative, problem solvers, flexible thinkers", "not_near:thinker*"),
    ("flexible", "the role requires a fair amount of flexibility.", "not_near:requires"),
    ("flexible", "We're pretty flexible and can work with you on this.", "form"),
    ("flexible", "Nexient are good people: they are flexible, caring and fun to work at.", "form"),
    # empathy, exclude: a design skill; one admissions company's reposted line
    ("empathy", "is as much about design empathy as it is about React/Redux mastery", "exclude:design empathy"),
    ("empathy", "Here's what we expect from you: * Be an empathetic designer.", "exclude:empathetic design*"),
    ("empathy", "We are looking for an empathetic design thinker", "exclude:empathetic design*"),
    ("empathy", "Tickit is an award-winning Digital Empathy Design System", "exclude:empathy design"),
    ("empathy", "how to evaluate empathy in someone who wants to train to become a doctor",
     "exclude:evaluate empathy"),
    ("empathy", "communicate clearly, effectively, and with empathy both within your team", "form"),
    # empathy, not_near (window 8): mission and product uses, support and service roles
    ("empathy", "We build technology and use empathy to advance the pharmacy into the modern era",
     "not_near:technology"),
    ("empathy", "We build technology for open pit mining operations in an empathetic and human centered approach",
     "not_near:technology"),  # 8 words away
    ("empathy", "We are building empathetic machines", "not_near:machine*"),
    ("empathy", "Community Support Engineer: An outgoing, empathetic software engineer to take the lead",
     "not_near:support"),
    ("empathy", "Customer Service Associates and Managers at various experience levels. Empathy, diligence",
     "not_near:service"),
    ("empathy", "We value empathy, taking time to do things right, documentation", "form"),
    ("empathy", "Join our team of smart, user-focused, and empathetic developers", "form"),
    # discipline, exclude: field senses
    ("discipline", "Scoop, however, knows engineering is not a lone discipline.", "exclude:lone discipline"),
    ("discipline", "being coached in either the health and wellness space or any other arts discipline",
     "exclude:arts discipline"),
    ("discipline", "the opportunity to scale a new discipline from scratch", "exclude:new discipline"),
    ("discipline", "elegant, discipline-specific interactive assessment tools", "exclude:discipline specific"),
    ("discipline", "We value passion, pragmatism, discipline, domain-driven design", "form"),
    ("discipline", "Strong QA discipline (you write tests because you want to)", "form"),
])
def test_third_round_rules_on_real_excerpts(term, text, expected):
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
