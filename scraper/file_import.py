"""Import postings from CSV, JSON Lines or Parquet: read by DuckDB, validated and merged in SQL.

The good path never moves rows through Python: DuckDB reads the file, checks every row, computes
ids and content hashes (POSTING_ID_SQL, CONTENT_HASH_SQL) and `scraper.store.merge_incoming` merges
the result, so re-importing a file changes nothing. Text is normalised the way the scrapers do it
(scraper.text.normalize) by its SQL twin, scraper.text_sql: DuckDB does the whitespace, and only the
few texts that NFKC or the mojibake repair would change go through those two steps in Python.
`--html` runs every text through `html_to_text` (a regex approximation would glue words across block
tags, which the scrapers' parser avoids).

The fields of a CSV or JSON Lines file are read as text and checked here, and a record DuckDB cannot
read (malformed JSON, a CSV quote never closed) is skipped, so one bad value or one broken record is one
bad row, reported with its line, and never stops the import of the rest.

CSV and JSON Lines are read in one scan, in one transaction (an interrupted import leaves nothing
behind); DuckDB spills to disk past the memory limit. Parquet, whose row groups can be read apart, is
loaded BATCH_ROWS records per transaction. The usual file, or batch, whose records are all good and new
goes from the file into `postings` in one statement (`store.append_new`: each text read, normalised,
hashed and written once, never into a temp table); the first record that is not (a bad one, an id
already stored) stops it, nothing is kept, and the file or batch is merged the general way instead.

Each imported posting's `url` is the file it came from (`file://...`). Importing another file whose ids
are already stored under the same source is refused unless `replace` is set: two exports that number
their rows from 1 would otherwise silently overwrite each other.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, cast

import duckdb

from scraper.errors import ConfigError, JobtoneError
from scraper.posting import CONTENT_HASH_SQL, POSTING_ID_SQL
from scraper.sql import sql_string, transaction
from scraper.store import NOT_NEW, LoadStats, append_new, limit_memory, merge_incoming
from scraper.text import html_to_text, repaired_nfkc
from scraper.text_sql import UDF_NAME, normalized_sql

try:  # DuckDB >= 1.4 moved the type constants
    from duckdb.sqltypes import VARCHAR
except ImportError:  # pragma: no cover
    from duckdb.typing import VARCHAR  # type: ignore[no-redef,import-not-found]

log = logging.getLogger("jobtone")
READERS = {".csv": "read_csv", ".tsv": "read_csv", ".jsonl": "read_json", ".ndjson": "read_json",
           ".json": "read_json", ".parquet": "read_parquet"}
MAX_REPORTED = 20
HTML_UDF = "jobtone_html_to_text"  # --html: every text through the scrapers' HTML conversion
# Records per transaction (about 800 MB of 3 kB postings): two of DuckDB's row groups of 122,880 rows.
# A batch that ends with a small partial row group costs much more: DuckDB later merges such row groups
# by rewriting their neighbours (measured: 26 s at the checkpoint after importing 1M postings).
BATCH_ROWS = 2 * 122_880
REJECTS, REJECT_SCANS = "jobtone_csv_rejects", "jobtone_csv_reject_scans"  # temp tables DuckDB fills
SAMPLE_RECORDS = 20480  # JSON Lines records whose keys are the file's columns (as many as DuckDB samples)
_Line = tuple[int, bytes | None]  # where a record starts in the file, and the line (JSON Lines only)


@dataclass(frozen=True)
class ImportSpec:
    path: Path
    source: str = "import"
    text_col: str = "text"
    date_col: str = "date"
    id_col: str | None = None
    company_col: str = "company"
    title_col: str = "title"
    html: bool = False
    replace: bool = False  # may replace postings of the same source imported from another file


@dataclass
class ImportResult:
    stats: LoadStats
    rows: int
    bad: list[tuple[str, str]] = field(default_factory=list)  # (where: "line 7" / "row 7", reason)
    bad_count: int = 0


def import_file(con: duckdb.DuckDBPyConnection, spec: ImportSpec, seen_at: datetime,
                batch_rows: int = BATCH_ROWS) -> ImportResult:
    """Read, check and merge one file (Parquet `batch_rows` records per transaction, so memory stays bounded
    and an interrupted import is finished by running it again); bad rows are reported and skipped."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"DROP TABLE IF EXISTS temp.{REJECTS}; DROP TABLE IF EXISTS temp.{REJECT_SCANS}")
    limit_memory(con)
    _register_functions(con)
    try:
        try:
            return _import(con, spec, seen_at, batch_rows, careful=False)
        except duckdb.InvalidInputException as exc:
            # A CSV record the fast reader cannot read, or a JSON record over its size (DuckDB's wording is
            # its only sign of this): nothing was kept, read it all again carefully (see _rows_sql).
            if _reader(spec.path) != "read_csv" and "maximum_object_size" not in str(exc):
                raise
            return _import(con, spec, seen_at, batch_rows, careful=True)
    except duckdb.Error as exc:
        raise JobtoneError(f"cannot import {spec.path}: {_first_paragraph(str(exc))}") from exc
    finally:
        for name in (HTML_UDF, UDF_NAME):
            with suppress(duckdb.Error):  # never hide the error being raised
                con.remove_function(name)
        with suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS temp.{REJECTS}; DROP TABLE IF EXISTS temp.{REJECT_SCANS}")


