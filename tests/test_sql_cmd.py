"""`jobtone sql` on hostile queries: Ctrl-C stops a running query at once (exit 130, one line), --timeout bounds
one (exit 1), a result of millions of rows streams to a file in bounded memory, an empty query is a usage
error, JSON output is always valid JSON, and a running query does not hold up another reader."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from e2e import jobtone
from scraper import store

# Never finishes in a test's lifetime: 10^13 pairs, computed before the first row (an aggregate; the smaller
# side, 1M rows, is all DuckDB keeps in memory) ...
SLOW_AGGREGATE = "SELECT sum(a.range * b.range) AS s FROM range(10000000) a, range(1000000) b"
# ... or while rows are being fetched (a streaming result that almost never yields a row).
SLOW_STREAM = "SELECT a.range AS n FROM range(1000000000000) a WHERE hash(a.range) % 1000000000000 = 7"


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "jobtone.duckdb"
    store.connect(path).close()  # an empty, migrated store
    return path


def start_sql(db: Path, *args: str, stdout=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jobtone", "--db", str(db), "sql", *args],
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def wait_until_open(process: subprocess.Popen, path: Path, timeout: float = 120.0) -> None:
    """Until the process holds the database file open (its query is about to run or running)."""
    deadline = time.monotonic() + timeout
    fds = Path(f"/proc/{process.pid}/fd")
    while True:
        assert process.poll() is None, process.communicate()
        try:
            if any(os.readlink(fd) == str(path) for fd in fds.iterdir()):
                return
        except OSError:  # an fd closed while we looked
            pass
        assert time.monotonic() < deadline, "the query never opened the database"
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the query runs")
@pytest.mark.parametrize("slow", [SLOW_AGGREGATE, SLOW_STREAM], ids=["computing", "streaming"])
def test_ctrl_c_stops_a_running_query(db, slow):
    process = start_sql(db, slow)
    try:
        wait_until_open(process, db)
        time.sleep(0.5)  # well into the query
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)  # a bound on a hang, not a timing assertion
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert err.splitlines() == ["jobtone: interrupted"]


@pytest.mark.parametrize("slow", [SLOW_AGGREGATE, SLOW_STREAM], ids=["computing", "streaming"])
def test_timeout_stops_a_query(db, slow):
    code, out, err = jobtone("--db", str(db), "sql", "--timeout", "0.5", slow)
    assert code == 1, err
    [line] = err.splitlines()
    assert line.startswith("jobtone: query stopped after 0.5 seconds (--timeout)")
    # the connection was interrupted and closed: the file is free for a writer at once
    store.connect(db).close()


def test_a_short_query_is_not_held_to_the_timeout(db):
    code, out, err = jobtone("--db", str(db), "sql", "--timeout", "30", "--format", "csv",
                             "SELECT range AS n FROM range(5)")
    assert (code, out, err) == (0, "n\n0\n1\n2\n3\n4\n", "")


def test_millions_of_rows_stream_to_a_file_in_bounded_memory(db, tmp_path):
    rows = 3_000_000
    target = tmp_path / "rows.csv"
    # A small Python starts `jobtone sql` and reports its peak RSS: started from this test process, the child's
    # peak would count the pages it shares with pytest between fork and exec.
    measure = textwrap.dedent(f"""
        import os, subprocess, sys
        with open({str(target)!r}, "w", encoding="utf-8") as out:
            child = subprocess.Popen([sys.executable, "-m", "jobtone", "--db", {str(db)!r}, "sql", "--format", "csv",
                                      "SELECT range AS n, md5(range::VARCHAR) AS h FROM range({rows})"], stdout=out)
            _, status, usage = os.wait4(child.pid, 0)
        print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
    """)
    done = subprocess.run([sys.executable, "-c", measure], capture_output=True, text=True, timeout=600)
    code, peak = map(int, done.stdout.split())
    assert code == 0, done.stderr
    with open(target, encoding="utf-8") as written:
        assert next(written) == "n,h\n"
        assert sum(1 for _ in written) == rows
    peak_mb = peak / 1024 if sys.platform != "darwin" else peak / 2**20
    # the whole result as Python rows is ~1 GB; streamed, the process stays near its start-up size (~100 MB)
    assert peak_mb < 400, f"peak RSS {peak_mb:.0f} MB"


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_results_of_many_chunks_are_whole(db, fmt):
    code, out, err = jobtone("--db", str(db), "sql", "--format", fmt,
                             "SELECT range AS n, 'row ' || range AS label FROM range(10000) ORDER BY n")
    assert code == 0, err
    if fmt == "json":
        assert json.loads(out) == [{"n": i, "label": f"row {i}"} for i in range(10000)]
    elif fmt == "csv":
        assert out.splitlines() == ["n,label", *(f"{i},row {i}" for i in range(10000))]
    else:
        lines = out.splitlines()
        assert lines[0].split() == ["n", "label"] and len(lines) == 2 + 10000
        assert lines[-1].split() == ["9999", "row", "9999"]


def _no_constants(name: str):
    raise AssertionError(f"invalid JSON constant {name}")


def test_json_never_holds_nan_or_infinity(db):
    code, out, err = jobtone("--db", str(db), "sql", "--format", "json",
                             "SELECT 'nan'::DOUBLE AS x, 'inf'::DOUBLE AS y, ['-inf'::DOUBLE, 1.5] AS z, "
                             "{'a': 'nan'::FLOAT} AS s")
    assert code == 0, err
    assert json.loads(out, parse_constant=_no_constants) == [{"x": None, "y": None, "z": [None, 1.5], "s": {"a": None}}]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_query_is_a_usage_error(db, text):
    code, out, err = jobtone("--db", str(db), "sql", text)
    assert code == 2 and out == ""
    assert err.splitlines() == ["jobtone sql: error: argument query: must not be empty (see `jobtone sql --help`)"]


@pytest.mark.parametrize("text", ["-- only a comment", ";", "/* nothing */ ;"])
def test_a_query_without_a_statement_is_a_usage_error(db, text):
    code, out, err = jobtone("--db", str(db), "sql", text)
    assert (code, out) == (2, "")
    assert err.splitlines() == ["jobtone: the query holds no SQL statement (only white space, comments or `;`)"]


@pytest.mark.parametrize("option", [["--timeout", "-1"], ["--timeout", "nan"], ["--wait", "inf"], ["--wait", "x"]])
def test_bad_numbers_are_usage_errors(db, option):
    code, _, err = jobtone("--db", str(db), "sql", *option, "SELECT 1")
    assert code == 2
    assert f"argument {option[0]}:" in err.splitlines()[-1]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the query runs")
def test_a_running_query_does_not_hold_up_another_reader(db):
    process = start_sql(db, "--timeout", "120", SLOW_AGGREGATE)
    try:
        wait_until_open(process, db)
        code, out, err = jobtone("--db", str(db), "sql", "--wait", "0", "--format", "csv", "SELECT 42 AS answer")
        assert (code, out) == (0, "answer\n42\n"), err
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert process.returncode == 130
