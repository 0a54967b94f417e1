"""Rows to stdout as an aligned table, CSV or JSON (a list of objects) — output that pipes.

`write_batches` writes rows as they come (a query's result fetched in chunks), so a result of millions of
rows never sits in memory; `write_rows` is the one-batch case. JSON is always valid JSON: NaN and
±Infinity, which JSON has no words for, are written as null."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from scraper.text import printable

FORMATS = ("table", "csv", "json")
MAX_WIDTH = 60  # a table cell's widest; longer text is cut with …


def write_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, out: TextIO) -> None:
    write_batches(columns, [rows], fmt, out)


def write_batches(columns: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], fmt: str, out: TextIO) -> None:
    """Write the rows of each batch as it arrives. A table's column widths and alignment come from the
    first non-empty batch (later, wider cells stretch their line rather than holding every row back)."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for rows in batches:
            writer.writerows([[_plain(v) for v in row] for row in rows])
    elif fmt == "json":
        _write_json(columns, batches, out)
    else:
        _write_table(columns, batches, out)


def write_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO, max_width: int = MAX_WIDTH) -> None:
    _write_table(columns, [rows], out, max_width)


def _write_json(columns: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], out: TextIO) -> None:
    """The same text as `json.dump(list_of_objects, indent=1)`, one object at a time."""
    first = True
    out.write("[")
    for rows in batches:
        for row in rows:
            text = json.dumps(dict(zip(columns, (json_value(v) for v in row), strict=True)), ensure_ascii=False, indent=1,
                              allow_nan=False)
            out.write(("\n " if first else ",\n ") + text.replace("\n", "\n "))
            first = False
    out.write("]\n" if first else "\n]\n")


def _write_table(columns: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], out: TextIO,
                 max_width: int = MAX_WIDTH) -> None:
    widths: list[int] | None = None
    numeric: list[bool] = []

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths or [], numeric, strict=False)).rstrip()

    for rows in batches:
        if not rows and widths is not None:
            continue
        cells = [[_cell(v, max_width) for v in row] for row in rows]
        if widths is None:
            widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
            numeric = [bool(rows) and all(isinstance(row[i], (int, float, Decimal)) or row[i] is None for row in rows)
                       for i in range(len(columns))]
            out.write(line(list(columns)) + "\n")
            out.write("  ".join("-" * w for w in widths) + "\n")
        for row in cells:
            out.write(line(row) + "\n")
    if widths is None:  # no batch at all
        _write_table(columns, [[]], out, max_width)


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
    text = printable(text.replace("\n", " ").replace("\t", " "))
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def _plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def json_value(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, decimals as numbers, bytes as hex, NaN/±inf as null."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)
