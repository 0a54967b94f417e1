"""Every date format the sources serve, parsed to naive UTC datetimes (the store's convention)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

_FRACTION = re.compile(r"(\.\d+)")
EARLIEST = datetime(1995, 1, 1)  # no job board served postings before this
LATEST_AHEAD = timedelta(days=366)  # a posting dated further ahead is a typo or a placeholder (9999-12-31)


def utcnow() -> datetime:
    """Now, as naive UTC (the store's convention); callers take it as a parameter so tests can pin it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def plausible(when: datetime, now: datetime | None = None) -> bool:
    """Whether a posting date can be real: not before 1995-01-01, not more than 366 days after `now`
    (default: utcnow()). Naive datetimes are taken as UTC."""
    try:
        return EARLIEST <= to_utc(when) <= to_utc(now or utcnow()) + LATEST_AHEAD
    except OverflowError:  # an aware datetime at the very edge of the calendar (year 1 or 9999)
        return False


def to_utc(value: datetime) -> datetime:
    """Naive UTC: aware datetimes are converted, naive ones are taken as UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def parse_iso(value: str | None) -> datetime | None:
    """ISO 8601 date or datetime with any offset, `Z`, 0–9 fractional digits, or `YYYY-MM-DD HH:MM:SS UTC`.

    Returns None for empty or unparseable values; the caller records which field it used.
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace(" UTC", "+00:00").replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: m.group(1)[:7].ljust(7, "0") if len(m.group(1)) > 1 else "", text, count=1)
    try:
        return to_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def first_date(record: Mapping[str, Any], fields: Sequence[str]) -> tuple[datetime | None, str]:
    """The first of `fields` (in order of trust) that holds an ISO date, and its name; (None, "") if none."""
    for field in fields:
        when = parse_iso(record.get(field))
        if when is not None:
            return when, field
    return None, ""


def from_epoch_seconds(value: int | float | str | None) -> datetime | None:
    """Unix seconds (int, float or numeric string) → naive UTC."""
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc).replace(tzinfo=None)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_epoch_millis(value: int | float | str | None) -> datetime | None:
    """Unix milliseconds (Lever `createdAt`, sometimes a quoted string) → naive UTC."""
    try:
        return from_epoch_seconds(float(value) / 1000)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


# English month names, fixed here so parsing never depends on the machine's locale (strptime's %B does).
ENGLISH_MONTHS = {name: number for number, name in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
_LONG_DATE = re.compile(r"^\s*([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\s*$")


def parse_english_long_date(value: str | None) -> datetime | None:
    """`"July  2, 2026"` (Amazon's `posted_date`, space-padded day) or `"Jul 2, 2026"` → midnight that day.

    Returns None for empty or unparseable values, like the other parsers here.
    """
    if not value or not isinstance(value, str):
        return None
    match = _LONG_DATE.match(value)
    if not match:
        return None
    name, day, year = match.groups()
    month = ENGLISH_MONTHS.get(name.lower()) or _month_by_abbreviation(name.lower())
    try:
        return datetime(int(year), month, int(day)) if month else None
    except ValueError:
        return None


def _month_by_abbreviation(name: str) -> int | None:
    matches = [number for full, number in ENGLISH_MONTHS.items() if len(name) >= 3 and full.startswith(name)]
    return matches[0] if len(matches) == 1 else None
