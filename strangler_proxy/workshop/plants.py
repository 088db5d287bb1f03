"""Planted differences: small code changes kept as patch files in docs/workshop/plants/.

A plant is a unified diff (what `git diff` prints) whose every hunk must match exactly one
place of its file. Applying it puts the planted text there; reverting puts the original
back. A file that holds neither (the learner changed those lines) is a PlantConflict, never
a guess: the message says which file to restore.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from strangler_proxy.workshop.errors import PlantConflict, ReferenceMissing

__all__ = ["Hunk", "Plant", "PlantState", "plant_read"]

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")


class PlantState(str, Enum):
    """Where a plant's file stands."""

    CLEAN = "clean"        # the original text everywhere
    PLANTED = "planted"    # the planted text everywhere
    CHANGED = "changed"    # neither: the learner (or someone) changed those lines

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Hunk:
    """One change: the original lines and the planted lines, context included."""

    path: str
    original: str
    planted: str


@dataclass(frozen=True)
class Plant:
    """A named patch of one or more files."""

    name: str
    source: Path
    hunks: tuple[Hunk, ...]

    @property
    def paths(self) -> list[str]:
        """Return the files it touches, relative to the repository."""
        return list(dict.fromkeys(h.path for h in self.hunks))

    def state(self, root: Path) -> PlantState:
        """Say whether `root` holds the original, the planted text, or neither."""
        states = {self._file_state(root, path) for path in self.paths}
        return states.pop() if len(states) == 1 else PlantState.CHANGED

    def apply(self, root: Path) -> bool:
        """Put the planted text in place; return whether anything changed."""
        return self._move(root, to_planted=True)

    def revert(self, root: Path) -> bool:
        """Put the original text back; return whether anything changed."""
        return self._move(root, to_planted=False)

    def _hunks(self, path: str) -> list[Hunk]:
        return [h for h in self.hunks if h.path == path]

    def _file_state(self, root: Path, path: str) -> PlantState:
        text = _read(root, path)
        hunks = self._hunks(path)
        if all(text.count(h.original) == 1 and h.planted not in text for h in hunks):
            return PlantState.CLEAN
        if all(text.count(h.planted) == 1 for h in hunks):
            return PlantState.PLANTED
        return PlantState.CHANGED

    def _move(self, root: Path, *, to_planted: bool) -> bool:
        target = PlantState.PLANTED if to_planted else PlantState.CLEAN
        changed = False
        for path in self.paths:
            state = self._file_state(root, path)
            if state is target:
                continue
            if state is PlantState.CHANGED:
                raise PlantConflict(f"{path} was changed where the workshop plants {self.name!r}; "
                                    f"restore it (e.g. `git checkout -- {path}`) and run the command again")
            text = _read(root, path)
            for hunk in self._hunks(path):
                old, new = (hunk.original, hunk.planted) if to_planted else (hunk.planted, hunk.original)
                text = text.replace(old, new, 1)
            _write(root / path, text)
            changed = True
        return changed


def plant_read(path: Path) -> Plant:
    """Read a plant's patch file (ReferenceMissing if it is not there or not a patch)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ReferenceMissing(f"cannot read the plant {path}: {error.strerror}") from None
    hunks: list[Hunk] = []
    current: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("+++ "):
            current = line[4:].split("\t")[0].strip()
            current = current[2:] if current.startswith("b/") else current
        elif _HUNK.match(line) and current is not None:
            original, planted = [], []
            index += 1
            while index < len(lines) and not lines[index].startswith(("@@", "diff ", "--- ")):
                body = lines[index]
                tag, text = (body[:1], body[1:]) if body else (" ", "")
                if tag in (" ", "-"):
                    original.append(text)
                if tag in (" ", "+"):
                    planted.append(text)
                index += 1
            hunks.append(Hunk(current, "\n".join(original) + "\n", "\n".join(planted) + "\n"))
            continue
        index += 1
    if not hunks:
        raise ReferenceMissing(f"{path} holds no patch hunks")
    return Plant(path.stem, path, tuple(hunks))


def _read(root: Path, path: str) -> str:
    try:
        return (root / path).read_text(encoding="utf-8")
    except OSError as error:
        raise PlantConflict(f"cannot read {path}: {error.strerror}") from None


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.workshop.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
