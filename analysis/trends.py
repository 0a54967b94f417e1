"""Trends: per period and series, the share of postings that mention it (with a Wilson 95% interval)
and mentions per 10,000 words — computed in SQL from the stored counts, finished by pure functions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

import duckdb

from analysis.series import DATE_BASES, TrendRow, wilson_interval
from scraper.errors import ConfigError
from scraper.sources import SOURCES
from scraper.sql import sql_string, temp_tables
from scraper.store import EARLIEST_POSTED, latest_plausible

PERIODS = ("month", "quarter", "year")
MIN_POSTINGS = 30
# --adjust: whose mix is held fixed. A posting without a company stands for its board.
MIX_UNITS = {"company": "coalesce(nullif(lower(trim(p.company)), ''), p.source || ':' || p.board)",
             "source": "p.source"}
# --dedupe: a repost (the same text, ignoring case and spacing) is counted once per period, or once
# overall (in the period it first appeared), or every time.
DEDUPE = ("none", "period", "all")


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
    group: bool = False  # split by source family (family_sql): hn, boards, each import by its name
    panel: bool = False  # only companies with postings in every period of the range
    adjust: str | None = None  # hold the mix of companies (or sources) fixed: see MIX_UNITS
    dedupe: str = "none"  # see DEDUPE

    def __post_init__(self) -> None:
        if self.by not in PERIODS:
            raise ConfigError(f"--by must be one of {', '.join(PERIODS)}")
        if self.date_basis not in DATE_BASES:
            raise ConfigError(f"--date must be one of {', '.join(DATE_BASES)}")
        if self.adjust is not None and self.adjust not in MIX_UNITS:
            raise ConfigError(f"--adjust must be one of {', '.join(MIX_UNITS)}")
        if self.dedupe not in DEDUPE:
            raise ConfigError(f"--dedupe must be one of {', '.join(DEDUPE)}")
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since {self.since} is after --until {self.until}: no period fits")


def family_sql(column: str = "p.source") -> str:
    """SQL for a posting's source family: 'hn', 'boards' for any scraped source, else the source's own name
    (an import is a population of its own, not "boards")."""
    scraped = ", ".join(sql_string(name) for name in sorted(SOURCES) if name != "hn")
    return f"CASE WHEN {column} = 'hn' THEN 'hn' WHEN {column} IN ({scraped}) THEN 'boards' ELSE {column} END"


def period_label(start: date, by: str) -> str:
    """`2024-03`, `2024-Q1` or `2024` for the period starting on `start`."""
    if by == "month":
        return f"{start.year}-{start.month:02d}"
    if by == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def trend_row(start: date, series: str, postings: int, matches: int, mentions: int, words: int,
              query: TrendQuery, group: str = "", mix: MixCounts | None = None) -> TrendRow:
    """One row from counts: share, interval, rate per 10,000 words and the low-count flag.

    With a fixed mix (`query.adjust`), the share is the reweighted one and its interval is a Wilson
    interval on the reweighting's effective sample size (Kish: n_eff = (sum w)^2 / sum(w^2 / n)), so
    a period carried by a few small units is as uncertain as those units are.
    """
    share = matches / postings if postings else 0.0
    low, high = wilson_interval(matches, postings)
    extra: dict[str, object] = {}
    if mix is not None:
        extra = {"companies": mix.companies, "sources": mix.sources}
        if query.adjust and mix.weight > 0:
            n_eff = mix.weight ** 2 / mix.weighted_variance if mix.weighted_variance > 0 else float(postings)
            raw, share = share, mix.weighted_share / mix.weight
            low, high = wilson_interval(share * n_eff, n_eff)
            extra.update(raw_share=raw, mix_coverage=min(mix.weight, 1.0))
    return TrendRow(  # min/max: rounding must never put the share outside its own interval
        period=period_label(start, query.by), start=start, series=series, postings=postings, matches=matches,
        share=share, ci_low=min(low, share), ci_high=max(high, share),
        per_10k_words=10000.0 * mentions / words if words else 0.0,
        low_count=postings < query.min_postings, group=group, **extra)  # type: ignore[arg-type]


@dataclass(frozen=True)
class MixCounts:
    """Who stands behind one period's row: distinct companies and sources, and (with a fixed mix) the sums
    over present units u of w_u * share_u, of w_u, and of w_u^2 / postings_u (w: the unit's pooled weight)."""

    companies: int
    sources: int
    weighted_share: float = 0.0
    weight: float = 0.0
    weighted_variance: float = 0.0


def trend_rows(con: duckdb.DuckDBPyConnection, query: TrendQuery, base: str | None = None) -> list[TrendRow]:
    """Every (period, series[, group]) with postings, including series with no match in a period. `base`: a
    table `base_table` made for this query's filters (see `trend_series`), read instead of joining again."""
    sql, params = _counts_sql(query, base)
    rows = con.execute(sql, params).fetchall()
    return [trend_row(_as_date(start), series, postings, matches, mentions, words, query, group,
                      MixCounts(companies, sources, wshare or 0.0, weight or 0.0, wvar or 0.0))
            for start, group, series, postings, matches, mentions, words, companies, sources, wshare, weight, wvar
            in rows]


def trend_series(con: duckdb.DuckDBPyConnection, query: TrendQuery) -> dict[str, list[TrendRow]]:
    """Categories ("share"), terms ("terms") and categories split by source family ("groups") for one query's
    filters: the postings counted, with their periods and families, are joined and dated once for all three
    (the join is most of a trend query's time)."""
    counted = dict(each_trend_series(con, query))
    return {kind: counted[kind] for kind in ("share", "terms", "groups")}


def each_trend_series(con: duckdb.DuckDBPyConnection, query: TrendQuery) -> Iterator[tuple[str, list[TrendRow]]]:
    """`trend_series` one at a time, (kind, rows) as soon as each is counted: terms, share, groups."""
    grouped = replace(query, group=True)
    sql, params = _base_sql(grouped)
    with temp_tables(con, "trend_base"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE trend_base AS {sql}", params)
        yield "terms", trend_rows(con, replace(query, terms=True), "trend_base")
        yield "share", trend_rows(con, query, "trend_base")
        yield "groups", trend_rows(con, grouped, "trend_base")


def _base_sql(query: TrendQuery) -> tuple[str, dict[str, object]]:
    """The postings a query counts (before --dedupe and --panel), with their period start, group, company,
    source and mix unit."""
    date_col = date_column(query)
    # Dates outside the plausible window count as unknown, as the store makes them on load (a file loaded
    # before it did may hold 0001-01-01 or 9999-12-31).
    filters, params = posting_filters(query)
    group = family_sql() if query.group else "''"
    unit = MIX_UNITS[query.adjust] if query.adjust else "''"
    return f"""
            SELECT a.posting_id, a.words, date_trunc('{query.by}', {date_col})::DATE AS start, {group} AS grp,
                   {MIX_UNITS['company']} AS company, p.source, {unit} AS unit, p.words AS text_words
            FROM posting_analysis a JOIN postings p USING (posting_id)
            WHERE a.analysis_key = $key {filters}""", {"key": query.analysis_key, **params}


def series_names(con: duckdb.DuckDBPyConnection, analysis_key: str, terms: bool) -> list[str]:
    """The categories (or terms) of the lexicon behind an analysis key, in lexicon order."""
    column = "term" if terms else "category"
    rows = con.execute(f"""
        SELECT {column} FROM analysis_terms t JOIN analysis_runs r USING (lexicon_version)
        WHERE r.analysis_key = ? GROUP BY ALL ORDER BY min(position)""", [analysis_key]).fetchall()
    return [r[0] for r in rows]


def _counts_sql(query: TrendQuery, base: str | None = None) -> tuple[str, dict[str, object]]:
    """Counts per period, series and mix unit, summed per period; the fixed-mix sums ride along. `base`: a
    table holding the `base` rows of this query made with group=True (its `grp`, blanked when not grouping)."""
    counts, name = ("term_counts", "term") if query.terms else ("category_counts", "category")
    base_sql, params = _base_sql(query)
    if base:
        base_sql = f"SELECT * FROM {base}" if query.group else f"SELECT * REPLACE ('' AS grp) FROM {base}"
        params = {"key": query.analysis_key}
    sql = f"""
        WITH base AS ({base_sql}),
        kept AS ({_kept_sql(query)}),
        cells AS (SELECT start, grp, unit, count(*) AS postings, sum(words) AS words FROM kept GROUP BY ALL),
        weights AS (SELECT grp, unit, sum(postings) / sum(sum(postings)) OVER (PARTITION BY grp) AS w
                    FROM cells GROUP BY grp, unit),
        periods AS (SELECT start, grp, count(*) AS postings, sum(words) AS words,
                           count(DISTINCT company) AS companies, count(DISTINCT source) AS sources
                    FROM kept GROUP BY ALL),
        names AS (SELECT {name} AS series, min(position) AS position FROM analysis_terms t
                  JOIN analysis_runs r USING (lexicon_version) WHERE r.analysis_key = $key GROUP BY ALL),
        hits AS (SELECT k.start, k.grp, k.unit, c.{name} AS series, count(*) FILTER (c.mentions > 0) AS matches,
                        sum(c.mentions) AS mentions
                 FROM kept k JOIN {counts} c ON c.analysis_key = $key AND c.posting_id = k.posting_id
                 GROUP BY ALL),
        mixed AS (SELECT c.start, c.grp, n.series, sum(coalesce(h.matches, 0)) AS matches,
                         sum(coalesce(h.mentions, 0)) AS mentions,
                         sum(w.w * coalesce(h.matches, 0) / c.postings) AS wshare, sum(w.w) AS weight,
                         sum(w.w * w.w / c.postings) AS wvar
                  FROM cells c JOIN weights w USING (grp, unit) CROSS JOIN names n
                  LEFT JOIN hits h ON h.start = c.start AND h.grp = c.grp AND h.unit = c.unit AND h.series = n.series
                  GROUP BY ALL)
        SELECT p.start, p.grp, n.series, p.postings, coalesce(m.matches, 0), coalesce(m.mentions, 0), p.words,
               p.companies, p.sources, m.wshare, m.weight, m.wvar
        FROM periods p CROSS JOIN names n
        LEFT JOIN mixed m ON m.start = p.start AND m.grp = p.grp AND m.series = n.series
        ORDER BY p.start, p.grp, n.position"""
    return sql, params


# A repost has the same words as another posting of its company: only such postings' texts are read and
# hashed (case-folded, without spaces, tabs and line breaks); any other posting is its own key.
TEXT_KEYS = """
    SELECT b.*, coalesce(k.text_key, hash(b.posting_id)) AS text_key FROM base b LEFT JOIN (
        SELECT c.posting_id, hash(replace(replace(replace(replace(lower(p.text), ' ', ''), chr(10), ''),
                                                  chr(9), ''), chr(13), '')) AS text_key
        FROM (SELECT posting_id FROM base QUALIFY count(*) OVER (PARTITION BY company, text_words) > 1) c
        JOIN postings p USING (posting_id)) k USING (posting_id)"""


def _kept_sql(query: TrendQuery) -> str:
    """The postings counted: reposts dropped (--dedupe), then only panel companies (--panel)."""
    sql = "SELECT * FROM base"
    if query.dedupe == "period":
        sql = f"SELECT * FROM ({TEXT_KEYS}) QUALIFY row_number() OVER (PARTITION BY start, grp, text_key ORDER BY posting_id) = 1"
    elif query.dedupe == "all":
        sql = f"SELECT * FROM ({TEXT_KEYS}) QUALIFY row_number() OVER (PARTITION BY text_key ORDER BY start, posting_id) = 1"
    if query.panel:
        sql = f"""WITH deduped AS ({sql})
            SELECT * FROM deduped WHERE company IN (
                SELECT company FROM deduped GROUP BY ALL
                HAVING count(DISTINCT start) = (SELECT count(DISTINCT start) FROM deduped))"""
    return sql


def date_column(query: TrendQuery) -> str:
    """The postings column (aliased `p`) that dates a posting for this query."""
    return f"p.{DATE_BASES[query.date_basis]}"


def posting_filters(query: TrendQuery) -> tuple[str, dict[str, object]]:
    """` AND …` clauses on postings `p`: a plausible date (stored dates outside the window count nowhere),
    then the query's source, company and date range; every user value is a parameter."""
    date_col = date_column(query)
    clauses = [f"{date_col} BETWEEN $earliest AND $latest"]
    params: dict[str, object] = {"earliest": EARLIEST_POSTED, "latest": latest_plausible()}
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


class _Dated(Protocol):
    @property
    def start(self) -> date: ...


def data_range(rows: Sequence[_Dated]) -> tuple[date | None, date | None]:
    """First and last period start of trend or coverage rows (None when empty)."""
    starts = [r.start for r in rows]
    return (min(starts), max(starts)) if starts else (None, None)
