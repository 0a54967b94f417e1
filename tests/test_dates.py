"""The plausible-date window: what a posting date may be before it is stored as unknown (issue 13)."""

from datetime import datetime, timedelta, timezone

import pytest

from scraper.dates import plausible

NOW = datetime(2026, 12, 6, 12, 0)


@pytest.mark.parametrize("when, expected", [
    (datetime(1995, 1, 1), True),  # the first day of the window
    (NOW, True),
    (NOW + timedelta(days=366), True),  # a year ahead (and a leap day): a posting's announced start
    (datetime(1994, 12, 31, 23, 59), False),
    (NOW + timedelta(days=366, seconds=1), False),
    (datetime(1, 1, 1), False),
    (datetime(2900, 6, 1), False),
    (datetime(9999, 12, 31), False),
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), False),  # converting to UTC would overflow
    (datetime(2026, 12, 6, 23, 0, tzinfo=timezone(timedelta(hours=-5))), True),  # aware: compared in UTC
])
def test_plausible_window(when, expected):
    assert plausible(when, NOW) is expected


def test_plausible_defaults_to_the_clock():
    assert plausible(datetime(2020, 1, 1)) and not plausible(datetime(9999, 1, 1))
