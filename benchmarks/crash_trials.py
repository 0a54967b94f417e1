"""Crash trials: kill `jobtone` with SIGKILL at random moments and check that nothing is lost or half-written.

    python benchmarks/crash_trials.py [--trials 24] [--seed 1] [--scenario scrape backfill-hn analysis]

Each scenario starts from a stored state S0, made by an uninterrupted command, and a command that moves it
to S1 (measured once, uninterrupted, as the reference). A trial copies S0, starts the command against the
local replay server, kills it with SIGKILL at a random moment after its first request, and checks:
  - the database opens (read-only, then read-write: the write-ahead log replays);
  - no posting is duplicated or half-written (ids and content hashes recomputed in SQL, required columns);
  - every unit of work (a board's batch, an HN thread) is either wholly S0 or wholly S1: rows, removal
    marks and wording history together;
  - every recorded run's counts equal the sum of its board outcomes; category counts equal their term
    counts, and only analysed postings have counts;
then runs the command again, uninterrupted, and checks that it completes: everything is S1, nothing staged.

Scenarios: `scrape` (big boards whose listings changed: edits, removals, new postings),
`backfill-hn` (the HN "Who is hiring?" backfill, resumed) and `analysis` (`jobtone trends` analysing
freshly scraped postings: its results, written in one transaction, must be all there or not at all, with
category counts that agree with the term counts). tests/test_crash.py runs a few trials in CI.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the replay server and its fixtures

from e2e import board, write_config  # noqa: E402
from jobtone.cli import main as jobtone_main  # noqa: E402
from replay import ReplayServer, Reply, fixture_bytes  # noqa: E402
from scraper.posting import CONTENT_HASH_SQL, POSTING_ID_SQL  # noqa: E402

Routes = Callable[[ReplayServer, int], None]  # serve state 0 or 1


# -- what the server serves ---------------------------------------------------------------------------

def greenhouse_board(token: str, jobs: int, version: int) -> bytes:
    """A big Greenhouse board made of the recorded jobs (with short texts); version 1 edits every 10th job,
    drops every 20th and adds 5% new ones."""
    recorded = json.loads(fixture_bytes("greenhouse/anthropic.json"))
    out = []
    for i in range(jobs + (jobs // 20 if version else 0)):
        if version and i % 20 == 1:
            continue
        job = copy.deepcopy(recorded["jobs"][i % len(recorded["jobs"])])
        edited = " Edited." if version and i % 10 == 0 else ""
        job.update(id=f"{token}{i}", title=f"{job['title']} #{i}", content=(  # short: loads, not parsing, dominate
            "&lt;div class=&quot;content-intro&quot;&gt;&lt;p&gt;About us.&lt;/p&gt;&lt;/div&gt;"
            f"&lt;p&gt;Posting {i} of {token}: {job['title']}, flexible hours, fast-paced team.{edited}&lt;/p&gt;"))
        out.append(job)
    return json.dumps({"jobs": out, "meta": {"total": len(out)}}).encode()


def scrape_routes(boards: dict[str, int], stagger: float) -> Routes:
    """Board n answers after n * stagger seconds, so loads of some boards overlap fetches of others."""
    bodies = {(token, version): greenhouse_board(token, jobs, version) for token, jobs in boards.items() for version in (0, 1)}

    def serve(server: ReplayServer, version: int) -> None:
        for n, token in enumerate(boards):
            server.route(f"/v1/boards/{token}/jobs", Reply(200, bodies[(token, version)],
                                                           {"Content-Type": "application/json"}, delay=n * stagger))
    return serve


def hn_threads(count: int, comments: int) -> tuple[dict, dict[int, dict]]:
    """`count` monthly hiring threads from 2020 on (all closed), each of `comments` recorded comments."""
    listing = json.loads(fixture_bytes("hn_algolia/search_by_date_whoishiring.json"))
    item = json.loads(fixture_bytes("hn_algolia/item_48747976_trimmed.json"))
    hits, items = [], {}
    for n in range(count):
        story, month = 1_000_000 + n * 10_000, f"{2020 + n // 12}-{n % 12 + 1:02d}"
        posted = int(time.mktime(time.strptime(f"{month}-01 16:00", "%Y-%m-%d %H:%M")))
        hit = copy.deepcopy(listing["hits"][0])
        title = f"Ask HN: Who is hiring? ({time.strftime('%B %Y', time.gmtime(posted))})"
        hit.update(objectID=str(story), story_id=story, title=title, created_at_i=posted, created_at=f"{month}-01T16:00:00Z")
        hits.append(hit)
        children = []
        for c in range(comments):
            child = copy.deepcopy(item["children"][c % len(item["children"])])
            child.update(id=story + 1 + c, parent_id=story, story_id=story, created_at_i=posted + 60 * c, children=[])
            child["text"] = f"{child.get('text') or 'Acme | Engineer'} <p>Comment {c} of {story}.</p>"
            children.append(child)
        items[story] = {**{k: v for k, v in item.items() if k != "children"}, "id": story, "title": title, "children": children}
    return {**listing, "hits": hits[::-1], "nbHits": count, "nbPages": 1}, items


def hn_routes(count: int, comments: int, delay: float) -> Routes:
    listing, items = hn_threads(count, comments)

    def serve(server: ReplayServer, version: int) -> None:
        server.route("/api/v1/search_by_date", Reply.json(listing))
        for story, item in items.items():
            server.route(f"/api/v1/items/{story}", Reply.json(item, delay=delay))
    return serve


# -- scenarios --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    name: str
    command: tuple[str, ...]  # moves S0 to S1
    prepare: tuple[str, ...] | None  # makes S0 (None: an empty database)
    serve: Routes
    unit_sql: str  # the unit of work a posting belongs to (loaded whole or not at all)
    config_boards: str = ""
    whole_sql: str = ""  # state changed as one unit by the command (the analysis: one transaction)
    http: bool = True  # False: no request tells when the work starts; start-up time is measured instead


SIZES = {"full": (5, 400, 12, 120), "small": (3, 150, 6, 40), "ci": (3, 60, 5, 20)}  # boards, jobs, threads, comments


def scenarios(size: str = "full") -> dict[str, Scenario]:
    board_count, jobs, threads, comments = SIZES[size]
    boards = {f"big{n}": jobs for n in range(board_count)}
    return {
        "scrape": Scenario("scrape", ("scrape",), ("scrape",), scrape_routes(boards, 0.2),
                        "source || ':' || board", "".join(board("greenhouse", t) for t in boards)),
        "backfill-hn": Scenario("backfill-hn", ("backfill", "hn"), ("backfill", "hn", "--until", "2020-02"),
                                hn_routes(threads, comments, 0.05), "fingerprint"),
        "analysis": Scenario("analysis", ("trends",), ("scrape",), scrape_routes(boards, 0.0),
                             "source || ':' || board", "".join(board("greenhouse", t) for t in boards),
                             whole_sql=ANALYSIS_STATE, http=False),
    }


# The analysis' stored results: written in one transaction, so after a kill all of the new or none of it.
ANALYSIS_STATE = """
    SELECT 'analysed', analysis_key, posting_id::VARCHAR, content_hash || ':' || words FROM posting_analysis
    UNION ALL SELECT 'term', analysis_key, posting_id::VARCHAR, term || ':' || mentions || ':' || excluded FROM term_counts
    UNION ALL SELECT 'category', analysis_key, posting_id::VARCHAR, category || ':' || mentions FROM category_counts
    UNION ALL SELECT 'run', analysis_key, lexicon_version, postings::VARCHAR FROM analysis_runs"""


# -- what is stored -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    units: dict[str, frozenset]  # unit → {(posting_id, content_hash, removed, history rows)}
    problems: tuple[str, ...] = ()


def snapshot(db: Path, scenario: Scenario) -> Snapshot:
    """Open the database (read-only, then read-write) and read every unit's rows; problems found on the way."""
    if not db.exists():
        return Snapshot({})
    try:
        duckdb.connect(str(db), read_only=True).close()
        with duckdb.connect(str(db)) as con:
            units = _units(con, scenario.unit_sql)
            if scenario.whole_sql:
                units["(the whole command)"] = frozenset(con.execute(scenario.whole_sql).fetchall())
            return Snapshot(units, tuple(integrity_problems(con)))
    except duckdb.Error as exc:
        return Snapshot({}, (f"database does not open: {exc}",))


