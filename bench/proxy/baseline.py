"""Where a proxied request's CPU goes: aiohttp alone, a bare aiohttp proxy, and the strangler proxy.

    .venv/bin/python bench/proxy/baseline.py [--seconds 5] [--rounds 2]

Each target serves the same path with one process; wrk at 16 connections; the figure is the
target process's CPU time (user + system) divided by the requests it answered. This
separates the cost of the HTTP stack from the cost of the proxy's own work.
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


def serve_bare_proxy(port: int, upstream: int) -> None:
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
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    uvloop.run(main())


def main() -> None:
    from common import PYTHON, Processes, cpu_seconds, free_port, machine, routes_file, strangler, wait_port

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    upstream = free_port()
    ports = {name: free_port() for name in ("aiohttp constant", "bare aiohttp proxy", "strangler, log off",
                                            "strangler, log on")}
    this = os.path.abspath(__file__)
    routes = str(routes_file(upstream))
    results: dict[str, list[float]] = {name: [] for name in ports}
    with Processes() as procs:
        procs.start([PYTHON, "bench/proxy/upstream.py", str(upstream)])
        started = {
            "aiohttp constant": procs.start([PYTHON, this, "fixed", str(ports["aiohttp constant"])]),
            "bare aiohttp proxy": procs.start([PYTHON, this, "bare", str(ports["bare aiohttp proxy"]), str(upstream)]),
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
        serve_bare_proxy(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
