"""Find or start the PostgreSQL and Redis servers the tests talk to.

Order of preference, the same for both servers:
1. the URL in STRANGLER_TEST_POSTGRES_URL / STRANGLER_TEST_REDIS_URL (CI sets these);
2. a server already listening on the standard local port (PostgreSQL 5432 with trust
   auth for user postgres; Redis 6379, database 15 so nobody's data is touched);
3. a throwaway server started from the local binaries (initdb/pg_ctl, redis-server)
   in .tmp/servers/, on a free loopback port;
4. otherwise a clear error: nothing is ever skipped for a missing server.

`python -m tests.servers start` prints `export ...` lines for a shell;
`python -m tests.servers stop` stops what `start` started.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".tmp" / "servers"

POSTGRES_ENV = "STRANGLER_TEST_POSTGRES_URL"
REDIS_ENV = "STRANGLER_TEST_REDIS_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


class ServerUnavailable(RuntimeError):
    """A test server is neither configured nor startable here."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for pattern in ("/usr/lib/postgresql/*/bin/" + name,):
        matches = sorted(Path("/").glob(pattern.lstrip("/")))
        if matches:
            return str(matches[-1])
    return None


def postgres_url() -> str:
    """Return a PostgreSQL server URL, starting a throwaway server if none is configured."""
    if os.environ.get(POSTGRES_ENV):
        return os.environ[POSTGRES_ENV]
    if _pg_answers(DEFAULT_POSTGRES):
        return DEFAULT_POSTGRES
    data = STATE / "pg"
    url_file = STATE / "pg.url"
    if url_file.exists() and _pg_running(data):
        return url_file.read_text().strip()
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise ServerUnavailable(
            f"PostgreSQL is needed: set {POSTGRES_ENV}=postgresql://user@host:port/db "
            "or install it (scripts/install-services)."
        )
    if os.geteuid() == 0:
        raise ServerUnavailable(
            f"PostgreSQL refuses to start as root: set {POSTGRES_ENV} to a running server."
        )
    STATE.mkdir(parents=True, exist_ok=True)
    if not (data / "PG_VERSION").exists():
        subprocess.run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust"],
                       check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    subprocess.run(
        [pg_ctl, "-D", str(data), "-l", str(STATE / "pg.log"), "-w", "start",
         "-o", f"-p {port} -k {STATE} -c listen_addresses=127.0.0.1 -c fsync=off"],
        check=True, stdout=subprocess.DEVNULL,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    url_file.write_text(url)
    return url


def _pg_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _pg_running(data: Path) -> bool:
    pg_ctl = _binary("pg_ctl")
    return bool(pg_ctl) and subprocess.run(
        [pg_ctl, "-D", str(data), "status"], stdout=subprocess.DEVNULL
    ).returncode == 0


def redis_url() -> str:
    """Return a Redis server URL, starting a throwaway server if none is configured."""
    if os.environ.get(REDIS_ENV):
        return os.environ[REDIS_ENV]
    if _redis_answers(DEFAULT_REDIS):
        return DEFAULT_REDIS
    url_file = STATE / "redis.url"
    if url_file.exists() and _redis_answers(url_file.read_text().strip()):
        return url_file.read_text().strip()
    server = _binary("redis-server")
    if not server:
        raise ServerUnavailable(
            f"Redis is needed: set {REDIS_ENV}=redis://host:port/db "
            "or install it (scripts/install-services)."
        )
    STATE.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    subprocess.run(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes",
         "--save", "", "--appendonly", "no", "--dir", str(STATE),
         "--pidfile", str(STATE / "redis.pid"), "--logfile", str(STATE / "redis.log")],
        check=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _redis_answers(url):
        if time.monotonic() > deadline:
            raise ServerUnavailable(f"redis-server did not answer on port {port}")
        time.sleep(0.05)
    url_file.write_text(url)
    return url


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def stop() -> None:
    """Stop the throwaway servers this module started."""
    if (STATE / "pg" / "PG_VERSION").exists() and _pg_running(STATE / "pg"):
        subprocess.run([_binary("pg_ctl"), "-D", str(STATE / "pg"), "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL)
    pid_file = STATE / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), 15)
        except (ProcessLookupError, ValueError):
            pass
    for name in ("pg.url", "redis.url"):
        (STATE / name).unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "stop":
        stop()
        return 0
    try:
        print(f"export {POSTGRES_ENV}={postgres_url()}")
        print(f"export {REDIS_ENV}={redis_url()}")
    except (ServerUnavailable, subprocess.CalledProcessError) as error:
        print(f"tests.servers: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