def _units(con: duckdb.DuckDBPyConnection, unit_sql: str) -> dict[str, frozenset]:
    tables = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "postings" not in tables:
        return {}
    rows = con.execute(f"""
        SELECT {unit_sql} AS unit, p.posting_id, p.content_hash, p.removed_at IS NOT NULL,
               (SELECT count(*) FROM posting_history h WHERE h.posting_id = p.posting_id)
        FROM postings p""").fetchall()
    units: dict[str, set] = {}
    for unit, *rest in rows:
        units.setdefault(unit, set()).add(tuple(rest))
    return {unit: frozenset(rows) for unit, rows in units.items()}


INTEGRITY_CHECKS = {
    "duplicated postings": "SELECT posting_id FROM postings GROUP BY 1 HAVING count(*) > 1",
    "half-written postings (id, hash or required columns wrong)": f"""
        SELECT posting_id FROM postings
        WHERE posting_id <> {POSTING_ID_SQL} OR content_hash <> {CONTENT_HASH_SQL}
           OR title IS NULL OR text IS NULL OR first_seen_at IS NULL OR last_seen_at < first_seen_at""",
    "runs whose counts differ from their board outcomes": """
        SELECT r.run_id FROM runs r LEFT JOIN (
            SELECT run_id, sum(fetched) AS fetched, sum(new) AS new, count(*) FILTER (status IN ('failed', 'not_found')) AS failures
            FROM board_runs GROUP BY 1) b USING (run_id)
        WHERE r.fetched <> coalesce(b.fetched, 0) OR r.new <> coalesce(b.new, 0) OR r.failures <> coalesce(b.failures, 0)""",
    "category counts that disagree with their term counts": """
        SELECT posting_id FROM category_counts c FULL JOIN (
            SELECT analysis_key, posting_id, category, sum(mentions) AS mentions, count(*) AS terms
            FROM term_counts WHERE mentions > 0 GROUP BY ALL) t USING (analysis_key, posting_id, category)
        WHERE c.mentions IS DISTINCT FROM t.mentions OR c.terms IS DISTINCT FROM t.terms""",
    "counts of postings that were not analysed": """
        SELECT posting_id FROM term_counts t ANTI JOIN posting_analysis a USING (analysis_key, posting_id)""",
    "analysis runs whose posting count is wrong": """
        SELECT analysis_key FROM analysis_runs r
        WHERE postings <> (SELECT count(*) FROM posting_analysis a WHERE a.analysis_key = r.analysis_key)""",
}


