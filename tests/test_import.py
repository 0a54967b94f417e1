"""Import from CSV, JSON Lines and Parquet: idempotent, normalised like scraped text, bad rows reported."""

import csv
import io
import json
from datetime import datetime

import duckdb
import pytest

from jobtone.cli import main
from scraper import store
from scraper.file_import import ImportSpec, import_file
from scraper.posting import Posting, posting_id
from scraper.text import normalize

SEEN = datetime(2024, 6, 1)
ROWS = [
    {"id": "a1", "date": "2024-01-05", "company": "Acme", "title": "Engineer", "text": "We are flexible.\nFast-paced team."},
    {"id": "a2", "date": "2024-02-05T10:00:00+02:00", "company": "Acme", "title": "  Lead ",
     "text": "Multi  spaced\n\n text with hustleâ€™s \ufb02exible İNCLUSIVE culture"},
    {"id": "a3", "date": "someday", "company": "Acme", "title": "x", "text": "bad date"},
    {"id": "", "date": "2024-02-05", "company": "Acme", "title": "x", "text": "no id"},
    {"id": "a5", "date": "2024-03-05", "company": "", "title": "x", "text": "   "},
    {"id": "a6", "date": "", "company": "", "title": "", "text": "No date at all."},
]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:3]) + "\n\n"
                    + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[3:]) + "\n", encoding="utf-8")


def write_parquet(path, rows):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id VARCHAR, date VARCHAR, company VARCHAR, title VARCHAR, text VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [list(r.values()) for r in rows])
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}
# Where the bad rows are: CSV records 1-2 span 2 and 3 lines (quoted newlines); JSONL has a blank line.
BAD_PLACES = {"csv": ["line 7", "line 8", "line 9"], "jsonl": ["line 3", "line 5", "line 6"],
              "parquet": ["row 3", "row 4", "row 5"]}


def stored(db):
    with store.opened(db, read_only=True) as con:
        return con.execute("""SELECT posting_id, source, board, external_id, company, title, text, posted_at,
                                     date_source, content_hash FROM postings ORDER BY external_id""").fetchall()


@pytest.mark.parametrize("kind", WRITERS)
def test_import_each_format_keeps_good_rows_and_reports_bad_ones(tmp_path, kind):
    path, db = tmp_path / f"in.{kind}", tmp_path / "j.duckdb"
    WRITERS[kind](path, ROWS)
    with store.opened(db) as con:
        result = import_file(con, ImportSpec(path, "kaggle", id_col="id"), SEEN)
    assert (result.rows, result.stats.new, result.bad_count) == (6, 3, 3)
    assert result.bad == list(zip(BAD_PLACES[kind], ["unparseable date someday", "missing id", "no text"]))
    rows = stored(db)
    assert [r[3] for r in rows] == ["a1", "a2", "a6"]
    first, second, third = rows
    assert first[:9] == (posting_id("kaggle", "kaggle", "a1"), "kaggle", "kaggle", "a1", "Acme", "Engineer",
                         "We are flexible.\nFast-paced team.", datetime(2024, 1, 5), "import:date")
    assert second[5:8] == ("Lead", "Multi spaced\ntext with hustle’s flexible İNCLUSIVE culture", datetime(2024, 2, 5, 8))
    assert second[6] == normalize(ROWS[1]["text"])
    assert third[4] is None and third[7] is None and third[8] == ""
    # the same content hash the scrapers compute
    assert first[9] == Posting("kaggle", "kaggle", "a1", "Engineer", first[6], None).content_hash


def test_reimport_is_idempotent_and_changed_rows_update(tmp_path):
    path, db = tmp_path / "in.csv", tmp_path / "j.duckdb"
    write_csv(path, ROWS)
    with store.opened(db) as con:
        import_file(con, ImportSpec(path, id_col="id"), SEEN)
        again = import_file(con, ImportSpec(path, id_col="id"), datetime(2024, 7, 1))
        assert (again.stats.new, again.stats.updated, again.stats.unchanged) == (0, 0, 3)
        write_csv(path, [{**ROWS[0], "text": "Changed wording."}])
        changed = import_file(con, ImportSpec(path, id_col="id"), datetime(2024, 8, 1))
    assert (changed.stats.new, changed.stats.updated) == (0, 1)
    assert len(stored(db)) == 3


