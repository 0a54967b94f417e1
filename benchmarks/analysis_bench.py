"""Benchmark of the analysis core on a generated corpus (not a test: run it by hand).

    python benchmarks/analysis_bench.py --rows 100000          # quick run
    python benchmarks/analysis_bench.py                         # the full 1M postings (~3 GB of text)
    python benchmarks/analysis_bench.py --realistic             # text from benchmarks/realistic_corpus.py

Generates postings of 300-900 words over ten years in DuckDB SQL (sentences drawn from a vocabulary,
terms planted in 1-20% of postings with case, hyphen and Unicode variants and near-miss words such as
"inflexible" and "disciplinary", a repeated company intro for a tenth of the companies), writes them to
Parquet (or, with --realistic, postings with real-looking text from benchmarks/realistic_corpus.py,
written as JSON Lines: paragraphs, bullets, curly quotes, a few percent of ligatures and mojibake),
then times the real code paths: import, full analysis, incremental analysis after adding 10k
postings, re-analysis after a lexicon change, and trends plus all charts and the report.
Targets (1M postings): import <= 45 s, full analysis <= 15 s, incremental <= 2 s, trends + charts <= 5 s,
peak memory <= 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_corpus  # noqa: E402

from analysis.charts import write_charts  # noqa: E402
from analysis.lexicon import load_lexicon, parse_lexicon  # noqa: E402
from analysis.pipeline import analyse  # noqa: E402
from analysis.publish import chart_meta  # noqa: E402
from analysis.report import write_report  # noqa: E402
from analysis.trends import TrendQuery, trend_series  # noqa: E402
from scraper import store  # noqa: E402
from scraper.file_import import ImportSpec, import_file  # noqa: E402

CHUNK = 100_000
FAMILIES = (("boards", "greenhouse"), ("hn", "hn"))
BASE_WORDS = (
    "we are looking for an engineer to join our team and work with customers on data systems you will build "
    "ship and own services across the stack with strong skills in code review testing and design our company "
    "offers health benefits equity paid leave remote work options great people clear goals and room to grow "
    "the role needs experience with cloud tools python go sql apis scale quality security and product sense "
    "plus a degree in computer science math or a similar field you write well and learn fast").split()
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "tu", "vi", "so", "pe", "da", "ri", "mo", "ta", "li", "ge", "ber", "con"]
# (sentence, rate per 10,000 postings, trend): "up" grows over the decade, "peak" is high in 2020-2021.
PLANTED = [
    ("We offer flexible working hours.", 1800, "peak"), ("Flexibility is part of how we work.", 500, "peak"),
    ("FLEXIBLE schedules for everyone.", 200, "peak"), ("We are inflexible about quality.", 400, ""),
    ("We value empathy and belonging.", 700, "peak"), ("Empathetic leaders coach the team.", 300, "peak"),
    ("You thrive in a fast-paced environment.", 1500, "up"), ("A fast paced team ships weekly.", 300, "up"),
    ("Fast\u2011Paced growth is expected.", 100, "up"), ("Our fastpaced roadmap moves quickly.", 100, "up"),
    ("We set aggressive goals.", 500, "up"), ("We are aggressively hiring.", 200, "up"),
    ("A degree in a related discipline is required.", 1200, ""), ("Process discipline and disciplined execution.", 500, "up"),
    ("No disciplinary record is needed.", 300, ""), ("A flexible spending account is offered.", 300, ""),
    ("\u0130NCLUSIVE culture of belonging.", 50, "peak"), ("A \ufb02exible team.", 50, "peak"),
    ("No hustle\u00e2\u20ac\u2122s culture here.", 30, ""),
]


def generate(con: duckdb.DuckDBPyConnection, out: Path, first: int, rows: int, hn_share: float = 0.2) -> None:
    """Postings first..first+rows-1 into `out` (Parquet), built chunk by chunk in SQL."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS vocab AS SELECT row_number() OVER () - 1 AS i, w FROM ("
                "SELECT unnest($base) AS w UNION ALL SELECT $s[1 + (hash(n, 'a') % 17)::BIGINT] || "
                "$s[1 + (hash(n, 'b') % 17)::BIGINT] FROM range(1500) t(n))", {"base": BASE_WORDS, "s": SYLLABLES})
    con.execute("""CREATE TEMP TABLE IF NOT EXISTS sentences AS
        SELECT s AS id, upper(txt[1]) || txt[2:] || '.' AS txt FROM (
            SELECT s, string_agg(v.w, ' ' ORDER BY j) AS txt FROM range(20000) a(s), range(18) b(j), vocab v
            WHERE j < 6 + s % 13 AND v.i = (hash(s, j) % {vocab})::BIGINT GROUP BY s)""".format(
        vocab=con.execute("SELECT count(*) FROM vocab").fetchall()[0][0]))
    con.execute("CREATE OR REPLACE TEMP TABLE planted AS SELECT * FROM (VALUES " +
                ", ".join(f"({k}, ?, {rate}, '{trend}')" for k, (_, rate, trend) in enumerate(PLANTED)) +
                ") t(k, txt, rate, trend)", [s for s, _, _ in PLANTED])
    parts = []
    for start in range(first, first + rows, CHUNK):
        part = out.with_suffix(f".part{start}.parquet")
        _chunk(con, start, min(CHUNK, first + rows - start), hn_share, part)
        parts.append(str(part))
    con.execute(f"COPY (SELECT * FROM read_parquet({parts!r})) TO '{out}' (FORMAT parquet)")
    for part in parts:
        os.unlink(part)


