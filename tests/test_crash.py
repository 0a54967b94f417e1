"""Crash safety in CI: a few SIGKILLs of `jobtone scrape`, `jobtone backfill hn` and the analysis (`jobtone trends`)
at chosen moments (a batch just staged, every board requested, a thread half-way, the analysis committing).
benchmarks/crash_trials.py runs many more, at random moments.

After each kill: the database opens, no posting is duplicated or half-written, each board or thread is wholly
before or wholly after and so is the analysis, run counts agree with their board outcomes, category counts
with term counts; the next run completes the work."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from crash_trials import Bench, scenarios  # noqa: E402

from replay import ReplayServer  # noqa: E402

SCENARIOS = scenarios("ci")


def batch_staged(workdir: Path, server: ReplayServer) -> bool:
    """A batch is staged: the moment between fetching a board and loading it (or the load itself)."""
    return any((workdir / "jobtone.duckdb.staging").glob("*.json"))


def requested(path_part: str, times: int):
    def seen(workdir: Path, server: ReplayServer) -> bool:
        return sum(path_part in r.path for r in server.requests) >= times
    return seen


@pytest.fixture(scope="module")
def crash_server():
    with ReplayServer() as server:
        server.httpd.handle_error = lambda request, address: None  # killed clients reset connections: expected
        yield server


@pytest.fixture(scope="module")
def benches(tmp_path_factory, crash_server):
    made: dict[str, Bench] = {}

    def bench(name: str) -> Bench:
        if name not in made:
            made[name] = Bench(SCENARIOS[name], tmp_path_factory.mktemp(name), crash_server)
        return made[name]
    return bench


# (scenario, when to kill, seconds after that): every board requested means loads are under way
KILLS = {
    "scrape-first-batch-staged": ("scrape", batch_staged, 0.0),
    "scrape-all-boards-requested": ("scrape", requested("/v1/boards/", 3), 0.05),
    "backfill-hn-third-thread": ("backfill-hn", requested("/api/v1/items/", 3), 0.0),
    "analysis-while-committing": ("analysis", lambda workdir, server: (workdir / "jobtone.duckdb.wal").exists(), 0.0),
}


@pytest.mark.parametrize("kill", KILLS)
def test_killed_command_leaves_a_whole_database_and_the_next_run_completes(kill, benches):
    name, when, after = KILLS[kill]
    bench = benches(name)
    trial = bench.trial(after, list(KILLS).index(kill), when)
    assert trial.problems == []
    assert trial.killed, "the command finished before the kill: the trial proved nothing"
