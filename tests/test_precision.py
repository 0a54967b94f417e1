"""Precision from labels and corrected shares, on numbers that can be checked by hand."""

import json
from datetime import date

import pytest

from analysis.labels import Label, export_labels, import_labels, read_labels, save_labels, shipped_labels, stored_labels
from analysis.lexicon import load_lexicon
from analysis.precision import MIN_ERA_LABELS, corrected_rows, era_of, precision_table
from analysis.series import TrendRow, wilson_interval
from scraper import store

LEX = load_lexicon()


def label(term, value, rule="form", year=2021, random=True, **kw):
    return Label(term, LEX.name, LEX.version, rule, year, "hn", value, "seed=1" if random else None, random, **kw)


def test_precision_with_wilson_interval_and_recall():
    labels = ([label("flexible", "intended")] * 9 + [label("flexible", "other")] + [label("flexible", "unsure")]
              + [label("flexible", "intended", rule="exclude:flexible spending account*")])
    row = next(p for p in precision_table(labels, LEX) if p.term == "flexible")
    assert (row.labelled, row.intended, row.unsure, row.precision) == (10, 9, 1, 0.9)
    assert (row.ci_low, row.ci_high) == pytest.approx(wilson_interval(9, 10))
    assert row.recall == pytest.approx(9 / 10) and row.random


def test_labels_of_another_lexicon_version_do_not_count():
    other = Label("flexible", "default", "0000", "form", 2021, "hn", "other", "x", True)
    row = next(p for p in precision_table([other], LEX) if p.term == "flexible")
    assert row.precision is None and row.labelled == 0


def test_per_era_rows_only_with_enough_labels():
    labels = [label("empathy", "intended", year=2021)] * MIN_ERA_LABELS + [label("empathy", "other", year=2015)] * 5
    eras = [p.era for p in precision_table(labels, LEX) if p.term == "empathy"]
    assert eras == ["all", "2020-2022"]
    assert era_of(2015) == "to 2019" and era_of(2024) == "2023 on"


def test_corrected_share_carries_both_uncertainties():
    labels = [label("flexible", "intended")] * 8 + [label("flexible", "other")] * 2
    table = precision_table(labels, LEX)
    low, high = wilson_interval(30, 100)
    row = TrendRow("2021", date(2021, 1, 1), "flexible", 100, 30, 0.3, low, high, 0.0)
    fixed = corrected_rows([row], table, LEX)[0]
    assert fixed.corrected == pytest.approx(0.24) and fixed.precision == pytest.approx(0.8)
    assert fixed.corrected_low < 0.24 < fixed.corrected_high
    # wider than the share's own interval scaled by p: the labels' uncertainty is in it
    assert fixed.corrected_high - fixed.corrected_low > 0.8 * (high - low)


def test_category_rows_use_their_terms_precision_weighted_by_matches():
    labels = [label("flexible", "intended")] * 8 + [label("flexible", "other")] * 2 + [label("empathy", "intended")] * 10
    table = precision_table(labels, LEX)
    low, high = wilson_interval(40, 100)
    category = TrendRow("2021", date(2021, 1, 1), "supportive", 100, 40, 0.4, low, high, 0.0)
    terms = [TrendRow("2021", date(2021, 1, 1), "flexible", 100, 30, 0.3, 0, 1, 0.0),
             TrendRow("2021", date(2021, 1, 1), "empathy", 100, 10, 0.1, 0, 1, 0.0)]
    fixed = corrected_rows([category], table, LEX, terms)[0]
    assert fixed.precision == pytest.approx((30 * 0.8 + 10 * 1.0) / 40)
    belonging = [*terms, TrendRow("2021", date(2021, 1, 1), "belonging", 100, 5, 0.05, 0, 1, 0.0)]
    assert corrected_rows([category], table, LEX, belonging)[0].corrected is None  # belonging has no labels


def test_labels_round_trip_through_the_database_and_json_lines(tmp_path):
    labels = [label("flexible", "intended", posting_id=7, match_number=12, context="we are [[flexible]]"),
              label("discipline", "other", rule="exclude:related discipline", random=False)]
    with store.opened(tmp_path / "a.duckdb") as con:
        save_labels(con, labels)
        assert export_labels(stored_labels(con), tmp_path / "l.jsonl") == 2
    with store.opened(tmp_path / "b.duckdb") as con:
        assert import_labels(con, tmp_path / "l.jsonl") == 2
        assert stored_labels(con) == labels
    record = json.loads((tmp_path / "l.jsonl").read_text().splitlines()[0])
    assert record["context"] == "we are [[flexible]]"


def test_a_malformed_label_line_is_a_clear_error():
    from scraper.errors import ConfigError
    with pytest.raises(ConfigError, match="line 2"):
        list(read_labels([json.dumps(label("flexible", "intended").as_json()), '{"label": "maybe"}'], "f.jsonl"))


def test_shipped_labels_carry_no_posting_text_and_fit_the_default_lexicon():
    labels = shipped_labels("default")
    assert labels, "the default lexicon ships its labels"
    assert all(label.context is None and label.posting_id is None for label in labels)
    assert {label.lexicon_version for label in labels} == {LEX.version}
    assert all(label.random for label in labels)
    assert {label.term for label in labels} == {t.name for t in LEX.terms}