def _chunk(con: duckdb.DuckDBPyConnection, start: int, rows: int, hn_share: float, out: Path) -> None:
    con.execute(f"""
        COPY (
          WITH posts AS (
            SELECT p, DATE '2015-01-01' + (hash(p, 'd') % 3650)::INT AS day, (hash(p, 'c') % 3000)::INT AS company,
                   25 + (hash(p) % 50)::INT AS n FROM range({start}, {start + rows}) t(p)),
          picks AS (SELECT p, j, (hash(p, j) % 20000)::BIGINT AS sid FROM posts, range(75) b(j) WHERE j < n),
          body AS (SELECT p, string_agg(if(j % 5 = 0 AND j > 0, chr(10), ' ') || s.txt, '' ORDER BY j)[2:] AS text
                   FROM picks JOIN sentences s ON s.id = picks.sid GROUP BY p),
          plants AS (
            SELECT p, string_agg(pl.txt, ' ' ORDER BY k) AS txt FROM posts, planted pl
            WHERE hash(p, 'plant', k) % 10000 < pl.rate * CASE pl.trend
                    WHEN 'up' THEN 0.4 + (year(day) - 2015) / 7.5
                    WHEN 'peak' THEN if(year(day) IN (2020, 2021), 1.8, 0.8) ELSE 1 END
            GROUP BY p)
          SELECT p AS id, if(hash(p, 'src') % 100 < {int(hn_share * 100)}, 'hn', 'boards') AS family,
                 'Company ' || company AS company, day AS date, 'Engineer ' || (p % 100) AS title,
                 if(company % 10 = 0, 'About Company ' || company || ': a flexible, people-first employer since 2009.'
                    || chr(10), '') || b.text || coalesce(' ' || pl.txt, '') AS text
          FROM posts JOIN body b USING (p) LEFT JOIN plants pl USING (p)
        ) TO '{out}' (FORMAT parquet)""")


def generate_realistic(work: Path, stem: str, first: int, rows: int, hn_share: float = 0.2) -> list[Path]:
    """Postings first..first+rows-1 from realistic_corpus.py as JSON Lines, one file per family of FAMILIES."""
    paths = [work / f"{stem}_{family}.jsonl" for family, _ in FAMILIES]
    outs = [path.open("w", encoding="utf-8") for path in paths]
    try:
        for n, row in enumerate(realistic_corpus.postings(rows, seed=first + 1)):
            row["id"] = f"p{first + n}"
            hn = (first + n) % 100 < hn_share * 100
            outs[FAMILIES.index(("hn", "hn")) if hn else 0].write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        for out in outs:
            out.close()
    return paths


def timed(label: str, results: dict[str, float], func, *args, **kwargs):
    start = time.perf_counter()
    value = func(*args, **kwargs)
    results[label] = time.perf_counter() - start
    print(f"{label:<34} {results[label]:7.2f} s   (peak RSS so far {peak_mb():,.0f} MB)", flush=True)
    return value


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def split_by_family(con: duckdb.DuckDBPyConnection, corpus: Path, work: Path) -> list[Path]:
    files = []
    for family, _source in FAMILIES:
        path = work / f"{corpus.stem}_{family}.parquet"
        con.execute(f"COPY (SELECT * EXCLUDE (family) FROM '{corpus}' WHERE family = '{family}') TO '{path}' (FORMAT parquet)")
        files.append(path)
    return files


def import_all(db: Path, files: list[tuple[Path, str]], now: datetime) -> int:
    with store.opened(db) as con:
        return sum(import_file(con, ImportSpec(path, source, id_col="id"), now).stats.new for path, source in files)


def run_analysis(db: Path, lexicon, now: datetime):
    with store.opened(db) as con:
        return analyse(con, lexicon, now=now)


