"""Which board is fetched next: the boards visited longest ago first, and hosts taking turns so that no host
has more boards in flight than its concurrency while the others run in parallel (so with thousands of boards
no worker waits on a busy host's gate while another host idles)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from scraper.config import Config
from scraper.sources import Board, get_source

MAX_WORKERS = 64  # threads, however many hosts' concurrency adds up to


def in_turn(boards: Sequence[Board], visits: Mapping[tuple[str, str], datetime]) -> list[Board]:
    """Boards never visited first, then those visited longest ago; otherwise in the given order."""
    def key(board: Board) -> tuple[bool, datetime]:
        visited = visits.get((board.ats, board.token))
        return visited is not None, visited or datetime.min
    return sorted(boards, key=key)


class HostTurns:
    """The boards waiting, per host, handed out so that no host has more boards in flight than its concurrency
    and hosts take turns (round robin)."""

    def __init__(self, config: Config, boards: Sequence[Board]) -> None:
        self.waiting: dict[str, deque[Board]] = {}
        self.limit: dict[str, int] = {}
        self.busy: dict[str, int] = {}
        for board in boards:
            host = board_host(config, board)
            self.waiting.setdefault(host, deque()).append(board)
            self.limit.setdefault(host, host_concurrency(config, board, host))
            self.busy.setdefault(host, 0)
        self.ready = deque(self.waiting)  # hosts with a board waiting and a free slot
        self.given = 0
        self.stopped = False

    def workers(self) -> int:
        """Threads enough for every host's concurrency at once, within MAX_WORKERS."""
        return max(1, min(MAX_WORKERS, sum(self.limit.values())))

    def take(self, stop: Callable[[], bool]) -> Iterator[tuple[str, Board]]:
        """(host, board) for every free slot; none once `stop()` says so (but the first board always goes)."""
        while self.ready and not self.stopped:
            if self.given and stop():
                self.stopped = True
                return
            host = self.ready.popleft()
            self.busy[host] += 1
            board = self.waiting[host].popleft()
            if self.waiting[host] and self.busy[host] < self.limit[host]:
                self.ready.append(host)
            self.given += 1
            yield host, board

    def release(self, host: str) -> None:
        """A board of `host` finished: its slot is free again."""
        self.busy[host] -= 1
        if self.waiting[host] and host not in self.ready:
            self.ready.append(host)

    def left(self) -> int:
        return sum(len(waiting) for waiting in self.waiting.values())


def board_host(config: Config, board: Board) -> str:
    """The host a board's requests go to (its own key when the host is only known once fetched, as Workday's)."""
    root = board.token if board.ats == "page" else config.api_root(board.ats)
    host = urlsplit(root.replace("{token}", board.token)).netloc
    return board.key if not host or "{" in host else host


def host_concurrency(config: Config, board: Board, host: str) -> int:
    """How many requests at once the host allows: the user's [http.hosts] entry, else the source's own, else [http]."""
    source_limit = getattr(get_source(board.ats), "HOST_LIMIT", None)
    return (config.http.host_limits.get(host) or source_limit or config.http.default_limit).concurrency
