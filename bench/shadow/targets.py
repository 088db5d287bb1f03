"""The benchmark's backends: a fast monolith, and a shadow target that answers after a delay.

A raw asyncio protocol on uvloop, so the backends are not what limits the measurement:
    python bench/shadow/targets.py PORT [--delay SECONDS]
Every request gets the same small JSON answer, after --delay seconds (default 0).
"""
from __future__ import annotations

import argparse
import asyncio
import signal

import uvloop

BODY = b'{"id":1,"name":"Lamp","price":"19.90","stock":7}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


class Target(asyncio.Protocol):
    delay = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            if self.delay:
                asyncio.get_running_loop().call_later(self.delay, self._answer)
            else:
                self.transport.write(RESPONSE)

    def _answer(self) -> None:
        if not self.transport.is_closing():
            self.transport.write(RESPONSE)


async def main(port: int, delay: float) -> None:
    Target.delay = delay
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Target, "127.0.0.1", port, backlog=4096)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    arguments = parser.parse_args()
    uvloop.run(main(arguments.port, arguments.delay))
