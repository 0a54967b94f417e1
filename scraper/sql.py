"""SQL text helpers shared by the modules that build statements; temp tables and transactions owned by a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from scraper.errors import StorageError

# What DuckDB raises when the file system fails it (disk full, read-only, permission, temp space capped).
STORAGE_FAILURES = (duckdb.IOException, duckdb.FatalException, duckdb.PermissionException,
                    duckdb.OutOfMemoryException)


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


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction, committed when the block ends and rolled back on error. A storage failure becomes
    StorageError naming the file (DuckDB may have ended the transaction itself: no "cannot rollback")."""
    path = database_path(con)  # asked first: after a fatal error the connection answers nothing
    con.begin()
    try:
        yield
        con.commit()
    except BaseException as exc:
        try:
            con.rollback()
        except duckdb.Error:
            pass  # already rolled back (or the database was invalidated): the cause is `exc`
        raise_storage_error(path, exc)
        raise


def storage_failure(exc: BaseException) -> bool:
    """Whether DuckDB raised `exc` because the file system failed it (a commit that could not be written
    is a TransactionException: a statement outside an explicit transaction commits on its own)."""
    return isinstance(exc, STORAGE_FAILURES) or (isinstance(exc, duckdb.TransactionException)
                                                 and "Failed to commit" in str(exc))


def raise_storage_error(path: str, exc: BaseException) -> None:
    """Raise StorageError naming `path` (from `exc`) when `exc` is the file system failing DuckDB."""
    if storage_failure(exc):
        raise StorageError(path, str(exc).splitlines()[0]) from exc


def database_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file behind a connection, for messages; "the database" when it cannot be asked any more."""
    try:
        rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
        return str(rows[0][0]) if rows and rows[0][0] else "the database"
    except duckdb.Error:
        return "the database"
