"""Sign-up commit to welcome coupon visible: p50 and p99, with Redis and with the embedded broker.

    .venv/bin/python -m bench.jobs.latency [--signups 200]

Runs the real relay and a real Celery worker (prefork, 2 processes) as separate
processes on an SQLite database in a temporary folder. This process signs users up
one at a time through the sign-up service (password hashing is MD5 here: hashing is
not what is measured), takes the time right after the commit, and polls the coupons
table every millisecond until the user's welcome coupon is visible. Redis is a
redis-server of our own (append-only, fsync every second).
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.jobs.common import (PYTHON, RESULTS, ROOT, Processes, machine, migrate, stack_env, summary_ms,
                               throwaway_redis)


def _measure(signups: int, warmup: int) -> list[float]:
    """Run in a child process with the stack's environment (Django reads its settings once)."""
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from monolith.accounts.services import user_sign_up

    database = settings.DATABASES["default"]["NAME"]
    reader = sqlite3.connect(database, timeout=30, isolation_level=None)
    samples = []
    for n in range(warmup + signups):
        user = user_sign_up(email=f"bench{n}@example.com", password="bench-password-1", name="Bench")
        committed = time.perf_counter()
        deadline = committed + 30
        while not reader.execute("SELECT 1 FROM coupons_coupon WHERE user_id = ?", (user.pk,)).fetchone():
            if time.perf_counter() > deadline:
                raise SystemExit(f"no coupon for user {user.pk} within 30 s")
            time.sleep(0.001)
        if n >= warmup:
            samples.append(time.perf_counter() - committed)
    return samples


def run(broker: str, signups: int, warmup: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-jobs-{broker}-") as tmp:
        folder = Path(tmp)
        with (throwaway_redis(folder / "redis") if broker == "redis" else _nothing()) as redis_url:
            env = stack_env(folder, database_url=None, redis_url=redis_url)
            migrate(env)
            with Processes(env, folder / "logs") as processes:
                processes.start("relay", PYTHON, "-m", "monolith", "run_relay", ready="relay: started")
                processes.start("worker", PYTHON, "-m", "celery", "-A", "monolith.celery", "worker", "-l", "WARNING",
                                "-P", "prefork", "-c", "2", "--without-mingle", "--without-gossip",
                                "--without-heartbeat", ready="broker:")
                time.sleep(2)  # let the pool processes come up
                child = subprocess.run(
                    [PYTHON, "-c", "import json; from bench.jobs.latency import _measure; "
                     f"print(json.dumps(_measure({signups}, {warmup})))"],
                    capture_output=True, text=True, env=env, cwd=ROOT)
                if child.returncode != 0:
                    raise SystemExit(f"{broker}: the measuring process failed:\n{child.stderr[-3000:]}")
                samples = json.loads(child.stdout.strip().splitlines()[-1])
    return {"broker": broker, **summary_ms(samples)}


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args(argv)
    results = {"machine": machine(), "signups": args.signups,
               "load_average_1m_at_start": os.getloadavg()[0],
               "runs": [run(broker, args.signups, args.warmup) for broker in ("redis", "embedded")]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "jobs-latency.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
