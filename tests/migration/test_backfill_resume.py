"""Killing the catalog service in the middle of a backfill: the next run resumes, and nothing is doubled."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from extracted.common.auth import internal_token
from tests.loopback import DEV_JWT_SECRET, ROOT

BACKFILL = "from strangler_proxy.cli import main; main()"


def _cli(stack, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", BACKFILL, "data", *args, "catalog", "--monolith-database-url", stack.monolith_db,
         "--service-url", stack.catalog_url],
        cwd=ROOT, env={**os.environ, "STRANGLER_JWT_SECRET": DEV_JWT_SECRET},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _internal(stack, path: str) -> dict:
    token = internal_token(secret=DEV_JWT_SECRET, issuer="strangler-monolith", subject="tests")
    response = httpx.get(f"{stack.catalog_url}/internal/v1/catalog/{path}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)
    return response.json()


def _watermark(stack) -> int:
    try:
        return _internal(stack, "backfill/products/")["last_id"]
    except httpx.HTTPError:
        return -1


def test_a_backfill_cut_short_by_a_killed_service_completes_on_the_next_run(stack):
    stack.manage("seed_shop", "--products", "600", "--users", "1", "--orders", "1")
    service = stack.start_catalog_web(writer="monolith")

    first = _cli(stack, "backfill", "--batch-size", "5")
    deadline = time.monotonic() + 60
    while _watermark(stack) < 100:
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.01)
    service.kill()
    out, err = first.communicate(timeout=60)

    stopped_at = None
    assert first.returncode == 2, out + err
    last_line = err.strip().splitlines()[-1]
    assert last_line.startswith("strangler: the service at") and "did not answer" in last_line
    assert "Traceback" not in err and "products:" in err  # the progress bar, then one clear line

    stack.start_catalog_web(writer="monolith")
    stopped_at = _watermark(stack)
    second = _cli(stack, "backfill", "--batch-size", "50", "--json")
    out, err = second.communicate(timeout=120)

    assert second.returncode == 0, err
    assert 100 <= stopped_at < 600
    assert '"from_id": %d' % stopped_at in out  # resumed from the watermark, not from the start
    assert _internal(stack, "reconcile/products/") == {"table": "products", "count": 600, "min_id": 1,
                                                        "max_id": 600}
    verify = _cli(stack, "verify")
    out, err = verify.communicate(timeout=120)
    assert verify.returncode == 0 and "no drift" in out, out + err
