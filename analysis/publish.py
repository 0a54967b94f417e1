"""Putting the analysis out: bring it up to date, compute the trend series and what the report shows beside
them (coverage, precision, matches in context, wording changes), draw the charts and write the report into a
folder — or stage trend rows as a DuckDB table for `export` and the Python API."""

from __future__ import annotations

import gc
import importlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from analysis.changes import change_summary, changes
from analysis.coverage import CoverageRow, coverage_marks, coverage_rows
from analysis.kwic import sample_in_context
from analysis.labels import known_labels
from analysis.lexicon import Lexicon, load_lexicon
from analysis.pipeline import AnalysisStats, LexiconUse, analyse, lexicon_uses
from analysis.precision import corrected_rows, precision_table
from analysis.report import write_report
from analysis.report_sections import ReportData
from analysis.series import CSV_COLUMNS, ChartMeta, TrendRow
from analysis.trends import MIN_POSTINGS, TrendQuery, data_range, each_trend_series
from scraper import store
from scraper.config import Config
from scraper.errors import ConfigError
from scraper.sql import sql_identifier

DEFAULT_OUT = Path("reports")  # where `jobtone run` and `jobtone chart` write
SERIES_KINDS = ("terms", "share", "groups")  # as each_trend_series counts them
CHART_ORDER = ("coverage", "share", "terms", "groups")  # as the report lists them
SAMPLES_PER_TERM = 3  # matches in context per term in the report: a few postings each, never a scan per term
log = logging.getLogger("jobtone")
# Something to do while the analysis runs on a connection (the CLI: draw how far DuckDB is).
Watch = Callable[[duckdb.DuckDBPyConnection], AbstractContextManager[object]]
T = TypeVar("T")
LexiconSpec = Lexicon | str | Path | None  # a loaded lexicon, a built-in pack's name or a TOML file; None: default
# Trend rows as a table: the CSV columns plus the period's first day, the chart group and the low-count flag.
TREND_TABLE_COLUMNS = ("period", "start", "series", "group", *CSV_COLUMNS[2:], "low_count")
_COLUMN_TYPES = {"postings": "BIGINT", "matches": "BIGINT", "share": "DOUBLE", "ci_low": "DOUBLE",
                 "ci_high": "DOUBLE", "per_10k_words": "DOUBLE", "start": "DATE", "low_count": "BOOLEAN"}


def as_lexicon(spec: LexiconSpec) -> Lexicon:
    """A Lexicon as is; anything else through `load_lexicon` (a pack name, a file, None for the default)."""
    return spec if isinstance(spec, Lexicon) else load_lexicon(spec)


@contextmanager
def analysed(config: Config, lexicon: Lexicon, include_boilerplate: bool = False, *, now: datetime,
             watch: Watch = nullcontext) -> Iterator[tuple[duckdb.DuckDBPyConnection, AnalysisStats]]:
    """Open the database for writing, bring the analysis up to date (`watch`ing the connection meanwhile: the
    CLI draws how far DuckDB is), and yield (connection, stats)."""
    if not config.db_path.exists():
        raise ConfigError(f"no database at {config.db_path} yet: run `jobtone scrape` or `jobtone import` first")
    with store.opened(config.db_path, wait=config.lock_wait) as con:
        with watch(con):
            stats = analyse(con, lexicon, include_boilerplate, now=now)
        yield con, stats


def analyse_and_report(config: Config, lexicon: LexiconSpec, include_boilerplate: bool, out_dir: Path, *,
                       now: datetime, by: str = "month", smooth: int = 1, date_basis: str = "posted",
                       min_postings: int = MIN_POSTINGS, corrected: bool | None = None,
                       watch: Watch = nullcontext) -> list[Path]:
    """Analyse what is new, then write the charts and index.html into `out_dir`; returns the files written.

    `corrected`: draw shares corrected for precision — None: when labels exist for the lexicon; True: asked
    for (a warning when there are no labels); False: never. The report shows precision whenever it is known."""
    # matplotlib takes ~0.5 s to import: it is imported while DuckDB counts (a query releases the GIL), once the
    # analysis is up to date (imported beside it, it held up the analysis' many short statements). The
    # series are counted on one thread while the report's own queries run on a cursor of their own on another
    # (DuckDB on both cores), and the coverage chart, which needs no series, is drawn meanwhile. Each series'
    # chart is drawn as soon as it is counted, while the next is. The report's matches in context wait for the
    # series: counted beside them they slowed the series the charts wait for, and after, they use the core the
    # drawing (one thread) leaves idle.
    lexicon = as_lexicon(lexicon)
    counted: dict[str, Future[list[TrendRow]]] = {kind: Future() for kind in SERIES_KINDS}
    # (The pools are left first, waiting for their queries, and the cursor closed after them.)
    with analysed(config, lexicon, include_boilerplate, now=now, watch=watch) as (con, stats), con.cursor() as cursor, \
            ThreadPoolExecutor(max_workers=1) as reporting, ThreadPoolExecutor(max_workers=1) as counting:
        query = TrendQuery(stats.analysis_key, by, date_basis=date_basis, min_postings=min_postings)
        charts_imported = threading.Thread(target=importlib.import_module, args=("analysis.charts",), daemon=True)
        charts_imported.start()
        all_counted = counting.submit(_count_each, con, query, counted)
        reported = reporting.submit(report_data, cursor, lexicon, query, include_boilerplate, corrected is not False)
        samples = reporting.submit(_after, all_counted, sample_in_context, cursor, lexicon, query.analysis_key,
                                   include_boilerplate, SAMPLES_PER_TERM)
        data = reported.result()
        if corrected and not data.precision:
            log.warning("no labels for lexicon %s %s: shares are not corrected (label matches with `jobtone label "
                        "TERM`)", lexicon.name, lexicon.version)
        meta = replace(chart_meta(lexicon, data.coverage, date_basis, include_boilerplate, now),
                       marks=tuple((m.start, m.what) for m in data.marks),
                       family_marks=tuple((m.family, m.start, m.what) for m in data.family_marks),
                       lexicon_since=first_used(data.lexicon_uses, lexicon))
        charts_imported.join()
        from analysis.charts import write_charts

        with _frozen_heap():
            charts = {"coverage": write_charts({"coverage": data.coverage}, meta, out_dir)}
            rows_by_kind: dict[str, list[TrendRow]] = {}
            drawn: dict[str, list[TrendRow]] = {}
            for kind in SERIES_KINDS:  # in the order they are counted
                rows_by_kind[kind] = counted[kind].result()
                drawn[kind] = drawn_rows(kind, rows_by_kind, data, lexicon)
                charts[kind] = write_charts({kind: drawn[kind]}, meta, out_dir, smooth=smooth)
        all_counted.result()
        data = replace(data, samples=samples.result())
    paths = [path for kind in CHART_ORDER for path in charts[kind]]
    report = write_report(out_dir, paths, drawn["share"], lexicon.terms, meta, data)
    return [*paths, report]


