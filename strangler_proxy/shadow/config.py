"""The shadow's defaults, read from the environment in this one place.

A route's own [routes.shadow] / [routes.gate] values win over these (see policy.py).

    STRANGLER_SHADOW_SAMPLE_PERCENT   share of a shadowed route's requests mirrored        100
    STRANGLER_SHADOW_NOISE_PERCENT    share of mirrored safe requests sent to the monolith
                                      a second time, to learn what differs by itself        10
    STRANGLER_SHADOW_TIMEOUT          seconds one mirrored exchange may take in all          5
    STRANGLER_SHADOW_CONCURRENCY      mirrored exchanges in flight per worker; more are
                                      dropped (counted), never queued                        64
    STRANGLER_SHADOW_FLUSH_SECONDS    how often a worker writes its results batch            1.0
    STRANGLER_SHADOW_SIDECAR          mirror, compare and store in a sidecar process per
                                      worker (1), or in the worker itself (0)                1
    STRANGLER_SHADOW_SIDECAR_PRIORITY the sidecar's CPU priority: `idle` (Linux SCHED_IDLE: it
                                      runs only on CPU time nothing else wants, and yields
                                      at once to a proxy worker) or a niceness, 0-19         idle
    STRANGLER_SHADOW_HANDOFF_BYTES    bytes of exchanges that may wait for the sidecar, in
                                      the socket and as much again in the worker; more are
                                      dropped (counted), the user never waits                1048576
    STRANGLER_SHADOW_SAMPLES          mismatch examples kept per distinct set of fields      3
    STRANGLER_SHADOW_SAMPLE_BYTES     bytes of each body kept in an example                  16384
    STRANGLER_GATE_MIN_COMPARED       compared requests a flip to `extracted` needs          1000
    STRANGLER_GATE_MAX_MISMATCH_PERCENT  mismatches (noise excluded) it tolerates, percent  0.1
    STRANGLER_RECORD_PERCENT          share of shadowed exchanges recorded to HAR            0
    STRANGLER_RECORD_DIR              where HAR files are written                            .var/har
    STRANGLER_RECORD_ENTRIES          entries per HAR file                                   200
    STRANGLER_RECORD_SECONDS          a HAR file is written at the latest this long after
                                      its first entry                                        60

The results store lives next to the route store (STRANGLER_STORE / REDIS_URL): the same
Redis under the prefix `<STRANGLER_REDIS_PREFIX>results:`, or a SQLite file beside the
route store's, named `<its name>.results.sqlite3`.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from strangler_proxy.config import env_switch
from strangler_proxy.errors import ConfigError

__all__ = ["ShadowSettings"]


@dataclass(frozen=True)
class ShadowSettings:
    """Defaults for every shadowed route, and where results and recordings go."""

    sample_percent: float = 100.0
    noise_percent: float = 10.0
    timeout: float = 5.0
    concurrency: int = 64
    flush_seconds: float = 1.0
    sidecar: bool = True
    sidecar_priority: str = "idle"  # or a niceness, "0" to "19"
    handoff_bytes: int = 1024 * 1024
    samples_per_signature: int = 3
    sample_body_bytes: int = 16 * 1024
    gate_min_compared: int = 1000
    gate_max_mismatch_percent: float = 0.1
    record_percent: float = 0.0
    record_dir: Path = Path(".var/har")
    record_entries: int = 200
    record_seconds: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ShadowSettings:
        """Read the settings; raise ConfigError naming the variable on a bad value."""
        env = os.environ if environ is None else environ
        return cls(
            sample_percent=_number(env, "STRANGLER_SHADOW_SAMPLE_PERCENT", 100.0, 0, 100),
            noise_percent=_number(env, "STRANGLER_SHADOW_NOISE_PERCENT", 10.0, 0, 100),
            timeout=_number(env, "STRANGLER_SHADOW_TIMEOUT", 5.0, 0.001, 600),
            concurrency=int(_number(env, "STRANGLER_SHADOW_CONCURRENCY", 64, 1, 100_000, whole=True)),
            flush_seconds=_number(env, "STRANGLER_SHADOW_FLUSH_SECONDS", 1.0, 0.01, 3600),
            sidecar=env_switch(env, "STRANGLER_SHADOW_SIDECAR", True),
            sidecar_priority=_priority(env, "STRANGLER_SHADOW_SIDECAR_PRIORITY"),
            handoff_bytes=int(_number(env, "STRANGLER_SHADOW_HANDOFF_BYTES", 1024 * 1024, 0, 2**31, whole=True)),
            samples_per_signature=int(_number(env, "STRANGLER_SHADOW_SAMPLES", 3, 0, 1000, whole=True)),
            sample_body_bytes=int(_number(env, "STRANGLER_SHADOW_SAMPLE_BYTES", 16 * 1024, 0, 10 * 1024 * 1024,
                                          whole=True)),
            gate_min_compared=int(_number(env, "STRANGLER_GATE_MIN_COMPARED", 1000, 0, 10**12, whole=True)),
            gate_max_mismatch_percent=_number(env, "STRANGLER_GATE_MAX_MISMATCH_PERCENT", 0.1, 0, 100),
            record_percent=_number(env, "STRANGLER_RECORD_PERCENT", 0.0, 0, 100),
            record_dir=Path(env.get("STRANGLER_RECORD_DIR") or ".var/har"),
            record_entries=int(_number(env, "STRANGLER_RECORD_ENTRIES", 200, 1, 100_000, whole=True)),
            record_seconds=_number(env, "STRANGLER_RECORD_SECONDS", 60.0, 0.01, 86_400),
        )


def _priority(env: Mapping[str, str], name: str) -> str:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "idle"):
        return "idle"
    if raw.isdigit() and 0 <= int(raw) <= 19:
        return str(int(raw))
    raise ConfigError(f"{name}: expected idle or a niceness from 0 to 19, got {raw!r}")


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float, *,
            whole: bool = False) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name}: expected {kind}, got {raw!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(f"{name}: must be between {low:g} and {high:g}, got {raw.strip()}")
    return value