def _first_paragraph(message: str) -> str:
    """DuckDB's error without its advice: the first line, and the last line of its first paragraph when it
    has more (a CSV error: "CSV Error on Line: 7", the line quoted, then what is wrong with it)."""
    lines = message.split("\n\n")[0].splitlines() or [""]
    return lines[0] if len(lines) == 1 else f"{lines[0]}: {lines[-1]}"


def _import(con: duckdb.DuckDBPyConnection, spec: ImportSpec, seen_at: datetime, batch_rows: int,
            careful: bool) -> ImportResult:
    params: dict[str, str] = {}  # the path is a literal: as a $parameter, reading JSON took 1.5x as long
    columns = ["jobtone_record", *_fields(con, spec.path, careful)]
    fields = _read_fields(spec, columns[1:])
    rows_sql, batched = _rows_sql(spec.path, fields, numbered=True, careful=careful)
    checked = _checked_sql(spec, rows_sql, columns)
    if batched:
        return _import_batches(con, spec, checked, rows_sql, params, seen_at, batch_rows)
    if spec.html:  # Python converts every text anyway: numbering the records costs nothing more
        rows, bad_count, bad, stats = _merge_batch(con, spec, checked, params, seen_at, MAX_REPORTED)
    else:
        # Numbering records (row_number() OVER ()) keeps the rows after it on one thread: 1.8x slower.
        # Records are numbered in a second, cheap scan, and only when some are bad.
        unnumbered = _checked_sql(spec, _rows_sql(spec.path, fields, False, careful)[0], columns)
        direct = _insert_directly(con, spec, unnumbered, params, seen_at)
        if direct is not None:
            rows, bad_count, bad, stats = direct.rows, 0, [], direct.stats
        else:
            rows, bad_count, _, stats = _merge_batch(con, spec, unnumbered, params, seen_at, 0)
            bad = con.execute(f"""SELECT record, reason FROM ({checked}) WHERE reason IS NOT NULL
                                  ORDER BY record LIMIT {MAX_REPORTED}""", params).fetchall() if bad_count else []
    rejected = _rejected(con)
    bad = sorted(_in_file(bad, rejected) + list(rejected.items()))[:MAX_REPORTED]
    return ImportResult(stats, rows + bad_count + len(rejected), _located(spec.path, bad), bad_count + len(rejected))


