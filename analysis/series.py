"""The plain series that analysis computes and charts draw: one row per period and series."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

Z95 = 1.959963984540054  # two-sided 95% normal quantile
# What a posting is dated by: the source's posting date, or when jobtone first saw it (the postings column).
DATE_BASES = {"posted": "posted_at", "seen": "first_seen_at"}
SeriesKey = tuple[str, str]  # (series, group)
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
    companies: int = 0  # distinct companies (a posting without one: its board) behind the period
    sources: int = 0  # distinct sources behind the period
    raw_share: float | None = None  # with a fixed mix (--adjust): the share before reweighting
    mix_coverage: float | None = None  # with a fixed mix: the part of the mix present; < 1 is flagged
    precision: float | None = None  # with --corrected: the labelled precision applied
    corrected: float | None = None  # with --corrected: share x precision, and its interval
    corrected_low: float | None = None
    corrected_high: float | None = None

    @property
    def mix_incomplete(self) -> bool:
        """With a fixed mix: some of the mix's companies (or sources) have no posting in this period."""
        return self.mix_coverage is not None and self.mix_coverage < 0.999

    def csv_values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in CSV_COLUMNS)


@dataclass(frozen=True)
class ChartMeta:
    """What every chart and report states about its data: lexicon, dates, boilerplate."""

    lexicon_name: str
    lexicon_version: str  # content hash of the lexicon
    data_start: date | None
    data_end: date | None
    date_basis: str  # "posted" (the source's publish date) or "seen" (when we scraped it)
    boilerplate_included: bool
    generated_at: datetime
    term_categories: tuple[tuple[str, str], ...] = ()  # (term, category), in lexicon order
    lexicon_since: datetime | None = None  # when this lexicon version first counted anything in the database
    # Periods where the sources or boards behind the series change: (period start, what changed), e.g. "+3 boards".
    marks: tuple[tuple[date, str], ...] = ()
    family_marks: tuple[tuple[str, date, str], ...] = ()  # (family, start, what): for charts split by family

    def __post_init__(self) -> None:
        if self.date_basis not in DATE_BASES:
            raise ValueError(f"date_basis must be one of {tuple(DATE_BASES)}, not {self.date_basis!r}")

    def category_of(self, term: str) -> str:
        """The category a term belongs to, or "" when the lexicon does not list it."""
        return dict(self.term_categories).get(term, "")

    def lexicon_statement(self) -> str:
        """The lexicon, and since when it counts here: a lexicon change re-counts every period, so it is no step."""
        since = f" since {self.lexicon_since:%Y-%m-%d}; every period is counted with it" if self.lexicon_since else ""
        return f"{self.lexicon_name} {self.lexicon_version}{since}"

    def facts(self, postings: int) -> list[tuple[str, str]]:
        """(label, value) pairs describing the data, shared by chart footers and the HTML report."""
        start = self.data_start.isoformat() if self.data_start else "?"
        end = self.data_end.isoformat() if self.data_end else "?"
        return [
            ("data", f"{start} to {end}" if self.data_start or self.data_end else "none"),
            ("dates", f"{self.date_basis} date"),
            ("boilerplate", "included" if self.boilerplate_included else "excluded"),
            ("lexicon", self.lexicon_statement()),
            ("postings", f"n = {postings:,}"),
            ("generated", self.generated_at.strftime("%Y-%m-%d %H:%M")),
        ]


def wilson_interval(matches: float, postings: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for matches/postings; (0, 1) when there are no postings."""
    if postings <= 0:
        return 0.0, 1.0
    p = matches / postings
    z2n = z * z / postings
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / postings + z2n / (4 * postings)) / (1 + z2n)
    low = 0.0 if matches <= 0 else max(0.0, centre - half)  # exact ends, free of rounding error
    high = 1.0 if matches >= postings else min(1.0, centre + half)
    return low, high


def smooth_rows(rows: Iterable[TrendRow], window: int, centred: bool = True) -> list[TrendRow]:
    """Moving average of counts over `window` rows of each series; share and interval recomputed.

    Edges average the periods available. Counts on the returned rows are rounded to whole postings;
    share and the Wilson interval use the exact averages (so the interval is that of one average
    period, not of the pooled window: smoothing must not make the data look more certain).
    """
    if window < 1:
        raise ValueError(f"smoothing window must be at least 1, not {window}")
    by_key = group_series(rows)
    if window == 1:
        return [row for series in by_key.values() for row in series]
    return [
        _averaged(row, series[slice(*_window_bounds(i, len(series), window, centred))])
        for series in by_key.values()
        for i, row in enumerate(series)
    ]


def _window_bounds(i: int, length: int, window: int, centred: bool) -> tuple[int, int]:
    before = window // 2 if centred else window - 1
    after = window - 1 - before
    return max(0, i - before), min(length, i + after + 1)


def _averaged(row: TrendRow, window: Sequence[TrendRow]) -> TrendRow:
    postings = sum(r.postings for r in window) / len(window)
    matches = sum(r.matches for r in window) / len(window)
    low, high = wilson_interval(matches, postings)
    return replace(
        row, postings=round(postings), matches=round(matches),
        share=matches / postings if postings else 0.0, ci_low=low, ci_high=high,
        per_10k_words=sum(r.per_10k_words for r in window) / len(window),
        precision=_mean(r.precision for r in window), corrected=_mean(r.corrected for r in window),
        corrected_low=_mean(r.corrected_low for r in window), corrected_high=_mean(r.corrected_high for r in window),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    """The average, or None when a period has no value (a corrected share is averaged only where all have one)."""
    known = list(values)
    if not known or any(v is None for v in known):
        return None
    return sum(v for v in known if v is not None) / len(known)


def group_series(rows: Iterable[TrendRow]) -> dict[SeriesKey, list[TrendRow]]:
    """Rows split by (series, group), each list ordered by period start."""
    by_key: dict[SeriesKey, list[TrendRow]] = {}
    for row in rows:
        by_key.setdefault((row.series, row.group), []).append(row)
    return {key: sorted(series, key=lambda r: r.start) for key, series in by_key.items()}


def total_postings(rows: Iterable[TrendRow]) -> dict[date, int]:
    """Postings per period start, summed over groups; every series of a period repeats the count.

    An unsplit row (group "") already counts everyone, so split rows of that period are not added.
    """
    per_group = {(row.start, row.group): row.postings for row in rows}
    totals: dict[date, int] = {}
    for (start, group), postings in sorted(per_group.items()):
        if not group or (start, "") not in per_group:
            totals[start] = totals.get(start, 0) + postings
    return totals
