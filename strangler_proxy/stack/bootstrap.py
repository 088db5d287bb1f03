"""First-run work around the stack: folders, migrations, seed, admin token, backfill."""
from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Callable

from strangler_proxy.stack.processes import StackSettings

__all__ = ["BootstrapFailed", "admin_token_file", "backfill_when_ready", "stack_bootstrap"]

Say = Callable[[str], None]


class BootstrapFailed(RuntimeError):
    """A migration or seed step failed; the message names the step."""


def _run(step: str, argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BootstrapFailed(f"{step} failed: {last[0]}")


def admin_token_file(settings: StackSettings) -> str:
    """The admin token's file, created with a random token on first run."""
    path = settings.var_dir / "admin-token"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return str(path)


def stack_bootstrap(settings: StackSettings, env: dict[str, str], say: Say = print) -> None:
    """Migrate every database and seed the demo shop on first run (idempotent)."""
    # kombu's filesystem transport expects its folders to exist.
    for folder in ("queue", "processed", "control"):
        (settings.var_dir / "broker" / folder).mkdir(parents=True, exist_ok=True)
    say(f"database: {settings.database_description}")
    say(f"broker:   {settings.broker_description}")
    _run("monolith migrate", [sys.executable, "-m", "monolith", "migrate", "--noinput", "-v0"], env)
    _run("monolith seed", [sys.executable, "-m", "monolith", "seed_shop"], env)
    _run("catalog initdb", [sys.executable, "-m", "extracted.catalog", "initdb"], env)
    _run("notifications initdb", [sys.executable, "-m", "extracted.notifications", "initdb"], env)


def _wait_healthy(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    return False


def backfill_when_ready(settings: StackSettings, env: dict[str, str], say: Say = print) -> threading.Thread:
    """Once each service answers, copy the monolith's data into it (resumable, cheap when done)."""

    def run() -> None:
        for context in ("catalog", "notifications"):
            url = f"http://{settings.host}:{settings.ports[context]}/healthz"
            if not _wait_healthy(url, timeout=120):
                say(f"{context} did not come up; skipped its backfill (run `strangler data backfill {context}`)")
                continue
            result = subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "data", "backfill", context,
                                     "--quiet"], env=env, capture_output=True, text=True)
            lines = (result.stdout or result.stderr).strip().splitlines()
            say(f"backfill {context}: {lines[-1] if lines else 'done'}")

    thread = threading.Thread(target=run, name="backfill", daemon=True)
    thread.start()
    return thread