def charts_and_report(db: Path, lexicon, key: str, out: Path, now: datetime) -> int:
    with store.opened(db, read_only=True) as con:
        rows = trend_series(con, TrendQuery(key))
    meta = chart_meta(lexicon, rows["share"], "posted", False, now)
    paths = write_charts(rows, meta, out)
    write_report(out, paths, rows["share"], lexicon.terms, meta)
    return len(rows["share"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--added", type=int, default=10_000, help="postings added before the incremental run")
    parser.add_argument("--work", type=Path, default=Path("/tmp/jobtone-bench"))
    parser.add_argument("--keep", action="store_true", help="reuse a generated corpus of the same size")
    parser.add_argument("--realistic", action="store_true",
                        help="real-looking text (benchmarks/realistic_corpus.py, as JSON Lines) instead of the SQL-made")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.realistic:
        return run_realistic(args)
    corpus, added = args.work / f"corpus_{args.rows}.parquet", args.work / f"added_{args.rows}.parquet"
    db = args.work / "bench.duckdb"
    results: dict[str, float] = {}
    if args.generate_only:
        with duckdb.connect() as gen:
            generate(gen, corpus, 0, args.rows)
            generate(gen, added, args.rows, args.added)
            split_by_family(gen, corpus, args.work)
            split_by_family(gen, added, args.work)
        return 0
    if not (args.keep and corpus.exists()):
        # In a child process, so the peak memory below is the measured pipeline's own.
        timed("generate corpus (not a target)", results, subprocess.run,
              [sys.executable, __file__, "--generate-only", *(argv if argv is not None else sys.argv[1:])], check=True)
    with duckdb.connect() as con:
        size = con.execute(f"SELECT count(*), sum(strlen(text)) / 1e9 FROM '{corpus}'").fetchall()[0]
    files = [(args.work / f"{corpus.stem}_{family}.parquet", source) for family, source in FAMILIES]
    added_files = [(args.work / f"{added.stem}_{family}.parquet", source) for family, source in FAMILIES]
    print(f"corpus: {size[0]:,} postings, {size[1]:.2f} GB of text; {os.cpu_count()} cores", flush=True)
    for path in (db, db.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    run_steps(db, files, added_files, args)
    return 0


def run_realistic(args: argparse.Namespace) -> int:
    """The same steps on postings with real-looking text, imported from JSON Lines."""
    stem, results = f"realistic_{args.rows}", {}
    files = [args.work / f"{stem}_{family}.jsonl" for family, _ in FAMILIES]
    added_files = [args.work / f"{stem}_added_{family}.jsonl" for family, _ in FAMILIES]
    if not (args.keep and all(path.exists() for path in files + added_files)):
        timed("generate corpus (not a target)", results, generate_realistic, args.work, stem, 0, args.rows)
        generate_realistic(args.work, f"{stem}_added", args.rows, args.added)
    size = sum(path.stat().st_size for path in files) / 1e9
    print(f"corpus: {args.rows:,} postings with real-looking text, {size:.2f} GB of JSON Lines; {os.cpu_count()} cores",
          flush=True)
    db = args.work / "bench_realistic.duckdb"
    for path in (db, db.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    run_steps(db, [(p, s) for p, (_, s) in zip(files, FAMILIES)], [(p, s) for p, (_, s) in zip(added_files, FAMILIES)],
              args)
    return 0


def run_steps(db: Path, files: list[tuple[Path, str]], added_files: list[tuple[Path, str]],
              args: argparse.Namespace) -> None:
    """Import, analyse, import more, analyse again, change the lexicon, chart: each timed."""
    results: dict[str, float] = {}
    now, lexicon = datetime(2026, 1, 1), load_lexicon("default")
    timed("import", results, import_all, db, files, now)
    stats = timed("full analysis", results, run_analysis, db, lexicon, now)
    timed(f"import {args.added:,} more (not a target)", results, import_all, db, added_files, now)
    stats = timed(f"incremental analysis (+{args.added:,})", results, run_analysis, db, lexicon, now)
    print(f"  rematched {stats.rematched:,} postings", flush=True)
    changed = parse_lexicon(_default_text() + _extra_term(), "changed")
    timed("re-analysis after lexicon change", results, run_analysis, db, changed, now)
    run_analysis(db, lexicon, now)  # back to the default: its results are still stored, nothing rematched
    shutil.rmtree(args.work / "charts", ignore_errors=True)
    timed("trends + all charts + report", results, charts_and_report, db, lexicon, stats.analysis_key,
          args.work / "charts", now)
    print(f"peak memory (RSS of this process, DuckDB included): {peak_mb():,.0f} MB")
    print(f"database file: {db.stat().st_size / 1e9:.2f} GB")


def _default_text() -> str:
    from importlib import resources
    return resources.files("analysis").joinpath("lexicons", "default.toml").read_text(encoding="utf-8")


def _extra_term() -> str:
    return '\n[[term]]\nname = "hustle"\ncategory = "hard"\nforms = ["hustl*"]\n'


if __name__ == "__main__":
    sys.exit(main())
