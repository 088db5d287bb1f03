"""Sticky, deterministic canary assignment and the canary percentage (0.01% resolution).

A user's bucket is ``int(sha256(route_id + ":" + user_key)) % 10000`` and the user is in the
canary when ``bucket < percent * 100``. The bucket never changes, so raising the percentage
only adds users: nobody already migrated is moved back.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

__all__ = ["BUCKETS", "bucket", "format_percent", "in_canary", "parse_percent"]

BUCKETS = 10_000


def bucket(route_id: str, user_key: str) -> int:
    """Return the user's fixed bucket (0..9999) for this route."""
    digest = hashlib.sha256(f"{route_id}:{user_key}".encode()).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def in_canary(route_id: str, user_key: str, percent_bp: int) -> bool:
    """Whether the user goes to the extracted backend at this canary share (basis points of 0.01%)."""
    if percent_bp <= 0:
        return False
    if percent_bp >= BUCKETS:
        return True
    return bucket(route_id, user_key) < percent_bp


def parse_percent(value: object) -> int:
    """Turn a percentage (number or text, at most 2 decimals, 0..100) into hundredths of a percent."""
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage between 0 and 100, got {value!r}")
    try:
        number = Decimal(str(value).strip().removesuffix("%"))
    except InvalidOperation:
        raise ValueError(f"expected a percentage between 0 and 100, got {value!r}") from None
    if not number.is_finite() or number < 0 or number > 100:
        raise ValueError(f"expected a percentage between 0 and 100, got {value!r}")
    scaled = number * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"at most 2 decimal places (0.01% resolution), got {value!r}")
    return int(scaled)


def format_percent(percent_bp: int) -> str:
    """Return the percentage with exactly two decimals, e.g. 1250 -> "12.50"."""
    return f"{percent_bp // 100}.{percent_bp % 100:02d}"
