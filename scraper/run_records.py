"""The `runs` and `board_runs` rows: a run's record written when it ends, each staged batch counted when it is
loaded, and runs whose process died closed by the next one.

A batch is counted in the transaction that loads it, against the run that fetched it: so the postings a
run loaded before it was killed (or that a later run loaded from its staged batch) are counted once, and a
run's totals always add up its board rows.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from scraper import discovery_store
from scraper.dates import utcnow
from scraper.staging import Batch, process_gone
from scraper.store import LoadStats

log = logging.getLogger(__name__)

ABANDONED = "ended without recording its end (killed, or the machine stopped); what it loaded is counted"


def write_run_record(con: duckdb.DuckDBPyConnection, record: dict[str, Any]) -> None:
    """Insert one run's rows (a handful: executemany is fine at this size), replacing earlier ones."""
    run, boards = record["run"], record["boards"]
    con.execute("DELETE FROM runs WHERE run_id = ?", [run["run_id"]])
    con.execute("DELETE FROM board_runs WHERE run_id = ?", [run["run_id"]])
    con.execute(f"INSERT INTO runs BY NAME SELECT {', '.join(f'${k} AS {k}' for k in run)}", run)
    if boards:
        columns = list(boards[0])
        con.executemany(f"INSERT INTO board_runs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                        [[b[c] for c in columns] for b in boards])
        # the run's boards were visited, even when the database was locked while they were fetched
        discovery_store.record_visits(con, [(b["source"], b["board"], b["started_at"]) for b in boards])


def count_loaded(batch: Batch, con: duckdb.DuckDBPyConnection, stats: LoadStats) -> None:
    """Count a batch against its run, inside the transaction that loads it: its board row (the run's
    `staged` row, or a new one) becomes `ok` with the load's counts, and the run's totals are summed again.
    A batch loaded a second time (its process was killed between the commit and removing its files) is
    not counted again."""
    key = {"batch": batch.postings_file}
    statuses = [s for (s,) in con.execute("SELECT status FROM board_runs WHERE batch = $batch", key).fetchall()]
    if "ok" in statuses:
        return
    counts = {**key, "new": stats.new, "updated": stats.updated, "removed": stats.removed,
              "implausible_dates": stats.implausible_dates, "ended": utcnow()}
    if statuses:
        con.execute("""UPDATE board_runs SET status = 'ok', new = $new, updated = $updated, removed = $removed,
                                             implausible_dates = $implausible_dates
                       WHERE batch = $batch""", {k: v for k, v in counts.items() if k != "ended"})
    else:
        con.execute("""INSERT INTO board_runs (run_id, source, board, started_at, ended_at, status, fetched, new, updated,
                                               removed, skipped, implausible_dates, batch)
                       VALUES ($run, $source, $board, $seen, $ended, 'ok', $fetched, $new, $updated, $removed,
                               $skipped, $implausible_dates, $batch)""",
                    {**counts, "run": batch.run_id, "source": batch.source, "board": batch.board,
                     "seen": batch.seen_at, "fetched": stats.fetched, "skipped": batch.skipped})
    _sum_run(con, batch)


def _sum_run(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """The run's totals from its board rows (a `running` row first, if the run has none yet)."""
    run = {"run": batch.run_id}
    con.execute("""INSERT INTO runs (run_id, started_at, status, fetched, new, updated, removed, failures, error, pid)
                   SELECT $run, $now, 'running', 0, 0, 0, 0, 0, '', $pid
                   WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = $run)""",
                {**run, "now": utcnow(), "pid": batch.pid})
    con.execute("""UPDATE runs SET fetched = b.fetched, new = b.new, updated = b.updated, removed = b.removed
                   FROM (SELECT sum(fetched)::BIGINT AS fetched, sum(new)::BIGINT AS new,
                                sum(updated)::BIGINT AS updated, sum(removed)::BIGINT AS removed
                         FROM board_runs WHERE run_id = $run) b
                   WHERE runs.run_id = $run""", run)


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
