"""Relay throughput: events per second with one relay and with two on PostgreSQL (and one on SQLite).

    .venv/bin/python -m bench.jobs.relay_throughput [--events 20000]

The relays run as separate processes (`python -m monolith run_relay`, batches of
500) against a fresh database and a redis-server of our own. With the relays idle,
this process commits all events in one transaction, then polls the outbox until
nothing is unsent: throughput is events / (last poll - commit). Each event is a
UserSignedUp with two subscribers, so the broker receives two messages per event.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.jobs.common import (PYTHON, RESULTS, Processes, bench_database, machine, migrate, stack_env,
                               throwaway_redis)

INSERT = (
    "INSERT INTO outbox_outboxevent (id, aggregate_type, aggregate_id, event_type, payload, created_at, position, "
    "attempts, last_error) SELECT {uuid}, 'user', n, 'UserSignedUp', "
    "'{{\"user_id\": 1, \"email\": \"bench@example.com\", \"name\": \"Bench\"}}', {now}, {position}, 0, '' "
    "FROM {series}")


class Outbox:
    """Plain SQL on the bench database, PostgreSQL or SQLite."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def _run(self, sql: str, fetch: bool = False):
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=60) as conn:
                rows = conn.execute(sql).fetchall()
                return rows if fetch else None
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if fetch else None

    def insert(self, events: int) -> None:
        if self.url.startswith("sqlite"):
            top = self._run("SELECT COALESCE(MAX(position), 0) FROM outbox_outboxevent", fetch=True)[0][0]
            series = (f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {events}) "
                      "SELECT n FROM s)")
            self._run(INSERT.format(uuid="lower(hex(randomblob(16)))", now="datetime('now')",
                                    position=f"{top} + n", series=series))
        else:
            self._run(INSERT.format(uuid="gen_random_uuid()", now="now()",
                                    position="nextval('outbox_position_seq')",
                                    series=f"generate_series(1, {events}) AS n"))

    def unsent(self) -> int:
        return self._run("SELECT COUNT(*) FROM outbox_outboxevent WHERE published_at IS NULL", fetch=True)[0][0]

    def clear(self) -> None:
        self._run("DELETE FROM outbox_outboxevent")


def _wake(env: dict) -> None:
    import socket

    host, port = env["STRANGLER_RELAY_WAKE"].rsplit(":", 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"w", (host, int(port)))


def measure(database_url: str, redis_url: str, relays: int, events: int, folder: Path) -> dict:
    import redis

    env = stack_env(folder, database_url=database_url, redis_url=redis_url, STRANGLER_RELAY_POLL_SECONDS="0.05")
    outbox = Outbox(database_url)
    outbox.clear()
    redis.Redis.from_url(redis_url).flushdb()
    with Processes(env, folder / f"logs-{relays}") as processes:
        for n in range(relays):
            processes.start(f"relay-{n}", PYTHON, "-m", "monolith", "run_relay", ready="relay: started")
        outbox.insert(events)
        committed = time.perf_counter()
        _wake(env)
        while outbox.unsent():
            time.sleep(0.05)
        elapsed = time.perf_counter() - committed
    queued = sum(redis.Redis.from_url(redis_url).llen(q) for q in ("sub.coupons.welcome",
                                                                   "sub.notifications.welcome"))
    assert queued == 2 * events, f"expected {2 * events} messages, found {queued}"
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    return {"database": database, "relays": relays, "events": events, "seconds": round(elapsed, 2),
            "events_per_second": round(events / elapsed), "messages_per_second": round(2 * events / elapsed)}


def _median(results: list[dict]) -> dict:
    ordered = sorted(results, key=lambda r: r["events_per_second"])
    return {**ordered[len(ordered) // 2], "runs": len(results),
            "range_events_per_second": [ordered[0]["events_per_second"], ordered[-1]["events_per_second"]]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3, help="Runs per setup; the median is reported.")
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
        folder = Path(tmp)
        with throwaway_redis(folder / "redis") as redis_url:
            with bench_database("strangler_bench_jobs") as database_url:
                migrate(stack_env(folder, database_url=database_url, redis_url=redis_url))
                for relays in (1, 2):
                    runs.append(_median([measure(database_url, redis_url, relays, args.events, folder)
                                         for _ in range(args.repeat)]))
            sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
            migrate(stack_env(folder, database_url=sqlite_url, redis_url=redis_url))
            runs.append(_median([measure(sqlite_url, redis_url, 1, args.events, folder)
                                 for _ in range(args.repeat)]))
    results = {"machine": machine(), "load_average_1m_at_end": os.getloadavg()[0], "runs": runs}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "jobs-relay-throughput.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
