"""The living migration plan: the per-route table in migrations_plan.md against the route store.

The document carries one markdown table between `<!-- routes:begin -->` and
`<!-- routes:end -->` with the columns Route | Context | Mode | Gate to promote | Rollback.
A mode is written as the store shows it: `monolith`, `shadow`, `canary 5%`, `extracted`, `retired`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from strangler_proxy.errors import StranglerError

__all__ = ["PlanDisagreement", "PlanError", "PlanRow", "live_modes", "plan_check", "read_plan_rows"]

BEGIN, END = "<!-- routes:begin -->", "<!-- routes:end -->"


class PlanError(StranglerError):
    """The plan document is missing or its route table cannot be read."""


@dataclass(frozen=True)
class PlanRow:
    route: str
    context: str
    mode: str
    gate: str
    rollback: str


@dataclass(frozen=True)
class PlanDisagreement:
    route: str
    document: str | None
    live: str | None

    def __str__(self) -> str:
        if self.document is None:
            return f"{self.route}: live route is missing from the plan (live mode {self.live})"
        if self.live is None:
            return f"{self.route}: the plan names a route the route table does not have"
        return f"{self.route}: the plan says {self.document!r}, the route store says {self.live!r}"


def _cells(line: str) -> list[str]:
    return [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]


def read_plan_rows(path: Path) -> list[PlanRow]:
    """Read the per-route table of the plan document."""
    if not path.exists():
        raise PlanError(f"{path}: no such plan document")
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise PlanError(f"{path}: no route table between {BEGIN} and {END}")
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    lines = [line for line in block.splitlines() if line.strip().startswith("|")]
    if len(lines) < 2:
        raise PlanError(f"{path}: the route table is empty")
    rows = []
    for number, line in enumerate(lines[2:], start=1):
        cells = _cells(line)
        if len(cells) != 5:
            raise PlanError(f"{path}: route table row {number} has {len(cells)} cells, expected 5")
        rows.append(PlanRow(*cells))
    return rows


def mode_text(mode: str, percent: str | None) -> str:
    return f"canary {percent}%" if mode == "canary" and percent else mode


def live_modes(table, snapshot) -> dict[str, str]:
    """Each route's live mode as the plan writes it; the kill switch sends all to the monolith."""
    from strangler_proxy.control import route_rows

    return {row["id"]: mode_text(row["mode"], row["percent"]) for row in route_rows(table, snapshot)}


def plan_check(rows: list[PlanRow], live: dict[str, str]) -> list[PlanDisagreement]:
    """Every way the document and the live state disagree; empty when they agree."""
    documented = {row.route: re.sub(r"\s+", " ", row.mode) for row in rows}
    problems = [PlanDisagreement(route, documented.get(route), mode)
                for route, mode in live.items() if documented.get(route) != mode]
    problems += [PlanDisagreement(route, mode, None) for route, mode in documented.items() if route not in live]
    return problems
