"""Active health checks: every instance's health path, polled on its backend's interval.

An instance is marked unhealthy after two failed checks in a row (an error, a timeout or a
5xx) and healthy again after one good check. Unhealthy instances are skipped by the
balancer while a healthy one exists; their circuits are separate (they trip on live traffic).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from strangler_proxy.forwarding.connection import HopError
from strangler_proxy.forwarding.upstream import Instance, UpstreamPool

__all__ = ["UNHEALTHY_AFTER", "HealthChecker"]

UNHEALTHY_AFTER = 2
_log = logging.getLogger("strangler.health")


class HealthChecker:
    """Poll every instance's health path in the background."""

    def __init__(self, pool: UpstreamPool, *, on_change: Callable[[Instance, bool], None] | None = None) -> None:
        self._pool = pool
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start checking (call on the event loop); `restart` after the backends change."""
        self._task = asyncio.create_task(self._run(), name="strangler-health")

    async def restart(self) -> None:
        """Check the current set of backends from now on."""
        await self.stop()
        self.start()

    async def stop(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due: dict[int, float] = {}
        while True:
            now = loop.time()
            checks = []
            instances = self._pool.instances
            live = {id(i) for i in instances}
            due = {key: when for key, when in due.items() if key in live}
            for instance in instances:
                spec = self._pool.backend_spec(instance.backend)
                if spec is None or not spec.health_path:
                    continue
                if due.get(id(instance), 0.0) <= now:
                    due[id(instance)] = now + spec.health_interval
                    checks.append(self.check(instance, spec.health_path, min(spec.connect_timeout + 1.0,
                                                                           spec.health_interval)))
            if checks:
                await asyncio.gather(*checks)
            await asyncio.sleep(max(0.05, min(due.values(), default=now + 1.0) - loop.time()))

    async def check(self, instance: Instance, path: str, timeout: float) -> bool:
        """Probe one instance now and update its health; return whether it answered well."""
        ok = False
        try:
            ok = await self._pool.probe(instance, path, timeout) < 500
        except (HopError, asyncio.TimeoutError, OSError):
            ok = False
        self._record(instance, ok)
        return ok

    def _record(self, instance: Instance, ok: bool) -> None:
        was = instance.healthy
        if ok:
            instance.health_failures = 0
            instance.healthy = True
        else:
            instance.health_failures += 1
            if instance.health_failures >= UNHEALTHY_AFTER:
                instance.healthy = False
        if was != instance.healthy:
            _log.warning("backend %s instance %s is now %s", instance.backend, instance.url,
                         "healthy" if instance.healthy else "unhealthy")
            if self._on_change is not None:
                self._on_change(instance, instance.healthy)
