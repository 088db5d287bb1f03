"""Ignore rules learned from noise, as TOML to paste under a route's [routes.compare] table."""
from __future__ import annotations

import json
import tomllib

from strangler_proxy.diff import CompareRules
from strangler_proxy.shadow.results.model import RouteResults

__all__ = ["suggested_rules"]


def suggested_rules(route_id: str, rules: CompareRules, results: RouteResults) -> str:
    """Return the route's suggestion: a comment naming where it goes, then TOML lines; "" if nothing is noise.

    The `ignore` line repeats the route's current ignore patterns, so pasting it in place of
    the old one loses nothing.
    """
    lines = list(results.suggested_rules)
    if not lines:
        return ""
    out = [f"# {route_id}: under its [routes.compare] table "
           f"(learned from {results.noise_probes} noise probes and {results.compared} comparisons)"]
    for line in lines:
        if line.startswith("ignore = "):
            learned = tomllib.loads(line)["ignore"]
            merged = [*rules.ignore, *(p for p in learned if p not in rules.ignore)]
            line = "ignore = [" + ", ".join(json.dumps(p) for p in merged) + "]"
        out.append(line)
    return "\n".join(out)