def test_without_an_id_column_the_id_is_a_hash_of_the_text(tmp_path):
    path, db = tmp_path / "in.csv", tmp_path / "j.duckdb"
    write_csv(path, [{k: v for k, v in r.items() if k != "id"} for r in ROWS])
    with store.opened(db) as con:
        result = import_file(con, ImportSpec(path), SEEN)
        assert result.bad_count == 2  # no "missing id" without an id column
        again = import_file(con, ImportSpec(path), SEEN)
    assert again.stats.unchanged == 4
    import hashlib
    ids = {r[3] for r in stored(db)}
    assert hashlib.md5(b"We are flexible.\nFast-paced team.").hexdigest() in ids


def test_html_text_is_converted(tmp_path):
    path, db = tmp_path / "in.jsonl", tmp_path / "j.duckdb"
    path.write_text(json.dumps({"id": "h", "date": "2024-01-01", "body": "<ul><li>fast</li><li>flexible</li></ul><p>a &amp; b</p>"}) + "\n")
    with store.opened(db) as con:
        import_file(con, ImportSpec(path, text_col="body", html=True), SEEN)
    assert stored(db)[0][6] == "fast\nflexible\na & b"


def test_import_command_reports_and_exit_code(tmp_path):
    path, db = tmp_path / "in.csv", tmp_path / "j.duckdb"
    write_csv(path, ROWS)
    err = io.StringIO()
    assert main(["--db", str(db), "import", str(path), "--source", "kaggle"], out=io.StringIO(), err=err) == 1
    assert "6 rows; 3 new, 0 updated, 0 unchanged, 3 bad" in err.getvalue()
    assert "line 8: missing id" in err.getvalue()
    err = io.StringIO()
    assert main(["--db", str(db), "import", str(path), "--text-col", "body"], out=io.StringIO(), err=err) == 2
    assert "no column 'body' (--text-col); the file has: id, date, company, title, text" in err.getvalue()


