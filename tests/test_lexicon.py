"""Lexicon files: the packs, validation with clear errors, and a version that follows the terms only."""

import pytest

from analysis.lexicon import PACKS, fold, load_lexicon, parse_lexicon
from scraper.errors import ConfigError

ONE = '[[term]]\nname = "flexible"\ncategory = "supportive"\nforms = ["flexible", "Fast - Paced"]\n'


@pytest.mark.parametrize("pack", PACKS)
def test_packs_load(pack):
    lexicon = load_lexicon(pack)
    assert lexicon.name == pack and lexicon.source == f"pack:{pack}" and len(lexicon.version) == 12


def test_default_pack_is_the_seed_claim():
    lexicon = load_lexicon()
    assert [(t.name, t.category) for t in lexicon.terms] == [
        ("flexible", "supportive"), ("empathy", "supportive"), ("belonging", "supportive"),
        ("fast-paced", "hard"), ("aggressive", "hard"), ("discipline", "hard")]
    assert lexicon.categories == ("supportive", "hard")


def test_gaucher_pack_has_the_published_lists():
    lexicon = load_lexicon("gaucher")
    categories = [t.category for t in lexicon.terms]
    assert categories.count("masculine") == 42 and categories.count("feminine") == 40


def test_version_ignores_comments_and_layout_but_not_terms():
    base = parse_lexicon(ONE, "x").version
    assert parse_lexicon("# a comment\n\n" + ONE.replace(" = ", "="), "x").version == base
    assert parse_lexicon(ONE.replace('"Fast - Paced"', '"fast-paced", "fastpaced"'), "x").version != base
    assert parse_lexicon(ONE + "window = 3\n", "x").version != base


def test_forms_are_normalised():
    term = parse_lexicon(ONE, "x").terms[0]
    assert term.forms == ("flexible", "fast paced")
    assert term.window == 6 and term.exclude == () and term.near == ()


def test_path_or_pack(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(ONE, encoding="utf-8")
    assert load_lexicon(str(path)).name == "mine"
    with pytest.raises(ConfigError, match="not a pack name"):
        load_lexicon("nonexistent")


@pytest.mark.parametrize("body,message", [
    ('[[term]]\nname = "a"\nforms = ["a"]\n', "needs a category"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["*a"]\n', "must start with an ASCII letter"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["élan"]\n', "must start with an ASCII letter"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a*b"]\n', "may only end the form"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["ab-"]\n', "must end with a letter"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a"]\nnear = ["two words"]\n', "single word"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a"]\nwindow = 0\n', "window"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a"]\nnot_near = ["two words"]\n', "single word"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a"]\nnot_near = "b"\n', "not_near: must be a list"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a"]\nkeep = ["a b*c"]\n', "keep: 'a b\\*c'"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a"]\nkeep = ["a b"]\nexclude = ["A  b"]\n',
     "both in exclude and keep"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = ["a"]\nnear = ["b"]\nnot_near = ["b"]\n',
     "both in near and not_near"),
    ('[[term]]\nname = "a"\ncategory = "c"\nforms = []\n', "at least one form"),
    ('[[term]]\nname = "a"\ncategory = "c"\nform = ["a"]\n', "unknown keys"),
    ('[[term]]\nname = "a"\ncategory = "c"\n[[term]]\nname = "A"\ncategory = "c"\n', "duplicate"),
    ('name = "x"\n', "at least one"),
    ('[[term]\n', "lexicon"),
])
def test_invalid_lexicons_are_config_errors(body, message):
    with pytest.raises(ConfigError, match=message):
        parse_lexicon(body, "bad")


def test_fold_keeps_one_character_for_one():
    assert fold("İNCLUSIVE Straße ẞ") == "inclusive straße ß"
    assert len(fold("İİ")) == 2
