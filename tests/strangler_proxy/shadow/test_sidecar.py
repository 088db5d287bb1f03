"""The shadow sidecar: a worker hands its shadowed exchanges to a process of their own, never waits for it,
counts what it cannot hand over, and survives the sidecar's death."""
from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strangler_proxy.config import ProxySettings
from strangler_proxy.forwarding.upstream import UpstreamPool
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import MirroredRequest, MirroredResponse
from strangler_proxy.routing.table import parse_table
from strangler_proxy.server.app import create_app
from strangler_proxy.server.runner import start_site
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.handoff import MIRROR, FrameReader, exchanges_frame, exchanges_of, frame
from strangler_proxy.shadow.results import open_results, summarise
from strangler_proxy.shadow.sidecar_mirror import SidecarMirror
from strangler_proxy.shadow.wiring import comparing_mirror
from strangler_proxy.store.memory import MemoryStore
from tests.helpers import wait_for
from tests.strangler_proxy.conftest import ADMIN_TOKEN, FakeBackend, LoopThread, RunningProxy
from tests.strangler_proxy.shadow.conftest import LIST, SHADOW_ROUTES, plant


@dataclass
class SidecarProxy:
    running: RunningProxy
    mirror: SidecarMirror
    results: Any
    loop_thread: LoopThread

    def get(self, path: str, headers: dict[str, str] | None = None):
        return self.running.get(path, headers)

    def drain(self) -> None:
        self.loop_thread.run(self.mirror.drain())

    def summary(self, route: str = "catalog-read"):
        return summarise(self.results.route_data(route))

    def metrics(self) -> str:
        return self.get("/metrics").body.decode()


@pytest.fixture
def sidecar_proxy(loop_thread: LoopThread, backends: dict[str, FakeBackend],
                  tmp_path: Path) -> Iterator[Callable[..., SidecarProxy]]:
    """Start a proxy whose shadow runs in a sidecar: `sidecar_proxy(restart_delay=..., **shadow settings)`."""
    started: list[RunningProxy] = []

    def start(*, restart_delay: float = 1.0, **shadow: Any) -> SidecarProxy:
        parts = [f'[backends.{name}]\nurls = ["{b.url}"]\nhealth_path = "/healthz"\n' for name, b in backends.items()]
        table = parse_table("\n".join(parts) + SHADOW_ROUTES.replace("{extra}", ""))
        proxy_settings = ProxySettings(admin_token=ADMIN_TOKEN, access_log=False, log_level="WARNING",
                                       store_url=f"sqlite:///{tmp_path / 'routes.sqlite3'}")
        shadow_settings = ShadowSettings(**{"noise_percent": 0.0, "flush_seconds": 3600.0,
                                            "record_dir": tmp_path / "har", **shadow})
        results = open_results(proxy_settings, "sqlite")
        metrics = ProxyMetrics(multiprocess=False)
        pool = UpstreamPool(table.backends)
        mirror = SidecarMirror(pool, metrics, "sqlite", proxy_settings, shadow_settings, restart_delay=restart_delay)

        async def boot():
            app = create_app(proxy_settings, table=table, store=MemoryStore(), upstream=pool, mirror=mirror,
                             metrics=metrics, results=results)
            return app, await start_site(app, "127.0.0.1", 0)

        app, runner = loop_thread.run(boot())
        running = RunningProxy(runner.addresses[0][1], app, None, runner, backends)
        started.append(running)
        return SidecarProxy(running, mirror, results, loop_thread)

    yield start
    for running in started:
        loop_thread.run(running.runner.cleanup())


