"""Does the catalog answer product reads as the monolith does? Asked of the code as it is now.

A running service keeps the code it started with, so module 3's check also starts the
catalog service afresh from the learner's working tree (on a free loopback port, over the
stack's catalog database, read-only) and replays docs/workshop/requests/catalog-products.txt
to both sides with `strangler compare`'s machinery.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from strangler_proxy.replay.requests_file import read_requests
from strangler_proxy.replay.runner import ReplayOptions, replay, replay_target
from strangler_proxy.workshop.environment import Workshop
from strangler_proxy.workshop.errors import ReferenceMissing, StepFailed

__all__ = ["ROUTE", "REQUESTS_FILE", "Verdict", "compare_catalog", "fresh_catalog"]

ROUTE = "catalog-products-read"
REQUESTS_FILE = "requests/catalog-products.txt"


@dataclass(frozen=True)
class Verdict:
    """How the catalog's answers compared: the fields that differ, with an example request each."""

    compared: int
    mismatched: int
    errors: list[str]
    fields: dict[str, str]

    @property
    def same(self) -> bool:
        """Whether every request was compared and none differed."""
        return self.compared > 0 and not self.mismatched and not self.errors

    def explain(self) -> str:
        """Say in one line what differs."""
        if self.errors:
            return f"no answer: {self.errors[0]}"
        if not self.compared:
            return "nothing was compared"
        shown = "; ".join(f"{field} (e.g. {example})" for field, example in list(self.fields.items())[:3])
        return f"{self.mismatched} of {self.compared} answers differ in {shown}"


def compare_catalog(workshop: Workshop, catalog_url: str) -> Verdict:
    """Replay the workshop's product reads to the monolith and to `catalog_url`."""
    path = workshop.docs / REQUESTS_FILE
    if not path.is_file():
        raise ReferenceMissing(f"{path} is missing: the workshop's files are incomplete")
    table = workshop.table()
    target = replay_target(table, ROUTE, extracted=catalog_url)
    # Both sides write absolute next/previous links from the Host header: give them the same one.
    host = urlsplit(workshop.proxy_url).netloc
    options = ReplayOptions(concurrency=4, noise_percent=100.0, timeout=15.0, headers=(("Host", host),))
    report = replay(read_requests(path), target, options)
    fields: dict[str, str] = {}
    for case in report.cases:
        for name in case.real_fields:
            fields.setdefault(name, case.request.label)
    errors = [f"{c.request.label}: {c.reason}" for c in report.cases if c.outcome == "error"]
    return Verdict(report.results.compared, report.results.mismatched, errors, fields)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_catalog(workshop: Workshop, *, timeout: float = 60.0) -> Iterator[str]:
    """Run the catalog service from the working tree on a free port; yield its URL, stop it after."""
    port = _free_port()
    env = {**workshop.subprocess_env(), "CATALOG_HOST": "127.0.0.1", "CATALOG_PORT": str(port),
           "CATALOG_WORKERS": "1", "CATALOG_THREADS": "4", "CATALOG_PUBLISH_AFTER_COMMIT": "0"}
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "extracted.catalog", "serve"], cwd=workshop.root, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_healthy(process, url, log, timeout)
            yield url
        finally:
            _stop(process)


def _wait_healthy(process: subprocess.Popen, url: str, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StepFailed(f"the catalog service from your code did not start: {_last_line(log)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise StepFailed(f"the catalog service from your code did not answer within {timeout:g}s: {_last_line(log)}")


def _last_line(log) -> str:
    log.seek(0)
    lines = [line for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else "no output"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)

