"""Where a proxied request's CPU goes: HTTP stacks alone, bare proxies with no logic, and the strangler proxy.

    .venv/bin/python bench/proxy/baseline.py [--seconds 5] [--rounds 2]

Each target serves the same path with one process; wrk at 16 connections; the figure is the
target process's CPU time (user + system) divided by the requests it answered. This
separates the cost of the HTTP stack from the cost of the proxy's own work:

    aiohttp constant      aiohttp's server answering by itself
    bare aiohttp proxy    aiohttp server + pooled aiohttp client, nothing else
    bare httptools proxy  asyncio protocols + httptools both ways (what the strangler proxy
                          is built on), nothing else: the floor for a proxy in Python here
    strangler             access log off, then on

`python bench/proxy/baseline.py bare|httptools PORT UPSTREAM [--reuse-port]` serves one bare
proxy (throughput.py --floors runs them beside nginx, several processes on one port).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys

PATH = "/api/v1/catalog/products/1/"
BODY = b'{"id":1,"name":"Lamp","price":"19.90","stock":7}'


def serve_fixed(port: int) -> None:
    """aiohttp server answering a constant: the floor for any aiohttp-based proxy."""
    import uvloop
    from aiohttp import web

    async def main() -> None:
        async def handle(request: web.BaseRequest) -> web.Response:
            return web.Response(body=BODY, headers={"Content-Type": "application/json"})

        runner = web.ServerRunner(web.Server(handle), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    uvloop.run(main())


def serve_bare_proxy(port: int, upstream: int, reuse_port: bool = False) -> None:
    """aiohttp server + pooled aiohttp client, nothing else: no routing, headers or errors."""
    import aiohttp
    import uvloop
    from aiohttp import web

    async def main() -> None:
        session = aiohttp.ClientSession(auto_decompress=False)

        async def handle(request: web.BaseRequest) -> web.Response:
            async with session.get(f"http://127.0.0.1:{upstream}{request.raw_path}") as answer:
                body = await answer.read()
                return web.Response(body=body, status=answer.status,
                                    headers={"Content-Type": answer.headers["Content-Type"]})

        runner = web.ServerRunner(web.Server(handle), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, reuse_port=reuse_port or None).start()
        await asyncio.Event().wait()

    uvloop.run(main())


def serve_httptools_proxy(port: int, upstream: int, reuse_port: bool = False) -> None:
    """asyncio protocols and httptools both ways, keep-alive pool, nothing else."""
    import collections

    import httptools
    import uvloop

    class Upstream(asyncio.Protocol):
        def __init__(self) -> None:
            self.parser = httptools.HttpResponseParser(self)
            self.waiter: asyncio.Future | None = None

        def connection_made(self, transport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_message_begin(self) -> None:
            self.headers, self.body = [], []

        def on_header(self, name: bytes, value: bytes) -> None:
            self.headers.append((name, value))

        def on_body(self, body: bytes) -> None:
            self.body.append(body)

        def on_message_complete(self) -> None:
            self.waiter.set_result((self.parser.get_status_code(), self.headers, b"".join(self.body)))

    idle: collections.deque = collections.deque()

    class Client(asyncio.Protocol):
        def __init__(self) -> None:
            self.parser = httptools.HttpRequestParser(self)

        def connection_made(self, transport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_message_begin(self) -> None:
            self.url, self.headers = b"", []

        def on_url(self, url: bytes) -> None:
            self.url += url

        def on_header(self, name: bytes, value: bytes) -> None:
            if name.lower() != b"connection":
                self.headers.append((name, value))

        def on_message_complete(self) -> None:
            asyncio.get_running_loop().create_task(self.forward(self.parser.get_method(), self.url, self.headers))

        async def forward(self, method: bytes, url: bytes, headers: list) -> None:
            loop = asyncio.get_running_loop()
            if idle:
                connection = idle.pop()
            else:
                _, connection = await loop.create_connection(Upstream, "127.0.0.1", upstream)
            head = [method, b" ", url, b" HTTP/1.1\r\n"]
            for name, value in headers:
                head += (name, b": ", value, b"\r\n")
            head.append(b"X-Forwarded-For: 127.0.0.1\r\n\r\n")
            connection.waiter = loop.create_future()
            connection.transport.write(b"".join(head))
            status, answer_headers, body = await connection.waiter
            idle.append(connection)
            out = [b"HTTP/1.1 %d OK\r\n" % status]
            for name, value in answer_headers:
                out += (name, b": ", value, b"\r\n")
            out += (b"Via: 1.1 bare\r\n\r\n", body)
            self.transport.write(b"".join(out))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_server(Client, "127.0.0.1", port, reuse_port=reuse_port or None, backlog=2048)
        await asyncio.Event().wait()

    uvloop.run(main())


def main() -> None:
    from common import PYTHON, Processes, cpu_seconds, free_port, machine, routes_file, strangler, wait_port

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    upstream = free_port()
    ports = {name: free_port() for name in ("aiohttp constant", "bare aiohttp proxy", "bare httptools proxy",
                                            "strangler, log off", "strangler, log on")}
    this = os.path.abspath(__file__)
    routes = str(routes_file(upstream))
    results: dict[str, list[float]] = {name: [] for name in ports}
    with Processes() as procs:
        procs.start([PYTHON, "bench/proxy/upstream.py", str(upstream)])
        started = {
            "aiohttp constant": procs.start([PYTHON, this, "fixed", str(ports["aiohttp constant"])]),
            "bare aiohttp proxy": procs.start([PYTHON, this, "bare", str(ports["bare aiohttp proxy"]), str(upstream)]),
            "bare httptools proxy": procs.start([PYTHON, this, "httptools", str(ports["bare httptools proxy"]),
                                                 str(upstream)]),
        }
        for name, log in (("strangler, log off", "0"), ("strangler, log on", "1")):
            started[name] = procs.start(strangler("proxy", "--port", str(ports[name])), env={
                "STRANGLER_ROUTES": routes, "STRANGLER_STORE": f"/tmp/bench-baseline-{log}.sqlite3",
                "STRANGLER_ACCESS_LOG": log, "REDIS_URL": ""})
        for port in [upstream, *ports.values()]:
            wait_port(port)
        for _ in range(args.rounds):
            for name, port in ports.items():
                pid = started[name].pid
                before = cpu_seconds([pid])
                out = subprocess.run(["wrk", "-t1", "-c16", f"-d{args.seconds}s", f"http://127.0.0.1:{port}{PATH}"],
                                     capture_output=True, text=True, check=True).stdout
                requests = int(re.search(r"(\d+) requests in", out).group(1))
                results[name].append(1e6 * (cpu_seconds([pid]) - before) / requests)
    print(f"machine: {machine()}; 1-minute load average: {os.getloadavg()[0]:.1f}")
    print("| target (one process) | CPU µs per request, each round |")
    print("|---|---|")
    for name, values in results.items():
        print(f"| {name} | {', '.join(f'{v:.0f}' for v in values)} |")


if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) > 1 and sys.argv[1] == "fixed":
        serve_fixed(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "bare":
        serve_bare_proxy(int(sys.argv[2]), int(sys.argv[3]), "--reuse-port" in sys.argv)
    elif len(sys.argv) > 1 and sys.argv[1] == "httptools":
        serve_httptools_proxy(int(sys.argv[2]), int(sys.argv[3]), "--reuse-port" in sys.argv)
    else:
        main()