def integrity_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems = []
    tables = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for label, sql in INTEGRITY_CHECKS.items():
        if "postings" not in tables or ("term_counts" in sql and "term_counts" not in tables):
            continue
        found = con.execute(sql).fetchall()
        if found:
            problems.append(f"{label}: {len(found)} (e.g. {found[0][0]})")
    return problems


def mixed_units(killed: Snapshot, before: Snapshot, after: Snapshot) -> list[str]:
    """Units neither wholly as before nor wholly as after."""
    names = set(killed.units) | set(before.units) | set(after.units)
    empty: frozenset = frozenset()
    return sorted(u for u in names if killed.units.get(u, empty) not in (before.units.get(u, empty), after.units.get(u, empty)))


# -- trials -------------------------------------------------------------------------------------------

@dataclass
class Trial:
    scenario: str
    kill_after: float
    killed: bool = False
    exit_code: int | None = None  # of the command that was to be killed
    units_done: int = 0  # units of work (those S0 -> S1 changes) already done when killed
    staged: int = 0  # batches left staged by the killed process
    problems: list[str] = field(default_factory=list)


class Bench:
    """A replay server and a prepared S0 and S1 for one scenario, to run trials against."""

    def __init__(self, scenario: Scenario, workdir: Path, server: ReplayServer) -> None:
        self.scenario, self.workdir, self.server = scenario, workdir, server
        self.template = workdir / "s0"
        self.template.mkdir(parents=True)
        scenario.serve(server, 0)
        if scenario.prepare:
            self._jobtone(self.template, scenario.prepare, check=True)
        self.before = snapshot(self.template / "jobtone.duckdb", scenario)
        scenario.serve(server, 1)
        reference = self._fresh("reference")
        started = time.monotonic()
        self._jobtone(reference, scenario.command, check=True)
        self.work_seconds = time.monotonic() - started  # in-process: no interpreter start-up in it
        self.after = snapshot(reference / "jobtone.duckdb", scenario)
        assert not self.before.problems and not self.after.problems, (self.before.problems, self.after.problems)
        self.changing = {u for u, rows in self.after.units.items() if self.before.units.get(u) != rows}

    def trial(self, kill_after: float, n: int, when: Callable[[Path, ReplayServer], bool] | None = None) -> Trial:
        """Start the command, wait for its first request (or its measured start-up time) and for
        `when(workdir, server)` if given, wait `kill_after` seconds more, kill it, check; then run it again
        and check it completes."""
        trial, directory = Trial(self.scenario.name, kill_after), self._fresh(f"trial{n}")
        trial.exit_code = self._kill(self._start(directory), directory, kill_after, when)
        trial.killed = trial.exit_code == -signal.SIGKILL
        trial.problems += self._check_killed(trial, directory)
        trial.problems += self._check_next_run(directory)
        return trial

    def _kill(self, process: subprocess.Popen, directory: Path, kill_after: float,
              when: Callable[[Path, ReplayServer], bool] | None) -> int:
        if self.scenario.http:
            self._wait_first_request(process)
        elif when is None:
            self._wait_database_open(process, directory / "jobtone.duckdb")  # no request marks the start
        while when is not None and not when(directory, self.server) and process.poll() is None:
            time.sleep(0.002)
        time.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
        return process.wait()

    def _check_killed(self, trial: Trial, directory: Path) -> list[str]:
        """What the killed process left: a database that opens, whole units of work, nothing half-written."""
        killed = snapshot(directory / "jobtone.duckdb", self.scenario)
        trial.units_done = sum(killed.units.get(u) == rows for u, rows in self.after.units.items() if u in self.changing)
        trial.staged = len(list((directory / "jobtone.duckdb.staging").glob("*.json")))
        return [*killed.problems, *(f"unit {u} half-done" for u in mixed_units(killed, self.before, self.after))]

    def _check_next_run(self, directory: Path) -> list[str]:
        """The command run again to its end: it completes the interrupted work and leaves nothing staged."""
        code = self._jobtone(directory, self.scenario.command)
        healed = snapshot(directory / "jobtone.duckdb", self.scenario)
        problems = [f"after the next run: {p}" for p in healed.problems]
        if code != 0 or healed.units != self.after.units:
            problems.append(f"the next run (exit {code}) did not complete the interrupted work: "
                            f"{len(mixed_units(healed, self.after, self.after))} units differ")
        leftovers = [p.name for p in (directory / "jobtone.duckdb.staging").glob("*") if p.suffix in (".json", ".runjson")]
        return problems + ([f"left staged after the next run: {leftovers}"] if leftovers else [])

    @staticmethod
    def _wait_database_open(process: subprocess.Popen, db: Path) -> None:
        """Until the process has the database file open (Linux: /proc/PID/fd), or after 10 s elsewhere."""
        deadline, fds = time.monotonic() + 10, Path(f"/proc/{process.pid}/fd")
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if any(os.path.realpath(fd) == str(db.resolve()) for fd in fds.iterdir()):
                    return
            except OSError:
                pass  # a descriptor closed while we looked
            time.sleep(0.002)

    def _fresh(self, name: str) -> Path:
        directory = self.workdir / name
        shutil.copytree(self.template, directory)
        for path in directory.glob("*.toml"):
            path.unlink()
        write_config(directory, self.server.url, self.scenario.config_boards, fast_hosts(self.server.url))
        return directory

    def _start(self, directory: Path) -> subprocess.Popen:
        self._seen = len(self.server.requests)
        return subprocess.Popen([sys.executable, "-m", "jobtone", "--config", str(directory / "jobtone.toml"),
                                 "--quiet", *self.scenario.command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _wait_first_request(self, process: subprocess.Popen) -> float:
        while len(self.server.requests) == self._seen and process.poll() is None:
            time.sleep(0.005)
        return time.monotonic()

    def _jobtone(self, directory: Path, argv: tuple[str, ...], check: bool = False) -> int:
        """Run a command to its end, in this process (only the killed runs need a process of their own)."""
        if not (directory / "jobtone.toml").exists():
            write_config(directory, self.server.url, self.scenario.config_boards, fast_hosts(self.server.url))
        err = io.StringIO()
        code = jobtone_main(["--config", str(directory / "jobtone.toml"), "--quiet", *argv], out=io.StringIO(), err=err)
        if check and code != 0:
            raise RuntimeError(f"jobtone {' '.join(argv)} failed ({code}): {err.getvalue()[-500:]}")
        return code


def fast_hosts(server_url: str) -> str:
    return f'[http.hosts."{server_url.split("//")[1]}"]\nconcurrency = 4\ninterval = 0\n'


def run_trials(names: list[str], trials: int, seed: int, size: str = "full",
               report: Callable[[str], None] = print) -> list[Trial]:
    """`trials` kills spread over the scenarios, each at a random moment of the command's measured work."""
    rng, results = random.Random(seed), []
    chosen = [scenarios(size)[name] for name in names]
    with tempfile.TemporaryDirectory(prefix="jobtone-crash-") as tmp, ReplayServer() as server:
        server.httpd.handle_error = lambda request, address: None  # killed clients reset connections: expected
        for index, scenario in enumerate(chosen):
            started = time.monotonic()
            bench = Bench(scenario, Path(tmp) / scenario.name, server)
            count = trials // len(chosen) + (index < trials % len(chosen))
            report(f"{scenario.name}: {len(bench.changing)} units of work, {bench.work_seconds:.2f} s uninterrupted "
                   f"(in-process); {count} trials")
            for n in range(count):
                trial = bench.trial(rng.uniform(0.0, bench.work_seconds * 1.5), n)  # some finish first: late moments too
                results.append(trial)
                state = "killed" if trial.killed else f"finished first (exit {trial.exit_code})"
                report(f"  trial {n + 1:2d}: kill at +{trial.kill_after:5.2f} s: {state}, {trial.units_done}/{len(bench.changing)} "
                       f"units done, {trial.staged} staged -> {'OK' if not trial.problems else '; '.join(trial.problems)}")
            report(f"  {scenario.name}: {time.monotonic() - started:.0f} s")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=24, help="kills in total, spread over the scenarios (default: 24)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", nargs="+", choices=sorted(scenarios()), default=sorted(scenarios()))
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    args = parser.parse_args()
    started = time.monotonic()
    results = run_trials(args.scenario, args.trials, args.seed, args.size)
    failed = [t for t in results if t.problems]
    killed = sum(t.killed for t in results)
    print(f"{len(results)} trials ({killed} killed mid-way, {len(results) - killed} finished before the kill): "
          f"{len(failed)} with problems, in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
