"""History on day one: HN "Who is hiring?" threads since 2011 and Wayback captures of boards and pages.

Both backfills reuse the runner's machinery: every step (one HN thread, one capture) is staged next to the
database and loaded in its own short write by `scraper.scrape.Loader`, and the whole backfill is recorded in
`runs`/`board_runs` like a scrape. A killed HN backfill resumes where it stopped: the threads already
stored are known from the store itself (each HN posting's fingerprint is its thread's story id; a thread
is loaded in one transaction, so it is stored whole or not at all), and a thread staged but not loaded
is loaded first by the next run. Threads still open are fetched again, so they are never left partial.

Wayback captures are loaded oldest first with `seen_at` = capture time, so first/last seen and the
wording history follow the archive's timeline. A capture older than what the store already saw of a
posting never overwrites its newer wording: it only moves first-seen (and a capture-based date) earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from scraper import store
from scraper.config import Config
from scraper.dates import utcnow
from scraper.errors import StorageError
from scraper.http import Client
from scraper.posting import Posting
from scraper.scrape import BoardOutcome, Loader, RunSummary, failed, loader_for, polite_client
from scraper.sources import hn
from scraper.sources.base import Board, storable
from scraper.staging import Batch
from scraper.wayback import (
    Capture,
    WaybackSettings,
    capture_url,
    distinct_captures,
    fetch_capture,
    list_captures,
    parse_capture,
)


@dataclass(frozen=True)
class Step:
    """One thread or capture of a backfill and what became of it (`skipped`: comments or JSON-LD blocks)."""

    label: str
    outcome: BoardOutcome
    skipped: int = 0


Plan = Callable[[int, int], None]  # (steps to do, steps already done before)
OnStep = Callable[[Step], None]


# -- Hacker News ------------------------------------------------------------------------------------

def backfill_hn(config: Config, *, since: str | None = None, until: str | None = None, author: str = "whoishiring",
                now: Callable[[], datetime] = utcnow, on_plan: Plan = lambda todo, done: None,
                on_step: OnStep = lambda step: None) -> RunSummary:
    """Load every hiring thread whose month is in [since, until] ("YYYY-MM", inclusive; open ends) that
    the store does not hold yet, plus the threads still open; one thread per load. Recorded as a run
    (`Loader.recorded`): the disk failing or the thread list failing fails it, and raises."""
    loader = loader_for(config)
    root = config.api_root(hn.NAME)
    with loader.recorded("backfill hn", now) as run:
        client = polite_client(config, [Board(hn.NAME, author)])
        try:
            threads = [t for t in hn.fetch_threads(client, root, author) if hn.month_in_range(t.month, since, until)]
            stored = stored_threads(config, author)
            todo = [t for t in threads if t.story_id not in stored or t.is_open(run.started_at)]
            on_plan(len(todo), len(threads) - len(todo))
            for thread in todo:
                step = _backfill_thread(client, root, Board(hn.NAME, author), thread, loader, run.run_id, now)
                run.outcomes.append(step.outcome)
                on_step(step)
                if loader.locked_by:
                    break  # the database stays locked: this thread stays staged, the rest waits for the next run
        finally:
            client.close()
    assert run.summary is not None  # recorded: the body ended without an exception
    return run.summary


def stored_threads(config: Config, author: str) -> set[int]:
    """Story ids of the threads the store holds postings of (a thread is loaded whole or not at all)."""
    with store.opened(config.db_path, wait=config.lock_wait) as con:
        rows = con.execute("SELECT DISTINCT fingerprint FROM postings WHERE source = ? AND board = ?",
                           [hn.NAME, author]).fetchall()
    return {int(value) for (value,) in rows if value and str(value).isdigit()}


def _backfill_thread(client: Client, root: str, board: Board, thread: hn.Thread, loader: Loader, run_id: str,
                     now: Callable[[], datetime]) -> Step:
    started = utcnow()
    base = BoardOutcome(hn.NAME, board.token, thread.title, started, started, "failed",
                        url=f"{root.rstrip('/')}/api/v1/items/{thread.story_id}")
    try:
        parsed = hn.parse_thread(hn.fetch_thread(client, root, thread.story_id), board)
        batch, n = loader.staging.stage(map(storable, parsed.postings), source=hn.NAME, board=board.token,
                                        seen_at=now(), complete=False, run_id=run_id)
    except StorageError:
        raise  # the disk, not the thread: every other thread would fail the same way
    except Exception as exc:
        return Step(thread.month, failed(base, exc, "thread"))
    return Step(thread.month, _loaded(loader, batch, replace(base, status="staged", fetched=n)), parsed.skipped)


# -- Wayback ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sighting:
    """What the store knows of a posting, to load older captures without overwriting newer wording."""

    last_seen_at: datetime
    removed: bool
    posted_at: datetime | None
    date_source: str


def backfill_wayback(config: Config, url: str, *, year_from: int | None = None, year_to: int | None = None,
                     now: Callable[[], datetime] = utcnow, on_plan: Plan = lambda todo, done: None,
                     on_step: OnStep = lambda step: None) -> RunSummary:
    """List `url`'s captures in [year_from, year_to], fetch each distinct one, parse and load it, oldest first.
    Recorded as a run (`Loader.recorded`): the disk failing or the capture list failing fails it, and raises."""
    settings = WaybackSettings.from_config(config.api, config.sections.get("wayback", {}))
    loader = loader_for(config)
    with loader.recorded("backfill wayback", now) as run:
        client = Client(config.http)
        settings.limit(client)
        sightings = _Sightings(config)
        try:
            captures = sorted(distinct_captures(list_captures(client, settings, url, year_from, year_to)),
                              key=lambda c: c.timestamp)
            on_plan(len(captures), 0)
            for capture in captures:
                step = _backfill_capture(client, settings, capture, Board("page", url), sightings, loader, run.run_id)
                run.outcomes.append(step.outcome)
                on_step(step)
                if loader.locked_by:
                    break
        finally:
            client.close()
    assert run.summary is not None  # recorded: the body ended without an exception
    return run.summary


def _backfill_capture(client: Client, settings: WaybackSettings, capture: Capture, page_board: Board,
                      sightings: _Sightings, loader: Loader, run_id: str) -> Step:
    started, label = utcnow(), f"{capture.timestamp} {capture.original}"
    base = BoardOutcome("wayback", page_board.token, "", started, started, "failed", url=capture_url(settings.root, capture))
    try:
        parsed = parse_capture(capture, fetch_capture(client, settings, capture), page_board)
        postings = fit_in_time(parsed.postings, capture.captured_at, sightings.lookup(parsed.postings))
        source, board = (postings[0].source, postings[0].board) if postings else (parsed.parser, page_board.token)
        batch, n = loader.staging.stage(postings, source=source, board=board, seen_at=capture.captured_at,
                                        complete=False, run_id=run_id)
    except StorageError:
        raise  # the disk, not the capture: every other capture would fail the same way
    except Exception as exc:
        return Step(label, failed(base, exc, "capture"))
    base = replace(base, source=source, board=board, status="staged", fetched=n)
    outcome = _loaded(loader, batch, base)
    if outcome.status == "ok":
        sightings.saw(postings, capture.captured_at)
    return Step(label, outcome, len(parsed.skipped))


def fit_in_time(postings: Iterable[Posting], captured_at: datetime, known: Mapping[int, Sighting]) -> list[Posting]:
    """A capture's postings, made safe to load at `captured_at` (pure).

    Not stored, or last seen before this capture: loaded as they are (forward in time), keeping an earlier
    capture date. Seen after this capture: only marked seen (first-seen moves back, a capture date moves
    earlier, the stored wording stays). Stored as removed after a later sighting: left alone.
    """
    fitted = []
    for posting in postings:
        sighting = known.get(posting.posting_id)
        if sighting is None:
            fitted.append(posting)
            continue
        earliest = _earliest_capture_date(posting, sighting)
        if sighting.last_seen_at <= captured_at:
            fitted.append(replace(posting, posted_at=earliest or posting.posted_at))
        elif not sighting.removed:
            fitted.append(replace(posting, seen_only=True, posted_at=earliest))
    return fitted


def _earliest_capture_date(posting: Posting, sighting: Sighting) -> datetime | None:
    """For a capture-dated posting stored with a capture date too: the earlier of the two; else None."""
    if posting.date_source != "capture" or sighting.date_source != "capture" or sighting.posted_at is None:
        return None
    return min(sighting.posted_at, posting.posted_at) if posting.posted_at else sighting.posted_at


class _Sightings:
    """Sightings of the boards a backfill touches, read from the store once per board, kept current."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.known: dict[int, Sighting] = {}
        self.boards_read: set[tuple[str, str]] = set()

    def lookup(self, postings: list[Posting]) -> Mapping[int, Sighting]:
        for key in {(p.source, p.board) for p in postings} - self.boards_read:
            self.known.update(self._read(*key))
            self.boards_read.add(key)
        return self.known

    def saw(self, postings: Iterable[Posting], captured_at: datetime) -> None:
        for posting in postings:
            before = self.known.get(posting.posting_id)
            if before is not None and posting.seen_only:  # the store kept its wording, date and last sighting
                self.known[posting.posting_id] = replace(before, removed=False, posted_at=posting.posted_at or before.posted_at)
            else:
                last_seen = max(before.last_seen_at, captured_at) if before else captured_at
                self.known[posting.posting_id] = Sighting(last_seen, False, posting.posted_at, posting.date_source)

    def _read(self, source: str, board: str) -> dict[int, Sighting]:
        with store.opened(self.config.db_path, wait=self.config.lock_wait) as con:
            rows = con.execute("""SELECT posting_id, last_seen_at, removed_at IS NOT NULL, posted_at, date_source
                                  FROM postings WHERE source = ? AND board = ?""", [source, board]).fetchall()
        return {row[0]: Sighting(row[1], bool(row[2]), row[3], row[4] or "") for row in rows}


# -- shared ---------------------------------------------------------------------------------------------

def _loaded(loader: Loader, batch: Batch, outcome: BoardOutcome) -> BoardOutcome:
    outcome = replace(outcome, batch=batch.postings_file)
    stats = loader.load(batch)
    if stats is None:
        return replace(outcome, ended_at=utcnow())  # stays "staged": loaded (and counted) by the next run
    return replace(outcome, ended_at=utcnow(), status="ok", new=stats.new, updated=stats.updated,
                   implausible_dates=stats.implausible_dates)