def _rejected(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """The CSV records DuckDB could not read (a quote never closed, too many or too few fields, not UTF-8),
    as {record number in the file: what is wrong}. DuckDB numbers them as lines, counting records and the
    header line."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary",
                       [REJECTS]).fetchall()[0][0]:
        return {}
    rows = con.execute(f"SELECT line - 1, arg_min(error_message, byte_position) FROM temp.{REJECTS} GROUP BY line")
    return {record: f"unreadable CSV record: {error[:1].lower()}{error[1:].rstrip('.')}"
            for record, error in rows.fetchall()}


def _in_file(bad: list[tuple[int, str]], rejected: dict[int, str]) -> list[tuple[int, str]]:
    """`bad`, numbered among the records DuckDB read, numbered among all the file's records instead."""
    skipped, before, placed = sorted(rejected), 0, []
    for record, reason in sorted(bad):
        record += before
        while before < len(skipped) and skipped[before] <= record:
            before, record = before + 1, record + 1
        placed.append((record, reason))
    return placed


def _import_batches(con: duckdb.DuckDBPyConnection, spec: ImportSpec, checked: str, rows_sql: str,
                    params: dict[str, str], seen_at: datetime, batch_rows: int) -> ImportResult:
    stats, rows, bad_count = LoadStats(), 0, 0
    bad: list[tuple[int, str]] = []
    for batch in _batches(con, checked, rows_sql, params, batch_rows):
        direct = None if spec.html else _insert_directly(con, spec, batch, params, seen_at)
        if direct is not None:
            rows, stats = rows + direct.rows, stats + direct.stats
            continue
        added, batch_bad_count, batch_bad, batch_stats = _merge_batch(con, spec, batch, params, seen_at,
                                                                      MAX_REPORTED - len(bad))
        rows, stats, bad_count = rows + added + batch_bad_count, stats + batch_stats, bad_count + batch_bad_count
        bad += batch_bad
    return ImportResult(stats, rows, _located(spec.path, bad), bad_count)


def _register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The Python the import's SQL calls: `repaired_nfkc` for the few texts text_sql sends it, and the HTML
    conversion for --html."""
    con.create_function(HTML_UDF, html_to_text, [VARCHAR], VARCHAR, side_effects=False)
    con.create_function(UDF_NAME, repaired_nfkc, [VARCHAR], VARCHAR, side_effects=False)


def _batches(con: duckdb.DuckDBPyConnection, checked: str, rows_sql: str, params: dict[str, str],
             batch_rows: int) -> Iterator[str]:
    """`checked` in record ranges: a Parquet reader skips the row groups outside each one."""
    records = con.execute(f"SELECT coalesce(max(jobtone_record), 0) FROM ({rows_sql})", params).fetchall()[0][0]
    for first in range(1, records + 1, batch_rows):
        yield f"SELECT * FROM ({checked}) WHERE record BETWEEN {first} AND {first + batch_rows - 1}"


def _merge_batch(con: duckdb.DuckDBPyConnection, spec: ImportSpec, batch: str, params: dict[str, str],
                 seen_at: datetime, report: int) -> tuple[int, int, list[tuple[int, str]], LoadStats]:
    """One transaction: the batch's good rows merged; returns (good rows, bad rows, the first `report` bad
    rows as (record, reason), load stats)."""
    with transaction(con):  # a full disk is a StorageError naming the file, never "cannot rollback"
        _build_incoming(con, spec, batch, params)
        bad_count = int(con.execute("SELECT count(*) FROM incoming WHERE reason IS NOT NULL").fetchall()[0][0])
        bad = con.execute("SELECT record, reason FROM incoming WHERE reason IS NOT NULL ORDER BY record LIMIT ?",
                          [max(report, 0)]).fetchall() if bad_count else []
        if bad_count:
            con.execute("DELETE FROM incoming WHERE reason IS NOT NULL")
        rows = int(con.execute("SELECT count(*) FROM incoming").fetchall()[0][0])
        if not spec.replace:
            _refuse_clash(con, spec)
        stats = merge_incoming(con, seen_at)
        con.execute("DROP TABLE incoming")
    return rows, bad_count, bad, stats


def _fields(con: duckdb.DuckDBPyConnection, path: Path, careful: bool) -> list[str]:
    """The file's columns: a CSV file's header; for JSON Lines, the keys of the objects in its first
    SAMPLE_RECORDS lines, in the order records usually give them. DuckDB's own sniffing gives up on a
    sample with a line that is not an object, or that breaks the quoting."""
    reader = _reader(path)
    if reader == "read_parquet":
        rows_sql, _ = _rows_sql(path, [], numbered=False)
        return [d[0] for d in con.execute(f"SELECT * EXCLUDE (jobtone_record) FROM ({rows_sql}) LIMIT 0").description]
    if reader == "read_csv":
        return _csv_header(path)
    # One column per key whatever its case, as DuckDB's names ignore case: the spelling most records use (the
    # reader matches keys with their case; records spelling it otherwise have it missing).
    keys = [key for key, in con.execute(f"""
        SELECT arg_max(key, (uses, -position, key)) FROM (
            SELECT key, count(*) AS uses, min(position) AS position
            FROM (SELECT unnest(json_keys(json)) AS key, generate_subscripts(json_keys(json), 1) AS position
                  FROM (SELECT json FROM read_json_objects({sql_string(str(path))}, format = 'newline_delimited',
                                                            maximum_object_size = {_largest_record(careful, path)},
                                                            ignore_errors = true)
                        LIMIT {SAMPLE_RECORDS})
                  WHERE json_type(json) = 'OBJECT')
            GROUP BY key)
        GROUP BY lower(key) ORDER BY min(position), lower(key)""").fetchall()]
    if not keys:
        raise ConfigError(f"{path}: no JSON object on a line of its own in its first {SAMPLE_RECORDS} lines; "
                          "jobtone reads JSON Lines, one posting per line")
    return keys


def _read_fields(spec: ImportSpec, fields: list[str]) -> list[str]:
    """The fields to read: a JSON Lines file's that the import uses (the reader skips the rest); a CSV
    file's every column."""
    if _reader(spec.path) != "read_json":
        return fields
    used = {name.lower() for name in (spec.text_col, spec.date_col, spec.id_col or "id", spec.company_col,
                                      spec.title_col)}
    return [field for field in fields if field.lower() in used]


