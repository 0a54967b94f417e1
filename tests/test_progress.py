"""How far a long statement is: drawn by jobtone on a terminal's stderr, never by DuckDB on stdout."""

import io
import re

from jobtone.progress import statement_progress
from scraper import store

SLOW = "SELECT count(*) FROM range(300000000) WHERE range % 7 = 1"  # long enough to be seen


def test_the_statement_being_run_is_drawn_as_a_bar_and_the_line_cleared_after(tmp_path):
    err = io.StringIO()
    with store.opened(tmp_path / "j.duckdb") as con, statement_progress(con, "importing", err, True, every=0.01):
        con.execute(SLOW).fetchall()
    assert re.search(r"\r\033\[Kimporting \[#*-*\] +\d+% +\d+s", err.getvalue())
    assert err.getvalue().endswith("\r\033[K")


def test_off_a_terminal_nothing_is_drawn(tmp_path):
    err = io.StringIO()
    with store.opened(tmp_path / "j.duckdb") as con, statement_progress(con, "importing", err, False, every=0.01):
        con.execute(SLOW).fetchall()
    assert err.getvalue() == ""


def test_duckdb_tracks_progress_but_never_draws_it_on_stdout(tmp_path, capfd):
    with store.opened(tmp_path / "j.duckdb") as con:
        con.execute("SET progress_bar_time = 0")  # DuckDB would draw at once
        con.execute(SLOW).fetchall()
    assert capfd.readouterr().out == ""


def test_a_connection_closed_under_the_bar_stops_it_quietly(tmp_path, monkeypatch):
    import threading
    import time

    raised = []
    monkeypatch.setattr(threading, "excepthook", raised.append)
    con = store.connect(tmp_path / "j.duckdb")
    with statement_progress(con, "importing", io.StringIO(), True, every=0.01):
        con.close()
        time.sleep(0.1)
    assert raised == []