def _count_each(con: duckdb.DuckDBPyConnection, query: TrendQuery, counted: Mapping[str, Future[list[TrendRow]]]
                ) -> None:
    """Count the chart series, each future done as soon as its series is (all failed by an error)."""
    try:
        for kind, rows in each_trend_series(con, query):
            counted[kind].set_result(rows)
    except BaseException as exc:
        for future in counted.values():
            if not future.done():
                future.set_exception(exc)
        raise


def _after(first: Future[Any], run: Callable[..., T], *args: Any) -> T:
    """`run(*args)` once `first` is done (its error, if any, is raised where its result is read)."""
    wait([first])
    return run(*args)


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """While charts are drawn, a full garbage collection looks only at objects made since (the figures), not
    at matplotlib's modules and everything else already there: one took 0.17 s of a 1M chart (load 5)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def report_data(con: duckdb.DuckDBPyConnection, lexicon: Lexicon, query: TrendQuery, include_boilerplate: bool,
                corrected: bool = True) -> ReportData:
    """What the report shows beside the trend series, but for the matches in context (`sample_in_context`);
    `corrected`: correct the charts when labels allow."""
    table = precision_table(known_labels(con, lexicon), lexicon)
    measured = table if any(p.precision is not None for p in table) else []
    found = changes(con, lexicon)
    return ReportData(
        coverage=coverage_rows(con, query), marks=coverage_marks(con, query),
        family_marks=coverage_marks(con, query, by_family=True), lexicon_uses=lexicon_uses(con),
        precision=measured, corrected=corrected and bool(measured),
        changes=found, change_summary=change_summary(found, lexicon, query.by))


def drawn_rows(kind: str, rows_by_kind: Mapping[str, list[TrendRow]], data: ReportData, lexicon: Lexicon
               ) -> list[TrendRow]:
    """A series as its chart draws it: categories and terms with their corrected shares when `data.corrected`
    (a category's needs the term rows), the split by source as it is."""
    rows = rows_by_kind[kind]
    if not data.corrected or kind == "groups":
        return rows
    terms = (rows_by_kind["terms"],) if kind == "share" else ()
    return corrected_rows(rows, list(data.precision), lexicon, *terms)


def first_used(uses: Sequence[LexiconUse], lexicon: Lexicon) -> datetime | None:
    """When this lexicon version first counted anything in the database."""
    return next((u.first_used_at for u in uses if u.version == lexicon.version), None)


def chart_meta(lexicon: Lexicon, rows: Sequence[TrendRow | CoverageRow], date_basis: str, include_boilerplate: bool,
               now: datetime) -> ChartMeta:
    """What the charts and report state about their data: lexicon, date range and basis, boilerplate. The range
    is that of `rows`' periods: what is in the data (coverage rows), or the periods of a trend series (every
    analysed posting is in one)."""
    start, end = data_range(rows)
    return ChartMeta(lexicon.name, lexicon.version, start, end, date_basis, include_boilerplate, now,
                     tuple((t.name, t.category) for t in lexicon.terms))


def stage_trends(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[TrendRow]) -> None:
    """Trend rows as a temporary table `name` with TREND_TABLE_COLUMNS (for COPY, or to query)."""
    columns = {c: _COLUMN_TYPES.get(c, "VARCHAR") for c in TREND_TABLE_COLUMNS}
    stage_rows(con, name, columns, [[r.period, r.start, r.series, r.group, *r.csv_values()[2:], r.low_count]
                                    for r in rows])


def stage_rows(con: duckdb.DuckDBPyConnection, name: str, columns: Mapping[str, str],
               rows: Sequence[Sequence[object]]) -> None:
    """Rows as a temporary table `name` with `columns` (name -> SQL type), inserted in one statement."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {sql_identifier(name)} ("
                + ", ".join(f"{sql_identifier(c)} {kind}" for c, kind in columns.items()) + ")")
    if rows:  # one statement over column lists: executemany inserts ~1,000 rows/s, this ~50x faster
        unnested = ", ".join(f"unnest(${i})" for i in range(1, len(columns) + 1))
        con.execute(f"INSERT INTO {sql_identifier(name)} SELECT {unnested}", [list(column) for column in zip(*rows)])