def _rows_sql(path: Path, fields: list[str], numbered: bool, careful: bool = False) -> tuple[str, bool]:
    """A SELECT over the file with 1-based record numbers (`jobtone_record`; NULL for CSV/JSON unless
    `numbered`), and whether it can be read in batches cheaply (Parquet: by row group).

    CSV and JSON Lines `fields` are read as text: a value of another type than the first records' (a date
    that is no date) is then reported like any bad value, instead of stopping the import. A malformed JSON
    line is read as a record of NULLs, so it keeps its number and is reported (`_located` says why) while
    the lines around it are imported. The fast reader takes records up to 32 MB (JSON: 64 MB), on every
    core; a larger one raises, and the file is read again `careful`ly, in 256 MB buffers, on fewer threads
    (the import of 200k postings took 1.4x to 1.8x as long). A CSV record DuckDB cannot read raises too;
    read carefully, it is skipped and kept in REJECTS."""
    name, path_sql = _reader(path), sql_string(str(path))
    if name == "read_parquet":
        return ("SELECT file_row_number + 1 AS jobtone_record, * EXCLUDE (file_row_number) "
                f"FROM read_parquet({path_sql}, file_row_number = true)"), True
    columns = "{" + ", ".join(f"{sql_string(f)}: 'VARCHAR'" for f in fields) + "}"
    if name == "read_csv":  # nothing sniffed
        rejects = f", store_rejects = true, rejects_table = '{REJECTS}', rejects_scan = '{REJECT_SCANS}'"
        reader = (f"read_csv({path_sql}, auto_detect = false, header = true, columns = {columns}, "
                  f"delim = {sql_string(_delimiter(path))}, quote = '\"', escape = '\"', "
                  f"max_line_size = {_largest_record(careful, path)}{rejects if careful else ''})")
    else:
        reader = (f"read_json({path_sql}, format = 'newline_delimited', columns = {columns}, "
                  f"maximum_object_size = {_largest_record(careful, path)}, ignore_errors = true)")
    # In the reader's order (DuckDB preserves it): JSON Lines records skip blank lines, as _located counts.
    record = "row_number() OVER ()" if numbered else "NULL::BIGINT"
    return f"SELECT {record} AS jobtone_record, * FROM {reader}", False


