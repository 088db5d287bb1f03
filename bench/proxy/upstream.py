"""The trivial upstream every benchmark target talks to: a fixed small JSON answer, keep-alive.

A raw asyncio protocol on uvloop, so the upstream is not what limits the measurement:
    python bench/proxy/upstream.py PORT [--stream-mb N]
With --stream-mb, `GET /stream` answers N MiB (for the streaming-memory benchmark).
"""
from __future__ import annotations

import argparse
import asyncio
import signal

import uvloop

BODY = b'{"id":1,"name":"Lamp","price":"19.90","stock":7}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
MB = 1024 * 1024


class Upstream(asyncio.Protocol):
    stream_mb = 0

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            if head.startswith(b"GET /stream") and self.stream_mb:
                asyncio.ensure_future(self.stream())
                return
            if head.startswith(b"GET /healthz"):
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                continue
            self.transport.write(RESPONSE)

    async def stream(self) -> None:
        size = self.stream_mb * MB
        self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Content-Length: " + str(size).encode() + b"\r\n\r\n")
        block = b"s" * MB
        for _ in range(self.stream_mb):
            self.transport.write(block)
            while self.transport.get_write_buffer_size() > 4 * MB:
                await asyncio.sleep(0.001)


async def main(port: int, stream_mb: int) -> None:
    Upstream.stream_mb = stream_mb
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upstream, "127.0.0.1", port, backlog=4096)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--stream-mb", type=int, default=0)
    args = parser.parse_args()
    uvloop.run(main(args.port, args.stream_mb))
