"""Every date format the sources serve, parsed to naive UTC datetimes (the store's convention)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_FRACTION = re.compile(r"(\.\d+)")


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
