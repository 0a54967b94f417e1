"""The Python API for notebooks and scripts: `jobtone.open()` (documented in the README, "Python API").

    with jobtone.open() as db:
        shares = db.trends(by="year").df()

Each method returns a DuckDB relation over a copy of its result held in memory, so `.df()`, `.pl()`,
`.arrow()` and `.fetchall()` work (with pandas, polars or pyarrow installed as needed), inside the block and
after it. The database file itself is opened only while a method reads it and never after the block: a
scheduled scrape can write between two calls, and always once the block has ended.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb

from analysis.kwic import kwic as kwic_lines
from analysis.publish import LexiconSpec, analysed, as_lexicon, stage_rows, stage_trends
from analysis.series import CSV_COLUMNS
from analysis.trends import MIN_POSTINGS, TrendQuery, trend_rows
from scraper import store
from scraper.config import Config, load_config
from scraper.dates import utcnow
from scraper.errors import DatabaseLocked, JobtoneError
from scraper.sql import sql_identifier, sql_string

_TREND_COLUMNS = (*CSV_COLUMNS, "start", "low_count")  # `jobtone trends --format csv`'s, then two more
_KWIC_COLUMNS = {"posted": "DATE", "company": "VARCHAR", "left": "VARCHAR", "match": "VARCHAR",
                 "right": "VARCHAR", "status": "VARCHAR"}
_STORE = "jobtone_store"  # the database file's name while attached to the results connection


@contextmanager
def open(path: str | Path | None = None, config: str | Path | Config | None = None) -> Iterator[Database]:
    """The jobtone database for the `with` block. `path`: the DuckDB file (default: the configuration's);
    `config`: a configuration file or a Config (default: ./jobtone.toml, else the built-in default)."""
    settings = config if isinstance(config, Config) else load_config(Path(config) if config else None)
    if path is not None:
        settings = replace(settings, db_path=Path(path))
    if not settings.db_path.exists():
        raise JobtoneError(f"no database at {settings.db_path} yet: run `jobtone run` (or `jobtone import`) first")
    db = Database(settings)
    try:
        yield db
    finally:
        db._closed = True


class Database:
    """What `jobtone.open()` yields: trends, keyword in context, postings and read-only SQL, as DuckDB relations."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._results = duckdb.connect()  # in memory: results outlive the block, the file is not held
        self._names = itertools.count(1)
        self._closed = False

    def trends(self, by: str = "month", terms: bool = False, lexicon: LexiconSpec = "default", *,
               source: str | None = None, company: str | None = None, since: date | str | None = None,
               until: date | str | None = None, date_basis: str = "posted", min_postings: int = MIN_POSTINGS,
               include_boilerplate: bool = False) -> duckdb.DuckDBPyRelation:
        """`jobtone trends`: per period and category (or term, with terms=True) the postings, matches, share with
        its 95% interval and mentions per 10,000 words; then the period's first day and the low-count flag."""
        self._check_open()
        chosen = as_lexicon(lexicon)
        with analysed(self._config, chosen, include_boilerplate, now=utcnow()) as (con, stats):
            rows = trend_rows(con, TrendQuery(stats.analysis_key, by, terms, source, company, _day(since),
                                              _day(until), date_basis, min_postings))
        name = self._name("trends")
        stage_trends(self._results, name, rows)
        return self._results.sql(f"SELECT {', '.join(map(sql_identifier, _TREND_COLUMNS))} FROM {name}")

    def kwic(self, term: str, limit: int = 50, lexicon: LexiconSpec = "default", *, since: date | str | None = None,
             show_excluded: bool = False, include_boilerplate: bool = False) -> duckdb.DuckDBPyRelation:
        """`jobtone kwic`: up to `limit` matches of `term` with the text around them, newest postings first."""
        self._check_open()
        chosen = as_lexicon(lexicon)
        with analysed(self._config, chosen, include_boilerplate, now=utcnow()) as (con, stats):
            lines = kwic_lines(con, chosen, stats.analysis_key, include_boilerplate, term, limit, _day(since),
                               show_excluded)
        name = self._name("kwic")
        stage_rows(self._results, name, _KWIC_COLUMNS,
                   [[line.posted, line.company, line.left, line.match, line.right, line.status] for line in lines])
        return self._results.table(name)

    def postings(self) -> duckdb.DuckDBPyRelation:
        """Every stored posting (the `postings` table; the README lists its columns)."""
        return self.sql("SELECT * FROM postings")

    def sql(self, query: str, params: object = None) -> duckdb.DuckDBPyRelation:
        """A read-only query (as `jobtone sql`) with optional parameters (`?` or `$name`), its rows copied
        into memory."""
        self._check_open()
        name = self._name("result")
        with self._attached():
            relation = self._results.sql(query, params=params)
            if relation is None:
                raise JobtoneError(f"not a query (it returns no rows): {query[:80]!r}")
            relation.to_table(f"memory.main.{name}")
        return self._results.table(name)

    @contextmanager
    def _attached(self) -> Iterator[None]:
        """The database file attached read-only as the default catalog, for as long as one copy takes."""
        deadline, delay = time.monotonic() + self._config.lock_wait, 0.1
        while True:
            try:
                self._results.execute(f"ATTACH {sql_string(str(self._config.db_path))} AS {_STORE} (READ_ONLY)")
                break
            except duckdb.IOException as exc:  # a writer holds the file: wait for it as `jobtone sql` does
                holder = store.lock_holder(str(exc))
                if holder is None:
                    raise JobtoneError(f"cannot open database {self._config.db_path}: {exc}") from exc
                if time.monotonic() + delay > deadline:
                    raise DatabaseLocked(str(self._config.db_path), holder) from exc
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        try:
            self._results.execute(f"USE {_STORE}")
            yield
        finally:
            self._results.execute(f"USE memory; DETACH {_STORE}")

    def _name(self, kind: str) -> str:
        return f"{kind}_{next(self._names)}"

    def _check_open(self) -> None:
        if self._closed:
            raise JobtoneError("the database was closed with its `with` block: open it again with jobtone.open()")


def _day(value: date | str | None) -> date | None:
    """A date, or an ISO date string (YYYY-MM-DD), or None."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    return date.fromisoformat(value)
