"""An open-loop load client: requests start on a fixed schedule, whatever the answers do.

    python bench/shadow/load.py URL --rate 300 --seconds 5 [--connections 64] [--raw]

Each request's latency is measured from the moment it was *scheduled* to start, so a stall
in the server shows up in full (no coordinated omission). Prints one JSON line:
{"sent", "ok", "errors", "p50_ms", "p99_ms", "max_ms", "achieved_rate", "lag_p99_ms", "lag_max_ms"}
and with --raw every latency too ("latencies_ms", in the order answered). `lag` is how late
the client itself started requests (its own scheduling, not the server): when it is large,
the client was short of CPU and the latencies say as much about the machine as the server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
import uvloop


def _at(values: list[float], q: float) -> float:
    return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 3) if values else -1.0


async def run(url: str, rate: float, seconds: float, connections: int, raw: bool) -> dict:
    latencies: list[float] = []
    lags: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def one(scheduled: float) -> None:
            nonlocal errors
            lags.append(time.perf_counter() - scheduled)
            try:
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                errors += 1
                return
            latencies.append(time.perf_counter() - scheduled)

        total = int(rate * seconds)
        start = time.perf_counter() + 0.05
        tasks = []
        for n in range(total):
            scheduled = start + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    answered = [round(1000 * value, 4) for value in latencies] if raw else None
    latencies.sort()
    lags.sort()
    result = {"sent": total, "ok": len(latencies), "errors": errors, "p50_ms": _at(latencies, 0.50),
              "p99_ms": _at(latencies, 0.99), "max_ms": round(1000 * latencies[-1], 3) if latencies else -1.0,
              "achieved_rate": round(total / elapsed, 1), "lag_p99_ms": _at(lags, 0.99),
              "lag_max_ms": round(1000 * lags[-1], 3) if lags else -1.0}
    if answered is not None:
        result["latencies_ms"] = answered
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--raw", action="store_true", help="print every latency too")
    arguments = parser.parse_args()
    print(json.dumps(uvloop.run(run(arguments.url, arguments.rate, arguments.seconds, arguments.connections,
                                    arguments.raw))))