def test_large_jsonl_reports_bad_rows_at_their_lines(tmp_path):
    """Thousands of records with blank lines between some: record numbers follow the file's order."""
    path, db = tmp_path / "big.jsonl", tmp_path / "j.duckdb"
    lines, expected = [], []
    for n in range(1, 5001):
        if n % 7 == 0:
            lines.append("")
        row = {"id": f"r{n}", "date": "2024-01-01", "text": f"Posting {n}\n\n  with\u00a0text\u2019s \ufb01ne"}
        if n % 997 == 0:
            row["text"] = " \n "
        if n % 1499 == 0:
            row["date"] = f"day {n}"
        lines.append(json.dumps(row))
        if n % 997 == 0:
            expected.append((f"line {len(lines)}", "no text"))
        if n % 1499 == 0:
            expected.append((f"line {len(lines)}", f"unparseable date day {n}"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with store.opened(db) as con:
        result = import_file(con, ImportSpec(path), SEEN)
        assert result.bad == expected and result.rows == 5000 and result.stats.new == 5000 - len(expected)
        text = con.execute("SELECT text FROM postings WHERE external_id = 'r12'").fetchall()[0][0]
    assert text == "Posting 12\nwith text’s fine" == normalize("Posting 12\n\n  with\u00a0text\u2019s \ufb01ne")


def test_parquet_in_small_batches_reports_bad_rows_across_them(tmp_path):
    path, db = tmp_path / "in.parquet", tmp_path / "j.duckdb"
    write_parquet(path, ROWS)
    with store.opened(db) as con:
        result = import_file(con, ImportSpec(path, id_col="id"), SEEN, batch_rows=2)
    assert (result.rows, result.stats.new, result.bad_count) == (6, 3, 3)
    assert [where for where, _ in result.bad] == BAD_PLACES["parquet"]


def test_a_second_file_with_the_same_ids_is_refused_unless_replace(tmp_path):
    first, second, db = tmp_path / "first.jsonl", tmp_path / "second.jsonl", tmp_path / "j.duckdb"
    first.write_text(json.dumps({"id": "1", "date": "2024-01-01", "text": "First file's posting."}) + "\n")
    second.write_text(json.dumps({"id": "1", "date": "2024-02-01", "text": "Another file's posting."}) + "\n"
                      + json.dumps({"id": "2", "date": "2024-02-01", "text": "A new one."}) + "\n")
    assert main(["--db", str(db), "import", str(first)], out=io.StringIO(), err=io.StringIO()) == 0
    assert main(["--db", str(db), "import", str(first)], out=io.StringIO(), err=io.StringIO()) == 0  # same file
    err = io.StringIO()
    assert main(["--db", str(db), "import", str(second)], out=io.StringIO(), err=err) == 2
    message = err.getvalue().strip()
    assert "\n" not in message and "--replace" in message and first.name in message
    assert [(r[3], r[6]) for r in stored(db)] == [("1", "First file's posting.")]  # nothing of the second file
    err = io.StringIO()
    assert main(["--db", str(db), "import", str(second), "--replace"], out=io.StringIO(), err=err) == 0
    assert "2 rows; 1 new, 1 updated" in err.getvalue()
    with store.opened(db, read_only=True) as con:
        assert con.execute("SELECT external_id, url FROM postings ORDER BY 1").fetchall() == [
            ("1", second.resolve().as_uri()), ("2", second.resolve().as_uri())]
    # under another --source the same ids are other postings
    assert main(["--db", str(db), "import", str(first), "--source", "old"], out=io.StringIO(), err=io.StringIO()) == 0


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_a_record_over_the_fast_readers_size_is_read_again_with_larger_buffers(tmp_path, kind):
    path, db = tmp_path / f"big.{kind}", tmp_path / "j.duckdb"
    WRITERS[kind](path, [{"id": "s", "date": "2024-01-01", "text": "small"},
                         {"id": "b", "date": "2024-01-01", "text": "word " * 14_000_000}])
    with store.opened(db) as con:
        result = import_file(con, ImportSpec(path), SEEN)
        assert (result.rows, result.stats.new) == (2, 2)
        # read whole (70 MB), then stored cut at the per-posting limit like any other posting
        assert con.execute("SELECT max(strlen(text)) FROM postings").fetchall()[0][0] == \
            store.MAX_TEXT_CHARS + len(store.TRUNCATED_NOTE)


def test_malformed_json_lines_are_reported_at_their_lines_and_the_rest_imported(tmp_path):
    """A dump cut off mid-record, a line missing its brace, one that is no object, one not UTF-8: each is a
    bad row with its line and what is wrong, and every good line is stored."""
    path, db = tmp_path / "dump.jsonl", tmp_path / "j.duckdb"
    good = [json.dumps({"id": f"g{n}", "date": "2024-01-0%d" % n, "text": f"Posting {n}."}) for n in range(1, 6)]
    path.write_bytes("\n".join([good[0], '{"id": "b1", "date": "2024-01-01", "text": "no brace"', good[1], "",
                                "[1, 2]", good[2], '{"id": "b2", "text": "caf\xe9"}', good[3], "{}", good[4],
                                '{"id": "b3", "date": "2024-01-01", "te']).encode("utf-8").replace(b"caf\xc3\xa9", b"caf\xe9"))
    err = io.StringIO()
    assert main(["--db", str(db), "import", str(path)], out=io.StringIO(), err=err) == 1
    assert "10 rows; 5 new, 0 updated, 0 unchanged, 5 bad" in err.getvalue()
    assert err.getvalue().splitlines()[1:] == [
        "  line 2: malformed JSON: expecting ',' delimiter at column 54",
        "  line 5: not a JSON object",
        "  line 7: malformed JSON: not UTF-8",
        "  line 9: no text",
        "  line 11: malformed JSON: unterminated string starting at column 36"]
    assert [r[3] for r in stored(db)] == ["g1", "g2", "g3", "g4", "g5"]
    path.write_text("[1, 2]\nnot json\n", encoding="utf-8")
    err = io.StringIO()
    assert main(["--db", str(db), "import", str(path)], out=io.StringIO(), err=err) == 2
    assert "no JSON object on a line of its own" in err.getvalue()


def test_a_value_unlike_the_first_records_is_one_bad_row(tmp_path):
    """Fields are read as text: a date that is no date, after thousands that are, is reported, not fatal."""
    path, db = tmp_path / "late.jsonl", tmp_path / "j.duckdb"
    rows = [{"id": f"r{n}", "date": "2024-01-01", "text": "Flexible hours."} for n in range(25_000)]
    rows += [{"id": "late", "date": "soon", "text": "Late."}, {"id": 7, "date": 1704067200, "text": ["a", "list"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with store.opened(db) as con:
        result = import_file(con, ImportSpec(path), SEEN)
        assert result.bad == [("line 25001", "unparseable date soon")] and result.stats.new == 25_001
        assert con.execute("SELECT posted_at, text FROM postings WHERE external_id = '7'").fetchall() == \
            [(datetime(2024, 1, 1), '["a","list"]')]


def test_csv_records_duckdb_cannot_read_are_reported_at_their_lines_and_the_rest_imported(tmp_path):
    """A quote never closed (it takes the next line with it), a record short of a field, one not UTF-8, after
    a record that spans three lines and one of 200 kB: each is reported at the line it starts on."""
    path, db = tmp_path / "in.csv", tmp_path / "j.duckdb"
    lines = ["id,date,text", 'm,2024-01-01,"multi\nline\nvalue"', "long,2024-01-01," + "word " * 40_000]
    lines += [f'r{n},2024-01-01,"Posting {n}, flexible."' for n in range(3000)]
    lines.insert(1500, 'bad,2024-01-01,"an unterminated quote')
    lines.insert(2000, "short,2024-01-01")
    lines.insert(2500, "day,someday,a bad date")
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + b"latin,2024-01-01,caf\xe9\n")
    err = io.StringIO()
    assert main(["--db", str(db), "import", str(path)], out=io.StringIO(), err=err) == 1
    assert err.getvalue().splitlines()[1:] == [
        "  line 1503: unreadable CSV record: value with unterminated quote found",
        "  line 2003: unreadable CSV record: expected Number of Columns: 3 Found: 2",
        "  line 2503: unparseable date someday",
        "  line 3009: unreadable CSV record: invalid unicode (byte sequence mismatch) detected. "
        "This file is not utf-8 encoded"]
    with store.opened(db, read_only=True) as con:  # r1497 was read into the unterminated quote's value
        assert con.execute("SELECT count(*) FROM postings").fetchall() == [(3001,)]
        assert con.execute("SELECT count(*) FROM postings WHERE external_id IN ('m', 'r1496', 'r1498', 'r2999')"
                           ).fetchall() == [(4,)]


def test_the_csv_delimiter_is_the_headers_and_quotes_are_doubled(tmp_path):
    path, db = tmp_path / "excel.csv", tmp_path / "j.duckdb"
    path.write_text('\ufeffid;date;text\r\na;2024-01-01;"Flexible; ""remote"", fast-paced"\r\n', encoding="utf-8")
    with store.opened(db) as con:
        assert import_file(con, ImportSpec(path), SEEN).stats.new == 1
        assert con.execute("SELECT external_id, text FROM postings").fetchall() == \
            [("a", 'Flexible; "remote", fast-paced')]


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_a_gzipped_file_imports_as_the_plain_one_does(tmp_path, kind):
    import gzip
    plain, path = tmp_path / f"in.{kind}", tmp_path / f"in.{kind}.gz"
    WRITERS[kind](plain, ROWS)
    path.write_bytes(gzip.compress(plain.read_bytes()))
    with store.opened(tmp_path / "j.duckdb") as con:
        result = import_file(con, ImportSpec(path, "kaggle", id_col="id"), SEEN)
    assert (result.rows, result.stats.new) == (6, 3)
    assert result.bad == list(zip(BAD_PLACES[kind], ["unparseable date someday", "missing id", "no text"]))
    err = io.StringIO()
    assert main(["--db", str(tmp_path / "j.duckdb"), "import", str(tmp_path / "x.parquet.gz")], err=err) == 2
    assert "unknown file type '.parquet.gz'" in err.getvalue()


def test_json_keys_that_differ_only_in_case_are_one_column_spelled_as_most_records_do(tmp_path):
    """... and keys the import does not use are not read, even an empty one or one DuckDB could not name."""
    path, db = tmp_path / "case.jsonl", tmp_path / "j.duckdb"
    rows = [{"id": "1", "date": "2024-01-01", "text": "a", "": 5, "it's": {"n": [1]}, "x": 1, "X": 2},
            {"id": "2", "date": "2024-01-01", "Text": "b"},
            {"id": "3", "date": "2024-01-01", "text": "c"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with store.opened(db) as con:
        result = import_file(con, ImportSpec(path), SEEN)
    assert (result.stats.new, result.bad) == (2, [("line 2", "no text")])
