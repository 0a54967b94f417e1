"""Checking discovered boards: one polite request each, through the sources' own first request.

A whole-board source (Greenhouse, Lever, Ashby, Workable, Recruitee) is fetched and parsed as a scrape
would, and its postings counted. SmartRecruiters and Workday would cost a request per posting that way,
so they are asked for their first list page only, whose `totalFound` / `total` is the count. The answer
is `ok` with the count, `not_found` (HTTP 404), or `failed` with the reason; nothing is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import quote, urlsplit

from scraper.config import Config
from scraper.dates import utcnow
from scraper.errors import FetchError, JobtoneError, NotFound
from scraper.http import Client, HostLimit
from scraper.scrape import polite_client
from scraper.sources import Board, FetchContext, get_source, workday

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    ats: str
    token: str
    checked_at: datetime
    status: str  # ok | not_found | failed
    postings: int | None = None
    url: str = ""
    error: str = ""


def check_boards(config: Config, boards: Sequence[Board], now: datetime, *, workers: int = 8,
                 on_done: Callable[[CheckResult], None] = lambda r: None,
                 until: datetime | None = None, clock: Callable[[], datetime] = utcnow) -> list[CheckResult]:
    """Check every board once, hosts in parallel, each host paced by its limits; past `until` (by `clock()`)
    no check is started: those boards are left unchecked, for the next time."""
    if not boards:
        return []
    client = polite_client(config, boards)

    def check(board: Board) -> CheckResult | None:
        return None if until is not None and clock() >= until else check_board(client, config, board, now)
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(boards))))
    try:
        results = []
        for result in pool.map(check, boards):
            if result is not None:
                on_done(result)
                results.append(result)
        pool.shutdown()
        return results
    except BaseException:  # Ctrl-C: stop now, not after the checks under way (up to a read timeout each)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        client.close()


def check_board(client: Client, config: Config, board: Board, now: datetime) -> CheckResult:
    """One board's check; every failure becomes a result."""
    ctx = FetchContext(client, config.api_root(board.ats), now, config.api)
    result = CheckResult(board.ats, board.token, now, "failed", url=ctx.root)
    try:
        count = COUNTERS.get(board.ats, _whole_board)(ctx, board)
    except NotFound as exc:
        return replace(result, status="not_found", url=exc.url, error="not found (HTTP 404)")
    except FetchError as exc:
        return replace(result, url=exc.url, error=exc.reason)
    except JobtoneError as exc:
        return replace(result, error=str(exc))
    except Exception as exc:  # a bug in one source must not stop the other checks
        log.debug("checking %s failed", board.key, exc_info=True)
        return replace(result, error=f"internal error: {type(exc).__name__}: {exc}")
    return replace(result, status="ok", postings=count)


def _whole_board(ctx: FetchContext, board: Board) -> int:
    """A source whose first document is the whole board: fetch it and count what parses."""
    source = get_source(board.ats)
    first = next(iter(source.fetch(ctx, board)), None)
    return 0 if first is None else len(source.parse(first, board))


def _smartrecruiters(ctx: FetchContext, board: Board) -> int:
    url = ctx.url(f"v1/companies/{quote(board.token, safe='')}/postings")
    page = ctx.client.get_json(url, {"limit": 1, "offset": 0}, expect=dict)
    return int(page.get("totalFound") or 0)


def _workday(ctx: FetchContext, board: Board) -> int:
    tenant = workday.tenant_of(board.token)
    root = ctx.root.replace("{host}", tenant.host).rstrip("/")
    ctx.client.limit_host(urlsplit(root).netloc, workday.HOST_LIMIT or HostLimit())
    page = workday._page(ctx, f"{root}/{tenant.cxs}/jobs", {}, 0, "")  # the source's own first-page request
    return int(page.get("total") or 0)


COUNTERS: dict[str, Callable[[FetchContext, Board], int]] = {"smartrecruiters": _smartrecruiters, "workday": _workday}
