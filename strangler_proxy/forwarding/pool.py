"""Keep-alive connections to one backend instance: reuse the warmest idle one, cap how many are open.

A request takes an idle connection if one is still open (the most recently used first, as it
is the least likely to have been closed by the backend), else opens one within the connect
timeout, else, at the limit, waits for one to be given back. Taking an idle connection is
synchronous: the common case costs no coroutine. Connections idle for longer than
`idle_seconds` are closed by `expire`, which the upstream pool calls periodically.
"""
from __future__ import annotations

import asyncio
import collections
import ssl
from urllib.parse import urlsplit

from strangler_proxy.forwarding.connection import ConnectFailed, ConnectTimeout, UpstreamConnection

__all__ = ["ConnectionPool"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_tls: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context()
    return _tls


class ConnectionPool:
    """Open, idle and waiting connections to one `scheme://host[:port]`."""

    def __init__(self, url: str, *, limit: int, idle_seconds: float, read_buffer: int) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or ""
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self._tls = parts.scheme == "https"
        # The Host header aiohttp's client sent: the authority, without a default port.
        self.host_header = (parts.netloc if parts.port not in (None, _DEFAULT_PORTS[parts.scheme])
                            else (f"[{self.host}]" if ":" in self.host else self.host)).encode("idna")
        self._limit = limit
        self._idle_seconds = idle_seconds
        self._read_buffer = read_buffer
        self._idle: list[UpstreamConnection] = []
        self._busy = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.closed = False

    def take(self) -> UpstreamConnection | None:
        """Return an idle open connection for one exchange, or None (then `open` one)."""
        idle = self._idle
        while idle:
            connection = idle.pop()
            if connection.open:
                self._busy += 1
                return connection
        return None

    async def open(self, connect_timeout: float) -> UpstreamConnection:
        """Return a connection for one exchange, opening one if needed (raise ConnectFailed or ConnectTimeout)."""
        while True:
            connection = self.take()
            if connection is not None:
                return connection
            if self._busy < self._limit:
                break
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if not waiter.done():
                    waiter.cancel()
        self._busy += 1
        try:
            return await self._connect(connect_timeout)
        except BaseException:
            self._busy -= 1
            self._wake_one()
            raise

    def release(self, connection: UpstreamConnection) -> None:
        """Take a connection back after its exchange; keep it if it may be reused."""
        self._busy -= 1
        if connection.finish() and not self.closed:
            connection.idle_since = connection.last_used
            self._idle.append(connection)
        self._wake_one()

    def discard(self, connection: UpstreamConnection) -> None:
        """Take a connection back and close it (its exchange failed or was abandoned)."""
        self._busy -= 1
        connection.close()
        self._wake_one()

    def expire(self, now: float) -> None:
        """Close connections idle since before `now - idle_seconds`."""
        horizon = now - self._idle_seconds
        keep = []
        for connection in self._idle:
            if connection.open and connection.idle_since >= horizon:
                keep.append(connection)
            else:
                connection.close()
        self._idle = keep

    def close(self) -> None:
        """Close the idle connections; busy ones are closed when given back."""
        self.closed = True
        for connection in self._idle:
            connection.close()
        self._idle = []
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectFailed("the connection pool was closed"))

    async def _connect(self, timeout: float) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        read_buffer = self._read_buffer
        tls = _tls_context() if self._tls else None
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(
                lambda: UpstreamConnection(loop, read_buffer=read_buffer), self.host, self.port,
                ssl=tls, server_hostname=self.host if tls else None), timeout)
        except asyncio.TimeoutError:
            raise ConnectTimeout(f"no connection to {self.host}:{self.port} within {timeout} s") from None
        except OSError as error:
            raise ConnectFailed(f"cannot connect to {self.host}:{self.port}: {error.strerror or error}") from None
        return connection

    def _wake_one(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
