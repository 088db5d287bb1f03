"""One text form for the values both databases hold, so rows compare across engines.

The monolith's SQLite stores decimals as REAL and datetimes as naive UTC text;
PostgreSQL gives Decimal and aware datetimes; the services keep cents. Each
becomes the same string here: money "12.50", time "2026-01-05T09:00:00.000000Z".
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

__all__ = ["api_time", "cents", "money", "money_from_cents", "parse_time", "stable_time"]

CENT = Decimal("0.01")


def money(value: Any) -> str:
    """A price as the API writes it: two decimals, from Decimal, float, int, text or cents."""
    return f"{Decimal(str(value)).quantize(CENT):f}"


def cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def money_from_cents(value: int) -> str:
    return f"{(Decimal(value) / 100).quantize(CENT):f}"


def parse_time(value: Any) -> dt.datetime:
    """An aware UTC datetime from a datetime (naive means UTC) or ISO text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def stable_time(value: Any) -> str | None:
    """Fixed-width UTC text for checksums."""
    if value is None:
        return None
    return parse_time(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def api_time(value: dt.datetime | None) -> str | None:
    """A datetime as DRF renders it: ISO 8601, UTC as 'Z', microseconds only when set."""
    if value is None:
        return None
    text = parse_time(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
