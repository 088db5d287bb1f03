"""What a check finds: one item per part of a module's goal, each met or missing with a hint."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CheckResult", "Item"]


@dataclass(frozen=True)
class Item:
    """One part of a goal: what it is, whether it holds, and what to do when it does not."""

    what: str
    ok: bool
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"what": self.what, "ok": self.ok, "hint": self.hint}


@dataclass
class CheckResult:
    """Every item of one module's goal."""

    module: int
    title: str
    items: list[Item] = field(default_factory=list)

    def add(self, what: str, ok: bool, hint: str = "") -> bool:
        """Record an item; return whether it holds (so a check can stop early)."""
        self.items.append(Item(what, bool(ok), "" if ok else hint))
        return bool(ok)

    @property
    def passed(self) -> bool:
        """Whether every item holds (and there is at least one)."""
        return bool(self.items) and all(item.ok for item in self.items)

    @property
    def missing(self) -> list[Item]:
        """Return the items that do not hold."""
        return [item for item in self.items if not item.ok]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"module": self.module, "title": self.title, "passed": self.passed,
                "items": [item.to_dict() for item in self.items]}
