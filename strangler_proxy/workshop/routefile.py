"""The route files a module starts from, kept in docs/workshop/, and writing one in place.

    docs/workshop/start/strangler.toml         day one: backends only (module 1's start)
    docs/workshop/solutions/01/strangler.toml  every /api/v1 endpoint named (modules 2 to 6 start here)
    docs/workshop/solutions/06/strangler.toml  and a `coupons` backend the coupons route points at

A learner's file that differs is copied to <var dir>/workshop/backup/ before it is replaced.
"""
from __future__ import annotations

import time
from pathlib import Path

from strangler_proxy.routing.model import RouteTable
from strangler_proxy.routing.table import load_table
from strangler_proxy.workshop.environment import Workshop
from strangler_proxy.workshop.errors import ReferenceMissing

__all__ = ["DAY_ONE", "WITH_COUPONS", "WITH_ROUTES", "reference_table", "route_file_put"]

DAY_ONE = "start/strangler.toml"
WITH_ROUTES = "solutions/01/strangler.toml"
WITH_COUPONS = "solutions/06/strangler.toml"


def _reference(workshop: Workshop, name: str) -> Path:
    path = workshop.docs / name
    if not path.is_file():
        raise ReferenceMissing(f"{path} is missing: the workshop's files are incomplete")
    return path


def reference_table(workshop: Workshop, name: str = WITH_ROUTES) -> RouteTable:
    """Load one of the reference route files, with this stack's backend URLs."""
    return load_table(_reference(workshop, name), backend_urls=workshop.settings.backend_urls)


def route_file_put(workshop: Workshop, name: str) -> str | None:
    """Make the route file a copy of reference `name`; return where the old one was kept, if it differed."""
    content = _reference(workshop, name).read_bytes()
    target = workshop.routes_file
    try:
        current = target.read_bytes()
    except OSError:
        current = None
    if current == content:
        return None
    backup = None
    if current is not None:
        folder = workshop.var_dir / "workshop" / "backup"
        folder.mkdir(parents=True, exist_ok=True)
        backup_path = folder / f"{target.name}.{time.strftime('%Y%m%d-%H%M%S')}"
        counter = 1
        while backup_path.exists():
            counter += 1
            backup_path = folder / f"{target.name}.{time.strftime('%Y%m%d-%H%M%S')}-{counter}"
        backup_path.write_bytes(current)
        backup = str(backup_path)
    temporary = target.with_name(f".{target.name}.workshop.tmp")
    temporary.write_bytes(content)
    temporary.replace(target)
    return backup or "(there was no route file)"
