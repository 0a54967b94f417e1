"""How often a term's counted matches are its intended sense (precision), from hand labels, with a Wilson 95%
interval; and trend shares corrected for it.

Precision = intended / (intended + other) among labelled matches the lexicon counts (`unsure` labels are left
out and reported). Recall = counted intended / all intended, where labels of vetoed matches exist. Only labels
from random draws estimate either; others are reported apart. Per era when an era has at least
MIN_ERA_LABELS labels, else the term's all-era figure stands for it.

Corrected share = raw share x precision. Its interval carries both uncertainties — the sample of postings
(the share's Wilson interval) and the sample of labels (the precision's) — by the exact variance of a product
of independent estimates, each variance read off its Wilson interval: var(sp) = p^2 var(s) + s^2 var(p) +
var(s) var(p). A category's precision is its terms' precisions weighted by their counted matches in the period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from analysis.labels import Label
from analysis.lexicon import Lexicon
from analysis.series import Z95, TrendRow, wilson_interval

# Eras of the seed claim: before 2020, the 2020-2022 rise and fall, and since.
ERAS = (("to 2019", None, 2019), ("2020-2022", 2020, 2022), ("2023 on", 2023, None))
ALL_ERAS = "all"
MIN_ERA_LABELS = 30


def era_of(year: int | None) -> str | None:
    for name, first, last in ERAS:
        if year is not None and (first is None or year >= first) and (last is None or year <= last):
            return name
    return None


@dataclass(frozen=True)
class Precision:
    """One term's (or one term-era's) precision and recall from labels."""

    term: str
    era: str
    labelled: int  # counted matches labelled intended or other
    intended: int
    unsure: int
    precision: float | None
    ci_low: float | None
    ci_high: float | None
    recall: float | None  # None without labels of vetoed matches
    random: bool  # every label behind it came from a random draw

    @property
    def interval(self) -> tuple[float, float] | None:
        return None if self.ci_low is None or self.ci_high is None else (self.ci_low, self.ci_high)


def precision_table(labels: Iterable[Label], lexicon: Lexicon) -> list[Precision]:
    """Per term of the lexicon (in order): all eras, then each era with enough labels. Labels of other lexicon
    versions are left out (their rules counted other matches)."""
    by_term: dict[str, list[Label]] = {}
    for label in labels:
        if label.lexicon_version == lexicon.version:
            by_term.setdefault(label.term, []).append(label)
    rows = []
    for term in lexicon.terms:
        mine = by_term.get(term.name, [])
        rows.append(_precision(term.name, ALL_ERAS, mine))
        for era, *_ in ERAS:
            in_era = [label for label in mine if era_of(label.year) == era]
            if sum(label.counted and label.label != "unsure" for label in in_era) >= MIN_ERA_LABELS:
                rows.append(_precision(term.name, era, in_era))
    return rows


def _precision(term: str, era: str, labels: Sequence[Label]) -> Precision:
    random = [label for label in labels if label.random] or list(labels)
    counted = [label for label in random if label.counted and label.label != "unsure"]
    intended = sum(label.label == "intended" for label in counted)
    vetoed_intended = sum(not label.counted and label.label == "intended" for label in random)
    unsure = sum(label.label == "unsure" for label in random)
    if not counted:
        return Precision(term, era, 0, 0, unsure, None, None, None, None, bool(random) and random[0].random)
    low, high = wilson_interval(intended, len(counted))
    has_vetoed = any(not label.counted for label in random)
    recall = intended / (intended + vetoed_intended) if has_vetoed and intended + vetoed_intended else None
    return Precision(term, era, len(counted), intended, unsure, intended / len(counted), low, high, recall,
                     all(label.random for label in random))


def precision_for(table: Sequence[Precision], term: str, year: int | None) -> Precision | None:
    """The term's precision for a posting year: its era's when labelled enough, else all eras'."""
    era = era_of(year)
    rows = {(p.term, p.era): p for p in table if p.precision is not None}
    return rows.get((term, era or "")) or rows.get((term, ALL_ERAS))


def corrected_rows(rows: Sequence[TrendRow], table: Sequence[Precision], lexicon: Lexicon,
                   term_rows: Sequence[TrendRow] = ()) -> list[TrendRow]:
    """Each row with `corrected`, `corrected_low`, `corrected_high` (None where no precision is known).

    Term rows use their term's precision; category rows use their terms' precisions weighted by each term's
    counted matches in that period (`term_rows`: the same query with terms=True)."""
    weights: dict[tuple[str, str], dict[str, int]] = {}
    for row in term_rows:
        category = lexicon.term(row.series).category
        weights.setdefault((row.period, category), {})[row.series] = row.matches
    out = []
    for row in rows:
        year = row.start.year
        if row.series in {t.name for t in lexicon.terms}:
            p = precision_for(table, row.series, year)
            prec = (p.precision, p.interval) if p and p.precision is not None and p.interval else None
        else:
            prec = _category_precision(table, weights.get((row.period, row.series), {}), year)
        out.append(_corrected(row, prec))
    return out


def _category_precision(table: Sequence[Precision], matches: Mapping[str, int], year: int
                        ) -> tuple[float, tuple[float, float]] | None:
    known: list[tuple[int, float, tuple[float, float]]] = []
    for term, n in matches.items():
        p = precision_for(table, term, year) if n else None
        if p is not None and p.precision is not None and p.interval is not None:
            known.append((n, p.precision, p.interval))
    total = sum(n for n, _, _ in known)
    if not known or total < sum(matches.values()):  # a term without labels: no honest correction
        return None
    value = sum(n * precision for n, precision, _ in known) / total
    low = sum(n * interval[0] for n, _, interval in known) / total
    high = sum(n * interval[1] for n, _, interval in known) / total
    return value, (low, high)


def _corrected(row: TrendRow, prec: tuple[float, tuple[float, float]] | None) -> TrendRow:
    if prec is None:
        return row
    p, (p_low, p_high) = prec
    s = row.share
    var_s = ((row.ci_high - row.ci_low) / (2 * Z95)) ** 2
    var_p = ((p_high - p_low) / (2 * Z95)) ** 2
    c = s * p
    half = Z95 * math.sqrt(p * p * var_s + s * s * var_p + var_s * var_p)
    return replace(row, corrected=c, corrected_low=max(0.0, min(c, c - half)),
                   corrected_high=min(1.0, max(c, c + half)), precision=p)
