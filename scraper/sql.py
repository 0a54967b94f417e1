"""SQL text helpers shared by the modules that build statements."""

from __future__ import annotations


def sql_string(value: str) -> str:
    """A SQL string literal (for the few places DuckDB takes no parameter, such as ATTACH and COPY paths)."""
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
