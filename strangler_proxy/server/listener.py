"""The listening socket of one worker: accept connections, close idle ones, stop gracefully.

Idle keep-alive connections are closed after `keepalive_timeout` seconds (aiohttp's default,
75 s) by a sweep every few seconds rather than a timer per request; the Date header's text
is refreshed every second rather than formatted per answer. On `close`, the socket
stops accepting, idle connections are closed at once, busy ones after their answer, and
whatever is still running after `timeout` seconds is cut off.
"""
from __future__ import annotations

import asyncio
import contextlib
import socket

from strangler_proxy.server.connection import Handler, ServerConnection, refresh_date

__all__ = ["Listener"]

_SWEEP_SECONDS = 5.0


class Listener:
    """Serve `handler` on host:port with ServerConnection."""

    def __init__(self, handler: Handler, *, keepalive_timeout: float = 75.0) -> None:
        self.handler = handler
        self.loop = asyncio.get_running_loop()
        self.connections: set[ServerConnection] = set()
        self._keepalive_timeout = keepalive_timeout
        self._server: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._clock: asyncio.TimerHandle | None = None

    async def start(self, host: str, port: int, *, reuse_port: bool = False, backlog: int = 2048) -> None:
        """Start accepting connections."""
        self._server = await self.loop.create_server(
            lambda: ServerConnection(self), host, port, reuse_port=reuse_port or None, backlog=backlog,
            reuse_address=True)
        self._sweeper = self.loop.create_task(self._sweep(), name="strangler-idle-connections")
        self._clock = self.loop.call_later(1.0, self._tick)

    @property
    def sockets(self) -> list[socket.socket]:
        """Return the listening sockets."""
        return list(self._server.sockets) if self._server is not None else []

    async def close(self, timeout: float) -> None:
        """Stop accepting, let answers in progress finish for up to `timeout` seconds, close everything."""
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._server is not None:
            self._server.close()
            self._server = None
        for connection in list(self.connections):
            connection.shutdown()
        deadline = self.loop.time() + timeout
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.05)
        for connection in list(self.connections):
            connection.abort()
        # Let the aborted connections run their connection_lost (and cancel their tasks).
        await asyncio.sleep(0)

    def _tick(self) -> None:
        refresh_date()
        self._clock = self.loop.call_later(1.0, self._tick)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(_SWEEP_SECONDS)
            horizon = self.loop.time() - self._keepalive_timeout
            for connection in list(self.connections):
                if connection.idle and connection.idle_since < horizon:
                    connection.shutdown()
