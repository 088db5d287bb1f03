"""Bodies stream through a real `strangler proxy` process: its memory stays flat at 200 MB."""
from __future__ import annotations

import http.client
import socket
from pathlib import Path

from aiohttp import web

from tests.strangler_proxy.conftest import build_request, table_text

MB = 1024 * 1024
DOWNLOAD = 200 * MB
UPLOAD = 100 * MB


def peak_rss(pid: int) -> int:
    """Return the process's peak resident set size (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_a_200_mb_download_passes_through_with_flat_proxy_memory(proxy_process, backends) -> None:
    block = b"d" * MB

    async def download(request, body):
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = DOWNLOAD
        await response.prepare(request)
        for _ in range(DOWNLOAD // MB):
            await response.write(block)
        await response.write_eof()
        return response

    backends["catalog"].respond = download
    proxy = proxy_process(table_text(backends))
    assert proxy.request("GET", "/api/v1/catalog/products/warm-up/").status == 200
    before = peak_rss(proxy.process.pid)
    received = 0
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=60) as sock:
        sock.sendall(build_request("GET", "/api/v1/catalog/products/big/"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200 and response.getheader("Content-Length") == str(DOWNLOAD)
        while chunk := response.read(MB):
            received += len(chunk)
    assert received == DOWNLOAD
    grew = peak_rss(proxy.process.pid) - before
    assert grew < 30 * MB, f"proxy peak memory grew by {grew / MB:.1f} MB"


def test_a_100_mb_upload_streams_to_the_backend_with_flat_proxy_memory(proxy_process, backends) -> None:
    counted: list[int] = []

    async def count(request, body):
        total = 0
        async for chunk in request.content.iter_chunked(MB):
            total += len(chunk)
        counted.append(total)
        return web.json_response({"bytes": total})

    backends["catalog"].read_body = False
    backends["catalog"].respond = count
    proxy = proxy_process(table_text(backends), extra_env={"STRANGLER_BODY_LIMIT": str(UPLOAD * 2)})
    assert proxy.request("POST", "/api/v1/catalog/products/", body=b"{}").status == 200
    before = peak_rss(proxy.process.pid)
    block = b"u" * MB
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=60) as sock:
        sock.sendall(build_request("POST", "/api/v1/catalog/products/", {"Content-Length": str(UPLOAD)}))
        for _ in range(UPLOAD // MB):
            sock.sendall(block)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200, response.read()
        response.read()
    assert counted[-1] == UPLOAD
    grew = peak_rss(proxy.process.pid) - before
    assert grew < 30 * MB, f"proxy peak memory grew by {grew / MB:.1f} MB"
