"""What is in the data: postings per period by source family, and the periods where the set of sources or
boards behind a series changed — so a step in a line is never mistaken for a change in language.

Source families: `hn` (Hacker News), `boards` (every scraped board and career site), and each imported
source by its own name (an import is a population of its own, not "boards").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from analysis.trends import TrendQuery, _as_date, date_column, family_sql, period_label, posting_filters

__all__ = ["CoverageRow", "Mark", "coverage_marks", "coverage_rows", "family_sql"]


@dataclass(frozen=True)
class CoverageRow:
    """Postings of one source family in one period."""

    period: str
    start: date
    family: str
    postings: int


@dataclass(frozen=True)
class Mark:
    """A period where what stands behind the series changed: `what` says how (e.g. "greenhouse: +3 boards")."""

    period: str
    start: date
    what: str
    family: str = ""  # with by_family: the source family it concerns


def coverage_rows(con: duckdb.DuckDBPyConnection, query: TrendQuery) -> list[CoverageRow]:
    """Postings per period and source family, under the query's filters (every stored posting with a date)."""
    date_col = date_column(query)
    filters, params = posting_filters(query)
    rows = con.execute(f"""
        SELECT date_trunc('{query.by}', {date_col})::DATE AS start, {family_sql()} AS family, count(*)
        FROM postings p WHERE true {filters} GROUP BY ALL ORDER BY start, family""",
                       params).fetchall()
    return [CoverageRow(period_label(_as_date(start), query.by), _as_date(start), family, n)
            for start, family, n in rows]


def coverage_marks(con: duckdb.DuckDBPyConnection, query: TrendQuery, by_family: bool = False) -> list[Mark]:
    """Periods (after the first) where a source family starts or stops, or boards start contributing; with
    `by_family`, one mark per family and period (for charts split by family)."""
    date_col = date_column(query)
    filters, params = posting_filters(query)
    spans = con.execute(f"""
        SELECT {family_sql()} AS family, p.source, p.board,
               min(date_trunc('{query.by}', {date_col}))::DATE, max(date_trunc('{query.by}', {date_col}))::DATE
        FROM postings p WHERE true {filters} GROUP BY ALL""", params).fetchall()
    if not spans:
        return []
    first = min(s[3] for s in spans)
    last = max(s[4] for s in spans)
    notes: dict[tuple[date, str], list[str]] = {}
    for family, begins, ends in _family_spans(spans):
        if begins > first:
            notes.setdefault((begins, family if by_family else ""), []).append(f"{family} starts")
        if ends < last:
            notes.setdefault((ends, family if by_family else ""), []).append(f"{family} ends")
    for start, added in _boards_entering(spans, first).items():
        notes.setdefault((start, "boards" if by_family else ""), []).append(f"+{added} board{'s' if added > 1 else ''}")
    return [Mark(period_label(_as_date(start), query.by), _as_date(start), "; ".join(what), family)
            for (start, family), what in sorted(notes.items())]


def _family_spans(spans: Sequence[tuple]) -> list[tuple[str, date, date]]:
    by_family: dict[str, tuple[date, date]] = {}
    for family, _, _, begins, ends in spans:
        old = by_family.get(family, (begins, ends))
        by_family[family] = (min(old[0], begins), max(old[1], ends))
    return [(family, begins, ends) for family, (begins, ends) in sorted(by_family.items())]


def _boards_entering(spans: Sequence[tuple], first: date) -> dict[date, int]:
    """Boards of the `boards` family entering after the first period (Hacker News is one thread series)."""
    entering: dict[date, int] = {}
    for family, _, _, begins, _ in spans:
        if family == "boards" and begins > first:
            entering[begins] = entering.get(begins, 0) + 1
    return entering
