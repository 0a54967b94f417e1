"""The scrape's load thread (scraper/background_load.py): everything put is loaded, in order, in few calls,
and what stops the thread reaches the main thread."""

import threading

import pytest

from scraper.background_load import BackgroundLoad
from scraper.errors import StorageError


def test_everything_put_is_loaded_in_order_and_together():
    calls: list[list[int]] = []
    release = threading.Event()

    def load(items):
        calls.append(list(items))
        release.wait(5)  # a slow write: what finishes meanwhile waits for the next one

    loads = BackgroundLoad(load, seconds=0.0)
    loads.put(0)
    for n in range(1, 50):
        loads.put(n)
    release.set()
    loads.close()
    assert [n for call in calls for n in call] == list(range(50))
    assert len(calls) < 50


def test_at_most_so_many_items_a_call():
    calls: list[list[int]] = []
    loads = BackgroundLoad(lambda items: calls.append(list(items)), seconds=60.0, most=10)
    for n in range(25):
        loads.put(n)
    loads.close()  # does not wait out the 60 s: close loads what is queued at once
    assert [n for call in calls for n in call] == list(range(25)) and max(map(len, calls)) <= 10


def test_a_failing_load_stops_the_thread_and_is_raised_on_the_main_thread():
    def load(items):
        raise StorageError("jobtone.duckdb", "No space left on device")

    loads = BackgroundLoad(load, seconds=0.0)
    loads.put(1)
    with pytest.raises(StorageError):
        loads.close()
    with pytest.raises(StorageError):
        loads.put(2)


def test_abandon_leaves_what_is_queued():
    calls: list[list[int]] = []
    started, release = threading.Event(), threading.Event()

    def load(items):
        calls.append(list(items))
        started.set()
        release.wait(5)

    loads = BackgroundLoad(load, seconds=0.0)
    loads.put(1)
    started.wait(5)
    loads.put(2)  # queued while the first write runs
    stopping = threading.Thread(target=loads.abandon)
    stopping.start()
    while not loads._abandoned:
        pass
    release.set()  # the write under way ends; the queued item is left (its batch stays staged)
    stopping.join(5)
    assert calls == [[1]]
