"""When two different scalars still count as equal: numeric tolerance, timestamps, UUIDs.

These run only on leaves that already differ, so they may be thorough rather than fast.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "TIMESTAMP_MODES",
    "UUID_MODES",
    "as_decimal",
    "equal_timestamps",
    "equal_uuids",
    "within_tolerance",
]

# "instant": both are ISO 8601 date-times naming the same instant (zone offsets honoured);
# "type": any ISO 8601 date-time equals any other (the value is ignored, the type is kept);
# "off": compared as plain strings (lets a path opt out of a broader rule).
TIMESTAMP_MODES = ("instant", "type", "off")
# "canonical": same UUID whatever the letter case; "type": any UUID equals any other.
UUID_MODES = ("canonical", "type", "off")

_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def as_decimal(value: Any) -> Decimal | None:
    """Return the exact decimal a JSON number or a decimal string stands for, else None."""
    kind = type(value)
    if kind is int:
        return Decimal(value)
    if kind is float:
        # repr gives the shortest text that reads back as this float: 0.1 stays 0.1.
        number = Decimal(repr(value))
    elif kind is str and _DECIMAL.fullmatch(value):
        number = Decimal(value)
    else:
        return None
    return number if number.is_finite() else None


def within_tolerance(a: Any, b: Any, absolute: Decimal, relative: Decimal) -> bool:
    """Return True when |a - b| <= max(absolute, relative * max(|a|, |b|)), in decimal arithmetic."""
    x, y = as_decimal(a), as_decimal(b)
    if x is None or y is None:
        return False
    try:
        gap = abs(x - y)
        return gap <= absolute or gap <= relative * max(abs(x), abs(y))
    except InvalidOperation:
        return False


def _instant(text: str) -> datetime | None:
    if len(text) > 40 or not _ISO_DATETIME.fullmatch(text):
        return None
    cleaned = text.replace(",", ".")
    if cleaned[-1] in "zZ":
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        return None


def equal_timestamps(a: str, b: str, mode: str) -> bool:
    """Return True when two differing strings are equal under a timestamp mode."""
    if mode == "off":
        return False
    x, y = _instant(a), _instant(b)
    if x is None or y is None:
        return False
    if mode == "type":
        return True
    # An offset-free time names no instant: it equals only another offset-free time.
    if (x.tzinfo is None) != (y.tzinfo is None):
        return False
    return x == y


def equal_uuids(a: str, b: str, mode: str) -> bool:
    """Return True when two differing strings are equal under a UUID mode."""
    if mode == "off" or not (_UUID.fullmatch(a) and _UUID.fullmatch(b)):
        return False
    return mode == "type" or a.lower() == b.lower()
