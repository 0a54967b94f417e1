"""Benchmark of `jobtone discover`'s scan on a generated store (not a test: run it by hand).

    python benchmarks/discover_scale.py --rows 100000     # quick run
    python benchmarks/discover_scale.py                   # 1M postings

Generates HN-like postings in DuckDB SQL (about 1,500 characters of text each; a share of them link a board
the way HN comment HTML does, `https:&#x2F;&#x2F;jobs.lever.co&#x2F;TOKEN&#x2F;ID`, across every ATS and
URL shape), then times the real scan (`scraper.discovery_store.scan`) twice: the first finds every board,
the second only moves `last_seen_at`.

Still to do (issue 16, item 4; the lead's next wave): the scrape of 2,000 discovered boards from a local
server with latency, against the ideal set by the per-host limits.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scraper import discovery_store as ds  # noqa: E402
from scraper import store  # noqa: E402

# One link shape per ATS, `{t}` the token; HN writes slashes as &#x2F; in its comment HTML.
SHAPES = (
    "https://boards.greenhouse.io/{t}", "https://job-boards.greenhouse.io/{t}/jobs/4001",
    "https://boards.greenhouse.io/embed/job_board?for={t}", "https://jobs.lever.co/{t}/5f1c",
    "https://jobs.ashbyhq.com/{t}/9a2b", "https://apply.workable.com/{t}/j/AB12/",
    "https://{t}.recruitee.com/o/dev", "https://jobs.smartrecruiters.com/{t}/7440001",
    "https://{t}.wd5.myworkdayjobs.com/en-US/External/job/x",
)
FILLER = "We build tools for people who build things; remote friendly, flexible hours, a small team. "


def generate(db: Path, rows: int, linked: float, boards: int) -> None:
    shapes = ", ".join(f"'{s}'" for s in SHAPES)
    with store.opened(db) as con:
        con.execute(f"""
            INSERT INTO postings BY NAME
            SELECT i AS posting_id, 'hn' AS source, 'whoishiring' AS board, i::VARCHAR AS external_id,
                   'Company ' || (i % 5000) AS company, 'Engineer' AS title,
                   'https://news.ycombinator.com/item?id=' || i AS url, repeat($filler, 16) AS text,
                   json_object('text', CASE WHEN hash(i) % 1000 < $linked * 1000
                       THEN replace(replace([{shapes}][1 + i % {len(SHAPES)}], '{{t}}', 'co' || (i % $boards)), '/', '&#x2F;')
                       ELSE 'no link' END) AS raw,
                   TIMESTAMP '2016-01-01' + to_days((i % 3650)::INTEGER) AS posted_at, 'created_at_i' AS date_source,
                   now()::TIMESTAMP AS first_seen_at, now()::TIMESTAMP AS last_seen_at, now()::TIMESTAMP AS changed_at,
                   md5(i::VARCHAR) AS content_hash, 16 * 15 AS words
            FROM range($rows) t(i)""", {"filler": FILLER, "linked": linked, "boards": boards, "rows": rows})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--linked", type=float, default=0.3, help="share of postings linking a board")
    parser.add_argument("--boards", type=int, default=20_000, help="distinct tokens planted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "scale.duckdb"
        started = time.perf_counter()
        generate(db, args.rows, args.linked, args.boards)
        print(f"generated {args.rows:,} postings in {time.perf_counter() - started:.1f}s")
        now = datetime(2026, 12, 6)
        for attempt in ("first scan", "second scan"):
            with store.opened(db) as con:
                started = time.perf_counter()
                stats = ds.scan(con, now)
                print(f"{attempt}: {time.perf_counter() - started:.1f}s, {stats.links:,} links, "
                      f"{stats.boards:,} boards ({stats.new_boards:,} new)")
            now += timedelta(days=1)
        with store.opened(db) as con:
            per_ats = con.execute("SELECT ats, count(*) FROM discovered_boards GROUP BY ats ORDER BY ats").fetchall()
        print("boards per ATS:", ", ".join(f"{ats} {n:,}" for ats, n in per_ats))
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
