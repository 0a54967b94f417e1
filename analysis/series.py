"""The plain series that analysis computes and charts draw: one row per period and series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CSV_COLUMNS = ("period", "series", "postings", "matches", "share", "ci_low", "ci_high", "per_10k_words")


@dataclass(frozen=True, slots=True)
class TrendRow:
    """How often one series (a category, or a term) appears in the postings of one period.

    `period` is the label (`2024-03`, `2024-Q1`, `2024`) and `start` its first day; `share` is
    matches / postings with its Wilson 95% interval [ci_low, ci_high]; `per_10k_words` counts every
    mention per 10,000 words of text; `low_count` flags periods with fewer postings than the minimum.
    `group` splits one chart into several (e.g. the source family "hn" vs "boards"); "" when unsplit.
    """

    period: str
    start: date
    series: str
    postings: int
    matches: int
    share: float
    ci_low: float
    ci_high: float
    per_10k_words: float
    low_count: bool = False
    group: str = ""

    def csv_values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in CSV_COLUMNS)
