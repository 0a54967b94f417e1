"""Every step a user meets, timed as a whole `jobtone` process next to DuckDB's own operation (issue 14).

    python benchmarks/cli_bench.py --rows 100000            # quick run
    python benchmarks/cli_bench.py                           # 1M postings of real-looking text (~1.2 GB JSONL)
    python benchmarks/cli_bench.py --corpus dump.jsonl --runs 3

Generates (or takes, with --corpus) a JSON Lines dump written by benchmarks/realistic_corpus.py, and
--added more postings with other ids. Then, per run, on a fresh database, each step is a child process
timed by wall clock, with its peak RSS from os.wait4:
  import     `jobtone import corpus.jsonl`  vs  `CREATE TABLE t AS SELECT * FROM read_json(...)`
  analysis   the first `jobtone trends --by year` (the full analysis)  vs  one query that extracts every
             form's matches with regexp_extract_all (the lexicon's real scan pattern) and maps each
             distinct match to its term (the lexicon's classifier), on that table
  import +N  `jobtone import more.jsonl` (not a target)
  trends     `jobtone trends` (incremental: open, analyse the N new postings, trend query, close)
  chart      `jobtone chart` (analysis check, trend queries x3, three charts as PNG+SVG, the report)
Targets: import <= 1.3x DuckDB, analysis <= 1.5x DuckDB, trends <= 2 s, chart <= 3 s, peak RSS <= 3 GB.
DuckDB's side runs in a child Python process too, so both pay their start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_corpus  # noqa: E402

from analysis.lexicon import load_lexicon  # noqa: E402
from analysis.match import build_scanner  # noqa: E402

RSS_TARGET_MB = 3 * 1024


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0  # user + system CPU of the process and its threads: what a shared machine's load inflates least


@dataclass(frozen=True)
class Step:
    name: str
    jobtone: Timing
    duckdb: Timing | None = None
    max_ratio: float | None = None  # target: jobtone / duckdb at most this
    max_seconds: float | None = None  # target: jobtone at most this many seconds

    @property
    def ratio(self) -> float | None:
        return self.jobtone.seconds / self.duckdb.seconds if self.duckdb else None

    @property
    def target(self) -> str:
        if self.max_ratio is not None:
            return f"<= {self.max_ratio:g}x"
        return f"<= {self.max_seconds:g} s" if self.max_seconds is not None else "-"

    @property
    def passed(self) -> bool | None:
        if self.max_ratio is not None and self.ratio is not None:
            return self.ratio <= self.max_ratio
        return self.jobtone.seconds <= self.max_seconds if self.max_seconds is not None else None


def run_child(argv: list[str], cwd: Path, log: Path) -> Timing:
    """Run one process to its end: wall-clock seconds and its peak RSS (os.wait4); raises when it fails."""
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=out)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {child.returncode}; see {log}")
    return Timing(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def jobtone_command() -> list[str]:
    """The installed `jobtone` script next to this Python, else `python -m jobtone`."""
    script = Path(sys.executable).with_name("jobtone")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobtone"]


def duckdb_child(sql: str, db: Path, params: dict[str, object] | None = None) -> list[str]:
    """A Python process that runs `sql` on `db` with DuckDB and nothing else."""
    code = ("import duckdb, json, sys; con = duckdb.connect(sys.argv[1]); "
            "con.execute(sys.argv[2], json.loads(sys.argv[3])); con.close()")
    return [sys.executable, "-c", code, str(db), sql, json.dumps(params or {})]


def read_json_sql(corpus: Path) -> str:
    return f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_json('{corpus}')"


def match_sql() -> tuple[str, dict[str, object]]:
    """Every form's matches in every text, each distinct match mapped to its term: jobtone's scan, alone."""
    scanner = build_scanner(load_lexicon("default"))
    params: dict[str, object] = {"pattern": scanner.pattern}
    whens = []
    for i, (regex, term, _excluded) in enumerate(scanner.classifier()):
        params[f"r{i}"] = regex
        whens.append(f"WHEN regexp_full_match(core, $r{i}) THEN {term}")
    sql = f"""
        CREATE OR REPLACE TABLE matched AS
        WITH found AS (SELECT id, unnest(regexp_extract_all(text, $pattern)) AS m FROM t),
        kinds AS (SELECT m, CASE {' '.join(whens)} END AS term FROM (
                      SELECT m, if(regexp_matches(m, '[^\\pL\\pN_]$'), left(m, -1), m) AS core
                      FROM (SELECT DISTINCT m FROM found)))
        SELECT id, term, count(*) AS mentions FROM found JOIN kinds USING (m)
        WHERE term IS NOT NULL GROUP BY ALL"""
    return sql, params


def write_corpus(path: Path, rows: int, seed: int, id_prefix: str) -> None:
    """`rows` postings from benchmarks/realistic_corpus.py, ids `<id_prefix><n>`."""
    with open(path, "w", encoding="utf-8") as out:
        for n, row in enumerate(realistic_corpus.postings(rows, seed)):
            row["id"] = f"{id_prefix}{n}"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def one_run(corpus: Path, more: Path, work: Path, log: Path, import_only: bool = False) -> list[Step]:
    """All steps on fresh databases in `work` (only the first import with `import_only`)."""
    db, raw = work / "bench.duckdb", work / "duckdb_only.duckdb"
    remove_databases(work)
    jobtone = [*jobtone_command(), "--db", str(db)]
    steps = [Step("import", run_child([*jobtone, "import", str(corpus)], work, log),
                  run_child(duckdb_child(read_json_sql(corpus), raw), work, log), max_ratio=1.3)]
    if import_only:
        return steps
    sql, params = match_sql()
    steps.append(Step("first trends --by year (full analysis)",
                      run_child([*jobtone, "trends", "--by", "year"], work, log),
                      run_child(duckdb_child(sql, raw, params), work, log), max_ratio=1.5))
    steps.append(Step(f"import {count_lines(more):,} more", run_child([*jobtone, "import", str(more)], work, log)))
    steps.append(Step("trends (incremental)", run_child([*jobtone, "trends"], work, log), max_seconds=2.0))
    steps.append(Step("chart", run_child([*jobtone, "chart", "--out", str(work / "charts")], work, log),
                      max_seconds=3.0))
    return steps


def remove_databases(work: Path) -> None:
    for name in ("bench.duckdb", "duckdb_only.duckdb"):
        for suffix in ("", ".wal", ".tmp"):
            path = work / (name + suffix)
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    shutil.rmtree(work / "charts", ignore_errors=True)


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def table(steps: list[Step]) -> str:
    """The steps as a Markdown table, then the peak RSS line."""
    lines = ["| step | jobtone s | DuckDB s | ratio | target | pass | peak RSS MB (jobtone / DuckDB) | CPU s (jobtone / DuckDB) |",
             "|---|---:|---:|---:|---|---|---:|---:|"]
    for s in steps:
        duck = f"{s.duckdb.seconds:.2f}" if s.duckdb else "-"
        ratio = f"{s.ratio:.2f}x" if s.ratio is not None else "-"
        verdict = {True: "pass", False: "FAIL", None: "-"}[s.passed]
        rss = f"{s.jobtone.peak_mb:,.0f}" + (f" / {s.duckdb.peak_mb:,.0f}" if s.duckdb else "")
        cpu = f"{s.jobtone.cpu_seconds:.2f}" + (f" / {s.duckdb.cpu_seconds:.2f}" if s.duckdb else "")
        lines.append(f"| {s.name} | {s.jobtone.seconds:.2f} | {duck} | {ratio} | {s.target} | {verdict} | {rss} | {cpu} |")
    peak = max(s.jobtone.peak_mb for s in steps)
    lines.append(f"| peak RSS (any jobtone step) | {peak:,.0f} MB | | | <= {RSS_TARGET_MB:,} MB | "
                 f"{'pass' if peak <= RSS_TARGET_MB else 'FAIL'} | | |")
    return "\n".join(lines)


def all_passed(steps: list[Step]) -> bool:
    return all(s.passed is not False for s in steps) and max(s.jobtone.peak_mb for s in steps) <= RSS_TARGET_MB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="postings in the generated dump")
    parser.add_argument("--added", type=int, default=10_000, help="postings imported before the incremental trends")
    parser.add_argument("--corpus", type=Path, help="a JSON Lines dump to use instead of a generated one")
    parser.add_argument("--work", type=Path, default=Path("/tmp/jobtone-cli-bench"), help="working folder")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the generated dumps and the databases")
    parser.add_argument("--runs", type=int, default=1, help="run every step this many times, each on a fresh database")
    parser.add_argument("--import-only", action="store_true", help="time only the first import (and DuckDB's)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus.resolve() if args.corpus else args.work / f"corpus_{args.rows}.jsonl"
    more = args.work / f"more_{args.added}.jsonl"
    generated = [more] if args.corpus else [corpus, more]
    if not args.corpus and not (args.keep and corpus.exists()):
        write_corpus(corpus, args.rows, seed=1, id_prefix="g")
    if not (args.keep and more.exists()):
        write_corpus(more, args.added, seed=2, id_prefix="more")
    log = args.work / "cli_bench.log"
    log.unlink(missing_ok=True)
    print(f"corpus: {corpus} ({count_lines(corpus):,} postings, {corpus.stat().st_size / 1e9:.2f} GB); "
          f"{os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    ok = True
    try:
        for run in range(1, args.runs + 1):
            steps = one_run(corpus, more, args.work, log, args.import_only)
            print(f"\nrun {run} of {args.runs} (load average after: {os.getloadavg()[0]:.2f})\n{table(steps)}",
                  flush=True)
            ok = ok and all_passed(steps)
    finally:
        if not args.keep:
            remove_databases(args.work)
            for path in generated:
                path.unlink(missing_ok=True)
    print(f"\nall targets met in every run: {'yes' if ok else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
