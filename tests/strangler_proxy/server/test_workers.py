"""Real `strangler proxy --workers N` process trees: CLI flips reach every worker, on SQLite and on Redis."""
from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path
from urllib.parse import urlsplit

from tests.helpers import wait_for
from tests.strangler_proxy.conftest import ProxyProcess, run_cli, table_text

PATH = "/api/v1/catalog/products/"
WORKERS = 3


def worker_pids(proxy: ProxyProcess) -> set[int]:
    """Return the worker processes (multiprocessing may add a resource-tracker child too)."""
    pid = proxy.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = set()
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(int(child))
        except FileNotFoundError:
            continue
    return workers


def applied_versions(proxy: ProxyProcess) -> dict[int, int]:
    """Return each worker's applied table version, from the multiprocess metrics."""
    text = proxy.request("GET", "/metrics").body.decode()
    found = re.findall(r'strangler_table_version\{pid="(\d+)"\} ([0-9.]+)', text)
    return {int(pid): int(float(value)) for pid, value in found}


def all_workers_at(proxy: ProxyProcess, version: int) -> bool:
    pids = worker_pids(proxy)
    versions = applied_versions(proxy)
    return len(pids) == WORKERS and all(versions.get(pid) == version for pid in pids)


def flip_everywhere(proxy: ProxyProcess, *args: str) -> int:
    result = run_cli(proxy.env, "flip", *args, "--json")
    import json

    version = json.loads(result.stdout)["version"]
    wait_for(lambda: all_workers_at(proxy, version), timeout=20)
    return version


def check_served_by_all_at(proxy: ProxyProcess, version: int, backend: str) -> None:
    # Each request is a new connection, so SO_REUSEPORT spreads them over the workers.
    for _ in range(30):
        reply = proxy.request("GET", PATH)
        assert reply.header("X-Strangler-Table-Version") == str(version)
        assert reply.header("X-Strangler-Backend") == backend


def test_a_cli_flip_reaches_every_worker_with_the_sqlite_store(proxy_process, backends) -> None:
    proxy = proxy_process(table_text(backends, catalog_mode="monolith"), workers=WORKERS)
    wait_for(lambda: all_workers_at(proxy, 0), timeout=20)
    version = flip_everywhere(proxy, "catalog-read", "extracted", "--reason", "go")
    check_served_by_all_at(proxy, version, "catalog")
    version = flip_everywhere(proxy, "catalog-read", "monolith", "--reason", "roll back")
    check_served_by_all_at(proxy, version, "monolith")


def test_a_cli_flip_reaches_every_worker_with_the_redis_store(proxy_process, backends, redis_url) -> None:
    proxy = proxy_process(table_text(backends, catalog_mode="monolith"), workers=WORKERS,
                          extra_env={"STRANGLER_STORE": redis_url})
    wait_for(lambda: all_workers_at(proxy, 0), timeout=20)
    version = flip_everywhere(proxy, "catalog-read", "extracted", "--reason", "go")
    check_served_by_all_at(proxy, version, "catalog")
    result = run_cli(proxy.env, "kill-switch", "on", "--reason", "incident")
    assert "table version" in result.stdout
    wait_for(lambda: all_workers_at(proxy, version + 1), timeout=20)
    check_served_by_all_at(proxy, version + 1, "monolith")


def test_an_admin_api_flip_on_one_worker_reaches_the_others(proxy_process, backends) -> None:
    import json

    proxy = proxy_process(table_text(backends, catalog_mode="monolith"), workers=WORKERS)
    reply = proxy.request("POST", "/_strangler/api/routes/catalog-read/flip",
                          {"Authorization": "Bearer test-admin-token", "Content-Type": "application/json"},
                          json.dumps({"mode": "extracted", "reason": "api"}).encode())
    assert reply.status == 200
    wait_for(lambda: all_workers_at(proxy, 1), timeout=20)
    check_served_by_all_at(proxy, 1, "catalog")


def test_metrics_add_up_every_workers_requests(proxy_process, backends) -> None:
    proxy = proxy_process(table_text(backends), workers=WORKERS)
    for _ in range(45):
        assert proxy.request("GET", PATH).status == 200

    def total() -> float:
        text = proxy.request("GET", "/metrics").body.decode()
        return sum(float(v) for v in re.findall(
            r'strangler_requests_total\{backend="catalog",route="catalog-read",status="200"\} ([0-9.]+)', text))

    wait_for(lambda: total() == 45, timeout=10)
    stats = proxy.request("GET", "/_strangler/api/stats", {"Authorization": "Bearer test-admin-token"}).json()
    assert stats["routes"]["catalog-read"]["requests"] == 45


class TcpRelay:
    """A cuttable TCP relay, to take Redis away from the workers and give it back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        self.server.close()
        await self.server.wait_closed()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()


def test_workers_keep_serving_their_last_table_while_redis_is_away(proxy_process, backends, redis_url,
                                                                   loop_thread) -> None:
    parts = urlsplit(redis_url)
    relay = TcpRelay((parts.hostname, parts.port))
    loop_thread.run(relay.start())
    relayed = f"redis://127.0.0.1:{relay.port}{parts.path}"
    proxy = proxy_process(table_text(backends, catalog_mode="monolith"), workers=WORKERS,
                          extra_env={"STRANGLER_STORE": relayed})
    version = flip_everywhere(proxy, "catalog-read", "extracted", "--reason", "before the outage")
    loop_thread.run(relay.cut())
    # The store is unreachable: requests are still served from the last applied table.
    check_served_by_all_at(proxy, version, "catalog")
    failed = run_cli(proxy.env, "flip", "catalog-read", "monolith", "--reason", "x", check=False)
    assert failed.returncode == 2 and "route store" in failed.stderr and "Traceback" not in failed.stderr
    # A change made while the workers cannot see Redis is picked up once it is back.
    direct = dict(proxy.env, STRANGLER_STORE=redis_url)
    run_cli(direct, "flip", "catalog-read", "shadow", "--reason", "during the outage")
    check_served_by_all_at(proxy, version, "catalog")
    loop_thread.run(relay.start(relay.port))
    wait_for(lambda: all_workers_at(proxy, version + 1), timeout=30)
    check_served_by_all_at(proxy, version + 1, "monolith")
    loop_thread.run(relay.cut())


def test_sigterm_stops_every_worker_and_exits_cleanly(proxy_process, backends) -> None:
    proxy = proxy_process(table_text(backends), workers=WORKERS)
    wait_for(lambda: len(worker_pids(proxy)) == WORKERS, timeout=20)
    pids = worker_pids(proxy)
    proxy.process.send_signal(signal.SIGTERM)
    assert proxy.process.wait(30) == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_sigint_stops_a_single_worker_proxy_cleanly(proxy_process, backends) -> None:
    proxy = proxy_process(table_text(backends), workers=1)
    assert proxy.request("GET", PATH).status == 200
    proxy.process.send_signal(signal.SIGINT)
    assert proxy.process.wait(30) == 0
