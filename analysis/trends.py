"""Trends: per period and series, the share of postings that mention it (with a Wilson 95% interval)
and mentions per 10,000 words — computed in SQL from the stored counts, finished by pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from analysis.series import DATE_BASES, TrendRow, wilson_interval
from scraper.errors import ConfigError
from scraper.store import EARLIEST_POSTED, latest_plausible

PERIODS = ("month", "quarter", "year")
MIN_POSTINGS = 30


@dataclass(frozen=True)
class TrendQuery:
    """What to count: the analysis key, the period, series kind and filters (all user values are parameters)."""

    analysis_key: str
    by: str = "month"
    terms: bool = False
    source: str | None = None
    company: str | None = None
    since: date | None = None
    until: date | None = None
    date_basis: str = "posted"
    min_postings: int = MIN_POSTINGS
    group: bool = False  # split by source family: "hn" for source = 'hn', else "boards"

    def __post_init__(self) -> None:
        if self.by not in PERIODS:
            raise ConfigError(f"--by must be one of {', '.join(PERIODS)}")
        if self.date_basis not in DATE_BASES:
            raise ConfigError(f"--date must be one of {', '.join(DATE_BASES)}")


def period_label(start: date, by: str) -> str:
    """`2024-03`, `2024-Q1` or `2024` for the period starting on `start`."""
    if by == "month":
        return f"{start.year}-{start.month:02d}"
    if by == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def trend_row(start: date, series: str, postings: int, matches: int, mentions: int, words: int,
              query: TrendQuery, group: str = "") -> TrendRow:
    """One row from counts: share, interval, rate per 10,000 words and the low-count flag."""
    low, high = wilson_interval(matches, postings)
    share = matches / postings if postings else 0.0
    return TrendRow(  # min/max: rounding must never put the share outside its own interval
        period=period_label(start, query.by), start=start, series=series, postings=postings, matches=matches,
        share=share, ci_low=min(low, share), ci_high=max(high, share),
        per_10k_words=10000.0 * mentions / words if words else 0.0,
        low_count=postings < query.min_postings, group=group)


def trend_rows(con: duckdb.DuckDBPyConnection, query: TrendQuery) -> list[TrendRow]:
    """Every (period, series[, group]) with postings, including series with no match in a period."""
    sql, params = _counts_sql(query)
    rows = con.execute(sql, params).fetchall()
    return [trend_row(_as_date(start), series, postings, matches, mentions, words, query, group)
            for start, group, series, postings, matches, mentions, words in rows]


def series_names(con: duckdb.DuckDBPyConnection, analysis_key: str, terms: bool) -> list[str]:
    """The categories (or terms) of the lexicon behind an analysis key, in lexicon order."""
    column = "term" if terms else "category"
    rows = con.execute(f"""
        SELECT {column} FROM analysis_terms t JOIN analysis_runs r USING (lexicon_version)
        WHERE r.analysis_key = ? GROUP BY ALL ORDER BY min(position)""", [analysis_key]).fetchall()
    return [r[0] for r in rows]


def _counts_sql(query: TrendQuery) -> tuple[str, dict[str, object]]:
    date_col = f"p.{DATE_BASES[query.date_basis]}"
    filters, params = _filters(query)
    counts, name = ("term_counts", "term") if query.terms else ("category_counts", "category")
    group = "if(p.source = 'hn', 'hn', 'boards')" if query.group else "''"
    sql = f"""
        WITH base AS (
            SELECT a.posting_id, a.words, date_trunc('{query.by}', {date_col})::DATE AS start, {group} AS grp
            FROM posting_analysis a JOIN postings p USING (posting_id)
            WHERE a.analysis_key = $key AND {date_col} BETWEEN $earliest AND $latest {filters}),
        periods AS (SELECT start, grp, count(*) AS postings, sum(words) AS words FROM base GROUP BY ALL),
        names AS (SELECT {name} AS series, min(position) AS position FROM analysis_terms t
                  JOIN analysis_runs r USING (lexicon_version) WHERE r.analysis_key = $key GROUP BY ALL),
        hits AS (SELECT b.start, b.grp, c.{name} AS series, count(*) FILTER (c.mentions > 0) AS matches,
                        sum(c.mentions) AS mentions
                 FROM base b JOIN {counts} c ON c.analysis_key = $key AND c.posting_id = b.posting_id
                 GROUP BY ALL)
        SELECT p.start, p.grp, n.series, p.postings, coalesce(h.matches, 0), coalesce(h.mentions, 0), p.words
        FROM periods p CROSS JOIN names n
        LEFT JOIN hits h ON h.start = p.start AND h.grp = p.grp AND h.series = n.series
        ORDER BY p.start, p.grp, n.position"""
    # Dates outside the plausible window count as unknown, as the store makes them on load (a file loaded
    # before it did may hold 0001-01-01 or 9999-12-31).
    return sql, {"key": query.analysis_key, "earliest": EARLIEST_POSTED, "latest": latest_plausible(), **params}


def _filters(query: TrendQuery) -> tuple[str, dict[str, object]]:
    date_col = f"p.{DATE_BASES[query.date_basis]}"
    clauses: list[str] = []
    params: dict[str, object] = {}
    if query.source:
        clauses.append("p.source = $source")
        params["source"] = query.source
    if query.company:
        clauses.append("lower(p.company) = lower($company)")
        params["company"] = query.company
    if query.since:
        clauses.append(f"{date_col} >= $since")
        params["since"] = datetime.combine(query.since, datetime.min.time())
    if query.until:
        clauses.append(f"{date_col} < $until + INTERVAL 1 DAY")
        params["until"] = datetime.combine(query.until, datetime.min.time())
    return "".join(f" AND {c}" for c in clauses), params


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def data_range(rows: Sequence[TrendRow]) -> tuple[date | None, date | None]:
    """First and last period start of a series list (None when empty)."""
    starts = [r.start for r in rows]
    return (min(starts), max(starts)) if starts else (None, None)