def test_the_sidecar_compares_and_stores_what_the_worker_hands_over_and_its_counts_reach_metrics(
        sidecar_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    proxy = sidecar_proxy(noise_percent=100.0)
    for number in range(5):
        reply = proxy.get(LIST, {"X-Request-ID": f"side-{number}"})
        assert reply.status == 200 and reply.body == planted.monolith_bodies[f"side-{number}"]
    proxy.drain()
    assert proxy.mirror.pid is not None and proxy.mirror.pid != os.getpid()
    assert os.sched_getscheduler(proxy.mirror.pid) == os.SCHED_IDLE  # a proxy worker that wakes takes the CPU
    summary = proxy.summary()
    assert (summary.compared, summary.mismatched, summary.noise_probes) == (5, 5, 5)
    assert {f.field for f in summary.fields} == {"/results/*/price", "/results/*/sku", "/generated_at"}
    metrics = proxy.metrics()
    assert 'strangler_mirror_total{outcome="sent",route="catalog-read"} 5.0' in metrics
    assert 'strangler_shadow_comparisons_total{result="mismatched",route="catalog-read"} 5.0' in metrics
    assert 'strangler_shadow_duration_seconds_count{route="catalog-read",side="extracted"} 5.0' in metrics
    assert "strangler_shadow_sidecar_up 1.0" in metrics
    assert {seen.headers.get("X-Request-ID") for seen in backends["catalog"].hits} == {f"side-{n}" for n in range(5)}


def test_the_workers_own_refusals_reach_the_results_store_through_the_sidecar(sidecar_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = sidecar_proxy(sample_percent=0.0)
    for _ in range(3):
        assert proxy.get(LIST).status == 200
    wait_for(lambda: proxy.mirror.pid)  # started for the counts alone
    proxy.drain()
    assert proxy.summary().sampled_out == 3
    assert backends["catalog"].hits == []
    assert 'strangler_mirror_total{outcome="sampled_out",route="catalog-read"} 3.0' in proxy.metrics()


def test_past_the_handoff_budget_exchanges_are_dropped_and_counted_while_the_user_is_answered(
        sidecar_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    proxy = sidecar_proxy(handoff_bytes=4096)
    proxy.get(LIST)
    proxy.drain()
    pid = proxy.mirror.pid
    os.kill(pid, signal.SIGSTOP)  # a sidecar that reads nothing: the pipe fills
    try:
        for number in range(60):
            reply = proxy.get(LIST, {"X-Request-ID": f"full-{number}"})
            assert reply.status == 200 and reply.body == planted.monolith_bodies[f"full-{number}"]
    finally:
        os.kill(pid, signal.SIGCONT)
    proxy.drain()
    summary = proxy.summary()
    assert summary.dropped["handoff"] > 0
    assert summary.compared + summary.dropped["handoff"] + summary.dropped.get("overload", 0) == 61
    assert f'strangler_mirror_total{{outcome="dropped",route="catalog-read"}} {summary.dropped_total}.0' \
        in proxy.metrics()


def test_a_killed_sidecar_costs_the_user_nothing_is_counted_meanwhile_and_is_restarted(
        sidecar_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    proxy = sidecar_proxy(restart_delay=0.5)
    proxy.get(LIST)
    proxy.drain()
    first = proxy.mirror.pid
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: proxy.mirror.pid is None)
    for number in range(3):
        reply = proxy.get(LIST, {"X-Request-ID": f"dead-{number}"})
        assert reply.status == 200 and reply.body == planted.monolith_bodies[f"dead-{number}"]
    second = wait_for(lambda: proxy.mirror.pid)
    assert second != first and proxy.mirror.restarts == 1
    for _ in range(2):
        assert proxy.get(LIST).status == 200
    proxy.drain()
    summary = proxy.summary()
    assert summary.dropped == {"sidecar": 3} and summary.compared == 3
    metrics = proxy.metrics()
    assert "strangler_shadow_sidecar_restarts_total 1.0" in metrics
    assert 'strangler_mirror_total{outcome="dropped",route="catalog-read"} 3.0' in metrics


def test_a_target_the_sidecar_knows_is_down_is_counted_by_the_worker_without_handing_anything_over(
        sidecar_proxy, backends, loop_thread):
    planted = plant(backends, loop_thread)
    proxy = sidecar_proxy()
    proxy.get(LIST)
    proxy.drain()  # the sidecar is up
    loop_thread.run(backends["catalog"].stop())
    sent = 0

    def reported_down() -> bool:
        nonlocal sent
        assert proxy.get(LIST).status == 200
        sent += 1
        return "catalog" in proxy.mirror.down  # its circuit opens after 5 failures, reported within 0.5 s

    wait_for(reported_down, timeout=20)
    proxy.drain()
    pid = proxy.mirror.pid
    os.kill(pid, signal.SIGSTOP)  # whatever reached the sidecar now would wait: nothing may
    try:
        for number in range(5):
            reply = proxy.get(LIST, {"X-Request-ID": f"down-{number}"})
            assert reply.status == 200 and reply.body == planted.monolith_bodies[f"down-{number}"]
        loop_thread.run(_sleep(0.1))
        assert not proxy.mirror._exchanges
    finally:
        os.kill(pid, signal.SIGCONT)
    proxy.drain()
    summary = proxy.summary()
    assert summary.error_total == sent + 5 and summary.compared == 1
    assert summary.errors["unavailable"] >= 5


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def test_a_stopped_worker_stops_its_sidecar_after_it_wrote_its_results(sidecar_proxy, backends, loop_thread):
    plant(backends, loop_thread)
    proxy = sidecar_proxy()
    proxy.get(LIST)
    pid = wait_for(lambda: proxy.mirror.pid)
    loop_thread.run(proxy.running.runner.cleanup())
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert proxy.summary().compared + proxy.summary().dropped_total == 1


def test_the_default_mirror_is_the_sidecar_with_shared_results_and_in_process_without(tmp_path: Path):
    settings = ProxySettings(store_url=f"sqlite:///{tmp_path / 'routes.sqlite3'}")
    metrics = ProxyMetrics(multiprocess=False)
    shared = comparing_mirror(UpstreamPool(), metrics, open_results(settings, "sqlite"), settings, ShadowSettings())
    assert isinstance(shared, SidecarMirror)
    for results, shadow in ((open_results(settings, "memory"), ShadowSettings()),
                            (open_results(settings, "sqlite"), ShadowSettings(sidecar=False))):
        mirror = comparing_mirror(UpstreamPool(), ProxyMetrics(multiprocess=False), results, settings, shadow)
        assert not isinstance(mirror, SidecarMirror)


def test_the_sidecar_switch_and_budget_are_read_from_the_environment():
    from strangler_proxy.errors import ConfigError

    assert ShadowSettings.from_env({}).sidecar is True
    assert ShadowSettings.from_env({"STRANGLER_SHADOW_SIDECAR": "off"}).sidecar is False
    assert ShadowSettings.from_env({"STRANGLER_SHADOW_HANDOFF_BYTES": "4096"}).handoff_bytes == 4096
    assert ShadowSettings.from_env({}).sidecar_priority == "idle"
    assert ShadowSettings.from_env({"STRANGLER_SHADOW_SIDECAR_PRIORITY": "10"}).sidecar_priority == "10"
    with pytest.raises(ConfigError, match="STRANGLER_SHADOW_SIDECAR"):
        ShadowSettings.from_env({"STRANGLER_SHADOW_SIDECAR": "maybe"})
    with pytest.raises(ConfigError, match="STRANGLER_SHADOW_SIDECAR_PRIORITY"):
        ShadowSettings.from_env({"STRANGLER_SHADOW_SIDECAR_PRIORITY": "20"})
    with pytest.raises(ConfigError, match="STRANGLER_SHADOW_HANDOFF_BYTES"):
        ShadowSettings.from_env({"STRANGLER_SHADOW_HANDOFF_BYTES": "-1"})


ROUTE = parse_table('[backends.monolith]\nurls = ["http://127.0.0.1:1"]\n[[routes]]\nid = "r"\ncontext = "c"\n'
                    'paths = ["/x"]\n').route("r")
EXCHANGE = (MirroredRequest("id-1", "GET", "/x/?q=1", (("Accept", "application/json"),), b""),
            MirroredResponse(200, (("Content-Type", "application/json"),), b'{"id": 1}', elapsed=0.002))


@settings(deadline=None)  # a shared machine: no per-example time limit
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40))
def test_a_stream_of_messages_cut_anywhere_reads_back_the_same(cuts: list[int]) -> None:
    stream = frame(("counts", {("r", "sampled_out"): 2})) + exchanges_frame([(ROUTE, MIRROR, *EXCHANGE)] * 2) * 3
    reader = FrameReader()
    messages, position = [], 0
    for cut in cuts:
        messages += reader.feed(stream[position:position + cut])
        position += cut
    messages += reader.feed(stream[position:])
    assert messages[0] == ("counts", {("r", "sampled_out"): 2})
    assert [exchanges_of(m) for m in messages[1:]] == [[("r", MIRROR, *EXCHANGE)] * 2] * 3


def test_a_frame_claiming_an_absurd_length_is_refused_not_awaited() -> None:
    from strangler_proxy.shadow.handoff import MAX_FRAME

    with pytest.raises(ValueError, match="frame of"):
        FrameReader().feed((MAX_FRAME + 1).to_bytes(4, "little") + b"x")
