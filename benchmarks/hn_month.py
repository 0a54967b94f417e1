"""How long one month of HN "Who is hiring?" takes to parse and store, on a synthetic thread built from
the recorded item's own comment objects (tests/fixtures/hn_algolia/item_48747976_trimmed.json: every
field as served, texts as its saver trimmed them, ~1 KB each).

    python benchmarks/hn_month.py [--posts 1000] [--replies 450] [--repeat 5]

Steps timed, each the code path `jobtone backfill hn` runs for one thread once the body has arrived:
JSON decode of the `items/{id}` body, `hn.parse_thread`, staging the batch (JSON lines), and loading it
in one short write with `scraper.scrape.Loader` — into an empty database, and again unchanged (a re-fetched
open thread). Medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scraper.config import Config
from scraper.scrape import Loader
from scraper.sources import hn
from scraper.sources.base import Board
from scraper.staging import Staging

ITEM = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hn_algolia" / "item_48747976_trimmed.json"
BOARD = Board("hn", "whoishiring")


def synthetic_thread(posts: int, replies: int, story_id: int = 48_000_000) -> bytes:
    """A thread item of `posts` top-level comments (the recorded ones, cycled, with new ids and times) and
    `replies` one-line replies under the first ones, as the `items/{id}` body."""
    real = json.loads(ITEM.read_bytes())
    start = datetime(2026, 5, 1, 15, tzinfo=timezone.utc)
    children = []
    for i in range(posts):
        child = copy.deepcopy(real["children"][i % len(real["children"])])
        when = start + timedelta(minutes=3 * i)
        child.update(id=story_id + 1 + i, parent_id=story_id, story_id=story_id, created_at_i=int(when.timestamp()),
                     created_at=when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), children=[])
        if i < replies:
            reply = {**copy.deepcopy(child), "id": story_id + 100_000 + i, "parent_id": child["id"],
                     "text": "Is this open to remote candidates?", "children": []}
            child["children"].append(reply)
        children.append(child)
    item = {**real, "id": story_id, "title": "Ask HN: Who is hiring? (May 2026)", "children": children}
    return json.dumps(item).encode()


def median_seconds(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def stage_and_load(db: Path, postings: list, seen_at: datetime) -> object:
    staging = Staging(db)
    loader = Loader(Config(boards=(), db_path=db, lock_wait=5.0), staging)
    batch, _ = staging.stage(postings, source="hn", board="whoishiring", seen_at=seen_at, complete=False, run_id="bench")
    return loader.load(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--replies", type=int, default=450)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    body = synthetic_thread(args.posts, args.replies)
    decode_s, doc = median_seconds(lambda: json.loads(body), args.repeat)
    parse_s, parsed = median_seconds(lambda: hn.parse_thread(doc, BOARD), args.repeat)
    postings = parsed.postings
    first, again = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.duckdb"
            first.append(median_seconds(lambda db=db: stage_and_load(db, postings, datetime(2026, 5, 2)), 1)[0])
            again.append(median_seconds(lambda db=db: stage_and_load(db, postings, datetime(2026, 5, 3)), 1)[0])
    load_s, reload_s = statistics.median(first), statistics.median(again)
    print(f"thread: {args.posts:,} top-level posts + {args.replies:,} replies, {len(body) / 1e6:.1f} MB body; "
          f"{len(postings):,} postings, {parsed.skipped} skipped")
    for label, seconds in (("JSON decode", decode_s), ("parse (hn.parse_thread)", parse_s),
                           ("stage + load, empty database", load_s), ("stage + load again, unchanged", reload_s),
                           ("one month, decode + parse + first load", decode_s + parse_s + load_s)):
        print(f"{label:<42} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
