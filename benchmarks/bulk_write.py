"""Bulk-write throughput of the store: postings/s for a first load, a reload (all unchanged) and a load with
10% changed, against row-at-a-time executemany on a sample for comparison.

    python benchmarks/bulk_write.py [--rows 100000] [--words 400]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from scraper import store
from scraper.posting import Posting

WORDS = ("we build flexible systems for a fast-paced team with empathy and discipline across the "
         "platform data customers engineering product growth remote hours benefits").split()


def make_postings(n: int, words: int, seed: int = 1, changed: float = 0.0) -> list[Posting]:
    rng = random.Random(seed)
    base = datetime(2020, 1, 1)
    out = []
    for i in range(n):
        text = " ".join(rng.choices(WORDS, k=words))
        if changed and rng.random() < changed:
            text += " edited"
        out.append(Posting("greenhouse", f"board{i % 50}", str(i), f"Engineer {i}", text,
                           base + timedelta(hours=i), "first_published", company=f"Company {i % 50}",
                           url=f"https://example.com/{i}", raw='{"id": %d}' % i))
    return out


def timed(label: str, n: int, fn) -> float:
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {n:>9,} postings {seconds:7.2f} s {n / seconds:>10,.0f} postings/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=400)
    args = parser.parse_args()
    postings = make_postings(args.rows, args.words)
    changed = make_postings(args.rows, args.words, changed=0.1)
    t0, t1, t2 = datetime(2026, 1, 1), datetime(2026, 1, 2), datetime(2026, 1, 3)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        with store.opened(db) as con:
            timed("bulk load, empty database", args.rows, lambda: store.load_postings(con, postings, t0))
            timed("bulk reload, all unchanged", args.rows, lambda: store.load_postings(con, postings, t1))
            timed("bulk load, 10% changed", args.rows, lambda: store.load_postings(con, changed, t2))
        print(f"database file: {db.stat().st_size / 1e6:,.0f} MB")
        sample = postings[: min(5_000, args.rows)]
        db2 = Path(tmp) / "rows.duckdb"
        with store.opened(db2) as con:
            cols = list(store.INCOMING_COLUMNS)
            rows = [[store.posting_record(p)[c] for c in cols] for p in sample]
            sql = f"INSERT INTO postings ({', '.join(cols[:-2])}, first_seen_at, last_seen_at, changed_at, content_hash, " \
                  f"words) VALUES ({', '.join('?' for _ in cols[:-2])}, ?, ?, ?, ?, ?)"
            timed("row-at-a-time executemany (comparison)", len(sample),
                  lambda: con.executemany(sql, [r[:-2] + [t0, t0, t0, r[-1], len(p.text.split())]
                                                for r, p in zip(rows, sample)]))


if __name__ == "__main__":
    main()
