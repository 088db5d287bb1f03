"""An open-loop load client: requests start on a fixed schedule, whatever the answers do.

    python bench/shadow/load.py URL --rate 300 --seconds 5 [--connections 64]

Each request's latency is measured from the moment it was *scheduled* to start, so a stall
in the server shows up in full (no coordinated omission). Prints one JSON line:
{"sent", "ok", "errors", "p50_ms", "p99_ms", "max_ms", "achieved_rate"}.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
import uvloop


async def run(url: str, rate: float, seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def one(scheduled: float) -> None:
            nonlocal errors
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
    latencies.sort()

    def at(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 3) if latencies else -1.0

    return {"sent": total, "ok": len(latencies), "errors": errors, "p50_ms": at(0.50), "p99_ms": at(0.99),
            "max_ms": round(1000 * latencies[-1], 3) if latencies else -1.0,
            "achieved_rate": round(total / elapsed, 1)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=64)
    arguments = parser.parse_args()
    print(json.dumps(uvloop.run(run(arguments.url, arguments.rate, arguments.seconds, arguments.connections))))