def _reader(path: Path) -> str:
    """The DuckDB function that reads the file (DuckDB reads a gzipped one as it is)."""
    name = READERS.get(_kind(path))
    if name is None or (name == "read_parquet" and _gzipped(path)):
        raise ConfigError(f"{path}: unknown file type {''.join(path.suffixes[-2:])!r}; use .csv, .tsv, .jsonl, "
                          ".ndjson or .parquet (CSV and JSON Lines may be gzipped: .jsonl.gz)")
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    return name


def _kind(path: Path) -> str:
    """The file's format suffix, lower-cased: `.jsonl` for `dump.jsonl.gz`."""
    return path.with_suffix("").suffix.lower() if _gzipped(path) else path.suffix.lower()


def _gzipped(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def _open(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped if it is gzipped."""
    return cast(BinaryIO, gzip.open(path)) if _gzipped(path) else open(path, "rb")  # noqa: SIM115


def _text(path: Path, encoding: str = "utf-8") -> io.TextIOWrapper:
    """The file as text for `csv` (lines ended as they are), undecodable bytes replaced."""
    return io.TextIOWrapper(_open(path), encoding=encoding, errors="replace", newline="")


def _csv_header(path: Path) -> list[str]:
    """The column names in a CSV file's first record (an empty one named `column<i>`, a repeated one
    `<name>_<n>`)."""
    with _text(path, "utf-8-sig") as handle:
        header = next(csv.reader(handle, delimiter=_delimiter(path)), None)
    if not header:
        raise ConfigError(f"{path}: no header line")
    names, seen = [], Counter[str]()
    for i, name in enumerate(header):
        name = name or f"column{i}"
        seen[name.lower()] += 1  # DuckDB's names ignore case
        names.append(name if seen[name.lower()] == 1 else f"{name}_{seen[name.lower()] - 1}")
    return names


def _delimiter(path: Path) -> str:
    """A CSV file's delimiter: the one of `,;|` and tab its header line holds most (`,` on a tie; tab for .tsv).
    Values are quoted as RFC 4180 says (a quote inside a quoted value doubled)."""
    if _kind(path) == ".tsv":
        return "\t"
    with _text(path) as handle:
        header = handle.readline(1 << 20)
    return max(",;|\t", key=header.count)


def _largest_record(careful: bool, path: Path) -> int:
    """The largest CSV record the reader takes (DuckDB's JSON reader takes twice as large). A gzipped file's
    is smaller when careful: DuckDB reads it in buffers many times as large, which must fit in memory
    (setting a smaller CSV buffer made DuckDB drop a record larger than it without a word)."""
    if not careful:
        return 33554432
    return 67108864 if _gzipped(path) else 268435456


def _column(name: str, columns: list[str], option: str, required: bool = True) -> str | None:
    """The quoted column, matched case-insensitively; a clear error naming the file's columns if missing."""
    for column in columns:
        if column.lower() == name.lower():
            return '"' + column.replace('"', '""') + '"'
    if required:
        shown = [c for c in columns if c != "jobtone_record"]
        raise ConfigError(f"no column {name!r} ({option}); the file has: {', '.join(shown)}")
    return None


def _checked_sql(spec: ImportSpec, rows_sql: str, columns: list[str]) -> str:
    """The file's rows with the fields jobtone needs and `reason` (NULL for a good row)."""
    text = _column(spec.text_col, columns, "--text-col")
    day = _column(spec.date_col, columns, "--date-col")
    assert text is not None and day is not None  # required columns
    ident = _column(spec.id_col or "id", columns, "--id-col", required=spec.id_col is not None)
    company = _column(spec.company_col, columns, "--company-col", required=spec.company_col != "company")
    title = _column(spec.title_col, columns, "--title-col", required=False)
    missing_id = "coalesce(trim(external_id), '') = ''" if ident else "false"
    # Normalising removes only whitespace, never a printable ASCII character: the test is rarely run.
    blank = "false" if spec.html else f"NOT regexp_matches(raw_text, '[!-~]') AND {normalized_sql('raw_text')} = ''"
    return f"""
        SELECT *, CASE WHEN raw_text IS NULL OR NOT regexp_matches(raw_text, '\\S') OR {blank} THEN 'no text'
                       WHEN raw_date <> '' AND posted_at IS NULL THEN 'unparseable date ' || raw_date
                       WHEN {missing_id} THEN 'missing id'
                  END AS reason
        FROM (SELECT jobtone_record AS record, {text}::VARCHAR AS raw_text,
                     coalesce(trim({day}::VARCHAR), '') AS raw_date, {_timestamp(day)} AS posted_at,
                     {ident or 'NULL'}::VARCHAR AS external_id, {company or 'NULL'}::VARCHAR AS company,
                     {title or 'NULL'}::VARCHAR AS title
              FROM ({rows_sql}))"""


def _timestamp(column: str) -> str:
    """A date or timestamp (with or without offset) as naive UTC; epoch seconds too."""
    value = f"trim({column}::VARCHAR)"
    # TIMESTAMPTZ first: a plain TIMESTAMP cast drops an offset; naive values are read as UTC (TimeZone).
    return f"""coalesce(
        (try_cast({value} AS TIMESTAMPTZ) AT TIME ZONE 'UTC'),
        try_cast({value} AS TIMESTAMP),
        if(regexp_full_match({value}, '[0-9]{{9,10}}'), to_timestamp(try_cast({value} AS BIGINT)) AT TIME ZONE 'UTC', NULL))"""


def _build_incoming(con: duckdb.DuckDBPyConnection, spec: ImportSpec, checked: str, params: dict[str, str]) -> None:
    """The batch as temp table `incoming`: INCOMING_COLUMNS for good rows, plus `record` and `reason` (NULL
    for a good row), in one pass over the file: text is read, cleaned and hashed once."""
    select, select_params = _incoming_sql(spec, checked, params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS {select}", select_params)


def _incoming_sql(spec: ImportSpec, checked: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The SELECT of `incoming` (see _build_incoming) over `checked`, and its parameters."""
    text = f"{HTML_UDF}(raw_text)" if spec.html else normalized_sql("raw_text")
    return f"""
            SELECT {POSTING_ID_SQL} AS posting_id, source, board, external_id, company, title,
                   '' AS location, $origin AS url, text, '' AS boilerplate, posted_at, date_source,
                   '' AS raw, '' AS fingerprint, false AS seen_only, {CONTENT_HASH_SQL} AS content_hash,
                   record, if(reason IS NULL AND text = '', 'no text', reason) AS reason
            FROM (SELECT $source AS source, $source AS board, text, posted_at, company, title, record, reason,
                         coalesce(nullif(trim(external_id), ''), md5(text)) AS external_id,
                         if(posted_at IS NULL, '', $date_source) AS date_source
                  FROM (SELECT record, reason, posted_at, external_id,
                               if(reason IS NULL, {text}, '') AS text,
                               nullif(trim({normalized_sql('company')}), '') AS company,
                               coalesce({normalized_sql('title')}, '') AS title
                        FROM ({checked})))""", \
        {**params, "source": spec.source, "date_source": f"import:{spec.date_col}", "origin": _origin(spec.path)}


def _insert_directly(con: duckdb.DuckDBPyConnection, spec: ImportSpec, checked: str, params: dict[str, str],
                     seen_at: datetime) -> ImportResult | None:
    """The common import, every record good and new, in one statement from the file into `postings`
    (store.append_new): the text is read, cleaned, hashed and written once, never held in a temp table.
    None, with nothing changed, when a record is bad or the file is otherwise no plain append."""
    select, select_params = _incoming_sql(spec, checked, params)
    good = f"SELECT * FROM ({select}) WHERE CASE WHEN reason IS NULL THEN true ELSE error('{NOT_NEW}') END"
    rows = append_new(con, good, select_params, seen_at)
    return None if rows is None else ImportResult(LoadStats(rows, rows), rows)


def _origin(path: Path) -> str:
    """Where an imported posting came from, kept as its `url`."""
    return path.resolve().as_uri()


def _refuse_clash(con: duckdb.DuckDBPyConnection, spec: ImportSpec) -> None:
    """ConfigError if stored postings with the batch's ids came from elsewhere (another file, or a scrape);
    postings imported before files were recorded (`url` empty) are not counted."""
    count, other = con.execute("""
        SELECT count(*), any_value(p.url) FROM incoming i JOIN postings p USING (posting_id)
        WHERE p.url <> $origin AND p.url <> ''""", {"origin": _origin(spec.path)}).fetchall()[0]
    if count:
        raise ConfigError(f"{count} postings of {spec.path} have the ids of postings already stored under --source "
                          f"{spec.source} from {other}; --replace overrides them, or choose another --source")


# -- where bad rows are in the file (only computed for the few reported) ------------------------------

def _located(path: Path, bad: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """(where, reason) of each bad record: its line in a CSV or JSON Lines file, its row in a Parquet one. A
    JSON line DuckDB could not read is a record of NULLs ("no text"): its reason says what is wrong with it."""
    if not bad:
        return []
    reader = _reader(path)
    if reader == "read_parquet":
        return [(f"row {record}", reason) for record, reason in bad]
    starts = _csv_record_lines(path) if reader == "read_csv" else _jsonl_record_lines(path)
    lines = dict(_take(starts, {record for record, _ in bad}))
    located = []
    for record, reason in bad:
        if record not in lines:
            located.append((f"row {record}", reason))
            continue
        number, line = lines[record]
        located.append((f"line {number}", (line is not None and reason == "no text" and _json_problem(line)) or reason))
    return located


def _take(starts: Iterator[tuple[int, _Line]], wanted: set[int]) -> Iterator[tuple[int, _Line]]:
    for record, line in starts:
        if record in wanted:
            yield record, line
            wanted.discard(record)
            if not wanted:
                return


def _csv_record_lines(path: Path) -> Iterator[tuple[int, _Line]]:
    """(record number, (line where it starts, None)) — records may span lines (quoted newlines). Python's
    reader stops at a quote left open at the end of the file (the records after it are reported by number)."""
    limit = csv.field_size_limit(1 << 30)  # a posting's text may be longer than the 128 kB the module allows
    try:
        with _text(path) as handle, suppress(csv.Error):
            reader = csv.reader(handle, delimiter=_delimiter(path))
            previous_end = next(reader, None) and reader.line_num  # the header
            for record, _row in enumerate(reader, start=1):
                yield record, ((previous_end or 0) + 1, None)
                previous_end = reader.line_num
    finally:
        csv.field_size_limit(limit)


def _jsonl_record_lines(path: Path) -> Iterator[tuple[int, _Line]]:
    """(record number, (line number, the line)): blank lines hold no record."""
    with _open(path) as handle:
        record = 0
        for number, line in enumerate(handle, start=1):
            if line.strip():
                record += 1
                yield record, (number, line)


def _json_problem(line: bytes) -> str | None:
    """What makes a line of JSON Lines no record, if anything."""
    try:
        value = json.loads(line.rstrip(b"\r\n"))
    except UnicodeDecodeError:
        return "malformed JSON: not UTF-8"
    except json.JSONDecodeError as exc:  # "Expecting value", "Unterminated string starting at", ...
        return f"malformed JSON: {exc.msg.lower()}{'' if exc.msg.endswith(' at') else ' at'} column {exc.colno}"
    return None if isinstance(value, dict) else "not a JSON object"
