"""`jobtone import` of the same postings as JSON Lines, CSV and Parquet, each timed as a whole process.

    python benchmarks/import_formats.py [--rows 200000] [--runs 3] [--work DIR] [--keep]

The postings come from benchmarks/realistic_corpus.py (as cli_bench.py's dump); DuckDB writes the CSV
and Parquet copies. Each run imports every format into a fresh database, the formats in turn, so a busy
moment of the machine falls on all of them alike. Prints each import's wall and CPU seconds and its time
against Parquet's in the same run (the issue's target: CSV and JSON Lines about as fast as Parquet).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_bench import jobtone_command, run_child, write_corpus  # noqa: E402

FORMATS = ("parquet", "jsonl", "csv")


def write_formats(work: Path, rows: int) -> dict[str, Path]:
    """The dump as each format (reused when present)."""
    paths = {kind: work / f"postings_{rows}.{kind}" for kind in FORMATS}
    if not paths["jsonl"].exists():
        write_corpus(paths["jsonl"], rows, seed=7, id_prefix="f")
    con = duckdb.connect()
    source = f"read_json('{paths['jsonl']}', format = 'newline_delimited')"
    for kind, options in (("parquet", "FORMAT parquet"), ("csv", "HEADER")):
        if not paths[kind].exists():
            con.execute(f"COPY (SELECT * FROM {source}) TO '{paths[kind]}' ({options})")
    con.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="postings in each file")
    parser.add_argument("--runs", type=int, default=3, help="imports of each format")
    parser.add_argument("--work", type=Path, default=Path("/tmp/jobtone-import-formats"), help="working folder")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the files")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    log = args.work / "import_formats.log"
    try:
        paths = write_formats(args.work, args.rows)
        print(f"{args.rows:,} postings; sizes: " + ", ".join(f"{k} {p.stat().st_size / 1e6:,.0f} MB"
                                                           for k, p in paths.items()), flush=True)
        print("| run | format | wall s | CPU s | vs Parquet |\n|---|---|---:|---:|---:|")
        for run in range(1, args.runs + 1):
            timings = {}
            for kind in FORMATS:
                db = args.work / f"{kind}.duckdb"
                db.unlink(missing_ok=True)
                timings[kind] = run_child([*jobtone_command(), "--db", str(db), "import", str(paths[kind])],
                                          args.work, log)
                db.unlink(missing_ok=True)
            for kind, timing in timings.items():
                print(f"| {run} | {kind} | {timing.seconds:.2f} | {timing.cpu_seconds:.2f} | "
                      f"{timing.seconds / timings['parquet'].seconds:.2f}x |", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
