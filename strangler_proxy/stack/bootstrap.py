"""First-run work before the stack starts: create folders, migrate, seed."""
from __future__ import annotations

import subprocess
import sys

from strangler_proxy.stack.processes import StackSettings

__all__ = ["BootstrapFailed", "stack_bootstrap"]


class BootstrapFailed(RuntimeError):
    """A migration or seed step failed; the message names the step."""


def _run(step: str, argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BootstrapFailed(f"{step} failed: {last[0]}")


def stack_bootstrap(settings: StackSettings, env: dict[str, str], say=print) -> None:
    """Migrate every database and seed the demo shop on first run (idempotent)."""
    # kombu's filesystem transport expects its folders to exist.
    for folder in ("queue", "processed", "control"):
        (settings.var_dir / "broker" / folder).mkdir(parents=True, exist_ok=True)
    say(f"database: {settings.database_description}")
    say(f"broker:   {settings.broker_description}")
    _run("monolith migrate", [sys.executable, "-m", "monolith", "migrate", "--noinput", "-v0"], env)
    _run("monolith seed", [sys.executable, "-m", "monolith", "seed_shop"], env)
