"""argparse `type=` validators shared by the commands: a bad value is argparse's usage error (exit 2) naming
the option, never a crash later on (`--limit -1`, `--smooth 0`, `--prune-runs nan`)."""

from __future__ import annotations

import argparse
import math

MAX_INT = 2**63 - 1


def positive_int(text: str) -> int:
    """1 or more."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """0 or more."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def finite_nonnegative_float(text: str) -> float:
    """A finite number, 0 or more (no nan, no inf)."""
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got {text!r}")
    return value


def non_blank(text: str) -> str:
    """Any text with something other than white space in it."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _int(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if abs(value) > MAX_INT:  # DuckDB's BIGINT, where limits end up
        raise argparse.ArgumentTypeError(f"expected a whole number below 2^63, got {text!r}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value
