"""What the proxy benchmarks share: processes on loopback, wrk, nginx, memory readings."""
from __future__ import annotations

import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
_apt_updated = False


def ensure_tools(*names: str) -> None:
    """Install Debian's packages for missing tools (nginx, wrk) with apt-get."""
    global _apt_updated
    missing = [name for name in names if shutil.which(name) is None and not Path(f"/usr/sbin/{name}").exists()]
    if not missing:
        return
    if not _apt_updated:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        _apt_updated = True
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return f"{os.cpu_count()} vCPU ({cpu}), {mem} MiB RAM, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()} (shared machine)"


class Processes:
    """Start background processes and always stop them."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, argv: list[str], *, env: dict[str, str] | None = None, log: Path | None = None,
              cwd: Path | None = None) -> subprocess.Popen:
        out = open(log, "wb") if log else subprocess.DEVNULL
        process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, cwd=cwd or ROOT, stdout=out,
                                   stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.started):
            self.stop(process)


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def worker_pids(pid: int) -> list[int]:
    """The proxy's worker processes (or the process itself with one worker)."""
    workers = [c for c in children(pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    return workers or [pid]


def stolen_share(run: Callable[[], object]) -> tuple[object, float]:
    """Call `run`; return its result and the share of the machine's CPU time the hypervisor stole meanwhile."""
    def times() -> list[int]:
        with open("/proc/stat") as stat:
            return [int(x) for x in stat.readline().split()[1:9]]
    before = times()
    result = run()
    spent = [b - a for a, b in zip(before, times())]
    return result, (spent[7] / sum(spent) if sum(spent) else 0.0)


def cpu_seconds(pids: list[int]) -> float:
    """Return the CPU time (user + system) the processes have used."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: str
    requests: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, connections: int = 64, threads: int = 2, seconds: int = 10, cpu: int | None = None,
        during: Callable[[], None] | None = None, pause_ms: float | None = None) -> WrkResult:
    """Run wrk (pinned to `cpu` if given); `during` is called halfway through the run.

    With `pause_ms`, each connection waits before each request (wrk's `delay` hook) for a
    random time averaging `pause_ms` (exponentially distributed, so the connections do not
    fall into step and arrive in bursts), so the load stays below what the target can take:
    latency without queueing. wrk times a request from when it is written, so the pause is
    not in its latency.
    """
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if pause_ms is not None:
        script = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "pause.lua"
        script.write_text(f"function delay()\n  return -math.log(1 - math.random()) * {pause_ms}\nend\n")
        argv[1:1] = ["-s", str(script)]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if during is not None:
        time.sleep(seconds / 2)
        during()
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {err}")
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Socket errors: .*|Non-2xx or 3xx responses: \d+", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return WrkResult(rps, p50, p99, errors.group(0) if errors else "none", requests)


def nginx_config(listen: int, upstream: int, workers: int, *, access_log: bool = False) -> Path:
    """Write a plain reverse-proxy nginx config (keep-alive to the upstream) in a temp dir.

    With `access_log`, nginx logs every request to a file in the combined format, as
    Debian's package does by default.
    """
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    (prefix / "logs").mkdir()
    conf = prefix / "nginx.conf"
    log = f"access_log {prefix}/logs/access.log;" if access_log else "access_log off;"
    conf.write_text(f"""
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    {log}
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 128; }}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""")
    return conf


def routes_file(upstream: int) -> Path:
    """A route table sending the benchmark path to the upstream as an extracted backend."""
    path = Path(tempfile.mkdtemp(prefix="bench-routes-")) / "strangler.toml"
    path.write_text(f"""
[backends.monolith]
urls = ["http://127.0.0.1:{upstream}"]
[backends.catalog]
urls = ["http://127.0.0.1:{upstream}"]
[[routes]]
id = "catalog-products-read"
context = "catalog"
backend = "catalog"
methods = ["GET", "HEAD"]
paths = ["/api/v1/catalog/products/", "/api/v1/catalog/products/{{id}}/"]
mode = "extracted"
[[routes]]
id = "orders"
context = "orders"
paths = ["/api/v1/orders/**"]
""")
    return path


def strangler(*args: str) -> list[str]:
    return [PYTHON, "-c", "from strangler_proxy.cli import main; main()", *args]
