"""Database growth from re-scraping daily for a year: the same postings loaded once a day (each board's
batch in its own short write, as `jobtone run` does, plus the run's records), with and without
`jobtone compact`.

    python benchmarks/growth.py [--days 365] [--postings 1000] [--boards 4] [--words 400] [--compact-every 30]

Prints the file size every `--report-every` days for three databases: never compacted, compacted every
`--compact-every` days, and the never-compacted one compacted once at the end.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from scraper import store
from scraper.compact import compact, file_size
from scraper.posting import Posting
from scraper.run_records import write_run_record

WORDS = ("we build flexible systems for a fast-paced team with empathy and discipline across the "
         "platform data customers engineering product growth remote hours benefits").split()
START = datetime(2026, 1, 1, 6)


def make_postings(n: int, words: int, boards: int) -> list[Posting]:
    rng = random.Random(1)
    return [Posting("greenhouse", f"board{i % boards}", str(i), f"Engineer {i}", " ".join(rng.choices(WORDS, k=words)),
                    START - timedelta(days=i % 90), "first_published", company=f"Company {i % boards}",
                    url=f"https://example.com/{i}", raw='{"id": %d}' % i) for i in range(n)]


def stage_batches(postings: list[Posting], boards: int, directory: Path) -> list[tuple[str, Path]]:
    """One JSON-lines file per board, written once and loaded every day."""
    batches = []
    for b in range(boards):
        path = directory / f"board{b}.jsonl"
        store.write_jsonl([p for p in postings if p.board == f"board{b}"], path)
        batches.append((f"board{b}", path))
    return batches


def one_day(db: Path, batches: list[tuple[str, Path]], day: int) -> None:
    """A day's run: every board's batch in its own write, then the run record (like scraper.scrape.Loader)."""
    seen = START + timedelta(days=day)
    boards = []
    for board, path in batches:
        with store.opened(db) as con:
            stats = store.load_jsonl(con, path, seen, [("greenhouse", board)])
        boards.append({"run_id": f"r{day}", "source": "greenhouse", "board": board, "company": board,
                       "started_at": seen, "ended_at": seen, "status": "ok", "fetched": stats.fetched,
                       "new": stats.new, "updated": stats.updated, "removed": stats.removed, "url": "", "error": ""})
    run = {"run_id": f"r{day}", "command": "run", "started_at": seen, "ended_at": seen, "status": "ok",
           "fetched": sum(b["fetched"] for b in boards), "new": 0, "updated": 0, "removed": 0, "failures": 0, "error": ""}
    with store.opened(db) as con:
        write_run_record(con, {"run": run, "boards": boards})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--postings", type=int, default=1000)
    parser.add_argument("--boards", type=int, default=4)
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--compact-every", type=int, default=30)
    parser.add_argument("--report-every", type=int, default=30)
    args = parser.parse_args()
    postings = make_postings(args.postings, args.words, args.boards)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        batches = stage_batches(postings, args.boards, tmp_path)
        plain, compacted = tmp_path / "plain.duckdb", tmp_path / "compacted.duckdb"
        print(f"{args.postings:,} postings ({sum(p.stat().st_size for _, p in batches) / 1e6:.1f} MB as JSON lines) "
              f"on {args.boards} boards, loaded daily for {args.days} days")
        print(f"{'day':>5} {'never compacted':>16} {f'compact every {args.compact_every}d':>20}")
        started, compact_seconds = time.perf_counter(), []
        for day in range(1, args.days + 1):
            one_day(plain, batches, day)
            one_day(compacted, batches, day)
            if day % args.compact_every == 0:
                t = time.perf_counter()
                compact(compacted)
                compact_seconds.append(time.perf_counter() - t)
            if day % args.report_every == 0 or day in (1, args.days):
                print(f"{day:>5} {file_size(plain) / 1e6:>13.1f} MB {file_size(compacted) / 1e6:>17.1f} MB", flush=True)
        elapsed = time.perf_counter() - started
        once = compact(plain)
        print(f"never compacted, then compacted once at the end: {once.size_before / 1e6:.1f} MB -> {once.size_after / 1e6:.1f} MB")
        if compact_seconds:
            print(f"compact took {sum(compact_seconds) / len(compact_seconds):.2f} s on average")
        print(f"{args.days * 2} simulated daily runs in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
