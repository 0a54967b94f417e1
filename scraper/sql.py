"""SQL text helpers shared by the modules that build statements, and temp tables owned by a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


def sql_string(value: str) -> str:
    """A SQL string literal (for the few places DuckDB takes no parameter, such as ATTACH and COPY paths)."""
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def temp_tables(con: duckdb.DuckDBPyConnection, *names: str) -> Iterator[None]:
    """Drop the temp tables `names` (a name ending in " view": a view) when the block ends: whoever
    creates one drops it.

    After an error inside a transaction DuckDB refuses every statement until the rollback, which drops
    temp tables created in it anyway: a failed drop then is not reported over the error that caused it."""
    try:
        yield
    except BaseException:
        _drop(con, names, quietly=True)
        raise
    _drop(con, names, quietly=False)


def _drop(con: duckdb.DuckDBPyConnection, names: tuple[str, ...], quietly: bool) -> None:
    for name in names:
        kind = "VIEW" if name.endswith(" view") else "TABLE"
        try:
            con.execute(f"DROP {kind} IF EXISTS {name.removesuffix(' view')}")
        except duckdb.Error:
            if not quietly:
                raise
