"""The `runs` and `board_runs` rows: a run's record written when it ends, each staged batch counted when it is
loaded, and runs whose process died closed by the next one.

A batch is counted in the transaction that loads it, against the run that fetched it: so the postings a
run loaded before it was killed (or that a later run loaded from its staged batch) are counted once, and a
run's totals always add up its board rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import duckdb

from scraper import discovery_store
from scraper.dates import utcnow
from scraper.staging import Batch, process_gone
from scraper.store import LoadStats

log = logging.getLogger(__name__)

ABANDONED = "ended without recording its end (killed, or the machine stopped); what it loaded is counted"


def write_run_record(con: duckdb.DuckDBPyConnection, record: dict[str, Any]) -> None:
    """Insert one run's rows, replacing earlier ones (its board rows in one statement: executemany took 5 s
    for 2,000 boards)."""
    run, boards = record["run"], record["boards"]
    con.execute("DELETE FROM runs WHERE run_id = ?", [run["run_id"]])
    con.execute("DELETE FROM board_runs WHERE run_id = ?", [run["run_id"]])
    con.execute(f"INSERT INTO runs BY NAME SELECT {', '.join(f'${k} AS {k}' for k in run)}", run)
    if boards:
        con.execute("INSERT INTO board_runs BY NAME SELECT unnest($boards, recursive := true)", {"boards": boards})
        # the run's boards were visited, even when the database was locked while they were fetched
        discovery_store.record_visits(con, [(b["source"], b["board"], b["started_at"]) for b in boards])


# What `count_batches` writes, per batch (the temp table `loaded`).
_LOADED = """CREATE OR REPLACE TEMP TABLE loaded (
    batch VARCHAR, run VARCHAR, source VARCHAR, board VARCHAR, seen TIMESTAMP, fetched BIGINT, new BIGINT,
    updated BIGINT, removed BIGINT, skipped BIGINT, implausible_dates BIGINT, pid INTEGER)"""
_COUNT = (
    # a batch loaded a second time (its process was killed between the commit and removing its files) is not counted again
    """DELETE FROM loaded l WHERE EXISTS (SELECT 1 FROM board_runs b WHERE b.batch = l.batch AND b.status = 'ok')""",
    """UPDATE board_runs b SET status = 'ok', new = l.new, updated = l.updated, removed = l.removed,
                             implausible_dates = l.implausible_dates
       FROM loaded l WHERE b.batch = l.batch""",
    """INSERT INTO board_runs (run_id, source, board, started_at, ended_at, status, fetched, new, updated, removed,
                              skipped, implausible_dates, batch)
       SELECT run, source, board, seen, $now, 'ok', fetched, new, updated, removed, skipped, implausible_dates, batch
       FROM loaded l WHERE NOT EXISTS (SELECT 1 FROM board_runs b WHERE b.batch = l.batch)""",
    # each run's totals from its board rows (a `running` row first, if the run has none yet)
    """INSERT INTO runs (run_id, started_at, status, fetched, new, updated, removed, failures, error, pid)
       SELECT run, $now, 'running', 0, 0, 0, 0, 0, '', any_value(pid) FROM loaded l
       WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = l.run) GROUP BY run""",
    """UPDATE runs SET fetched = b.fetched, new = b.new, updated = b.updated, removed = b.removed
       FROM (SELECT run_id, sum(fetched)::BIGINT AS fetched, sum(new)::BIGINT AS new,
                    sum(updated)::BIGINT AS updated, sum(removed)::BIGINT AS removed
             FROM board_runs WHERE run_id IN (SELECT run FROM loaded) GROUP BY run_id) b
       WHERE runs.run_id = b.run_id""",
)


def count_batches(con: duckdb.DuckDBPyConnection, loaded: Sequence[tuple[Batch, LoadStats]]) -> None:
    """Count batches against their runs, inside the transaction that loads them: each board row (the run's
    `staged` row, or a new one) becomes `ok` with its load's counts, and each run's totals are summed again;
    a batch already counted is not counted again. A few statements whatever the number of batches."""
    if not loaded:
        return
    rows = [{"batch": b.postings_file, "run": b.run_id, "source": b.source, "board": b.board, "seen": str(b.seen_at),
             "fetched": s.fetched, "new": s.new, "updated": s.updated, "removed": s.removed, "skipped": b.skipped,
             "implausible_dates": s.implausible_dates, "pid": b.pid} for b, s in loaded]
    con.execute(_LOADED)
    con.execute("INSERT INTO loaded BY NAME SELECT unnest($rows, recursive := true)", {"rows": rows})
    for statement in _COUNT:
        con.execute(statement, {"now": utcnow()} if "$now" in statement else None)
    con.execute("DROP TABLE loaded")


def close_abandoned(con: duckdb.DuckDBPyConnection) -> int:
    """Mark `interrupted` the runs still `running` whose process is gone (killed, or the machine stopped);
    returns how many. Their counts stay: what they loaded was counted as it was loaded."""
    running = con.execute("SELECT run_id, pid FROM runs WHERE status = 'running'").fetchall()
    gone = [run_id for run_id, pid in running if pid is None or process_gone(int(pid))]
    for run_id in gone:
        con.execute("""UPDATE runs SET status = 'interrupted', error = $error,
                                       ended_at = coalesce((SELECT max(ended_at) FROM board_runs WHERE run_id = $run),
                                                           started_at)
                       WHERE run_id = $run""", {"run": run_id, "error": ABANDONED})
        log.warning("run %s %s", run_id, ABANDONED)
    return len(gone)
