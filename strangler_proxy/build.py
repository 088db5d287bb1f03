"""Report how the proxy's data plane is built: compiled with Cython, pure Python, or stale.

Every `strangler_proxy/**/*.py` with a sibling `.pxd` is compiled in place (setup.py).
Python imports an extension module in preference to its `.py`, so a `.py` or `.pxd`
edited after its `.so` was built would run the old code: the report calls that stale,
as it does an extension left beside a module that no longer has a `.pxd`. So is one built
before an edit to a `.pxd` it cimports (directly or not): it was compiled against the old
layout of the classes declared there, and would read their fields at the wrong places.
`scripts/setup` rebuilds; the test suite refuses to run on a stale build and the proxy
logs the summary when it starts. A package installed from a wheel (no setup.py beside it,
no .pxd) was built in one go and is never stale.

At run time, STRANGLER_PURE_PYTHON=1 makes the package import those modules' `.py` even
where an extension was built (`prefer_plain_python`, installed by the package's
`__init__`): the same code, interpreted, for a traceback with source lines, a profiler, or
a test of the fallback a machine without a C compiler gets.

`python -m strangler_proxy.build` prints the summary and exits 0 when every compiled
module is up to date, 1 when any is stale, 2 when some run as pure Python;
with `--stale` it prints the stale extension files instead, one per line.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = ["BuildReport", "CompiledModule", "build_report", "build_summary", "main", "plain_python_wanted",
           "prefer_plain_python"]

PACKAGE_DIR = Path(__file__).resolve().parent
REBUILD_HINT = "run ./scripts/setup"
_CIMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+cimport|cimport\s+([\w.]+))", re.MULTILINE)


@dataclass(frozen=True)
class CompiledModule:
    """A module built as an extension, or meant to be: its files and whether they agree."""

    name: str
    source: Path
    declarations: Path | None  # None: an extension left beside a module without a .pxd
    extension: Path | None  # the file Python imports instead of `source`; None: pure Python
    stale: bool


@dataclass(frozen=True)
class BuildReport:
    """The data plane's modules (those with a .pxd) and any extension left without one."""

    modules: tuple[CompiledModule, ...]
    orphans: tuple[CompiledModule, ...]

    @property
    def compiled(self) -> tuple[CompiledModule, ...]:
        return tuple(m for m in self.modules if m.extension is not None)

    @property
    def stale(self) -> tuple[CompiledModule, ...]:
        return tuple(m for m in self.modules + self.orphans if m.stale)

    def summary(self) -> str:
        """One line: "compiled (14 modules)", "pure Python", or what is stale and the fix."""
        older = [m.name for m in self.modules if m.stale]
        problems = []
        if older:
            problems.append(f"{', '.join(older)} older than {'its source' if len(older) == 1 else 'their sources'}")
        if self.orphans:
            problems.append(f"{', '.join(m.name for m in self.orphans)} compiled but without a .pxd")
        if problems:
            return f"stale: {'; '.join(problems)}; {REBUILD_HINT}"
        compiled = len(self.compiled)
        if compiled == 0:
            return "pure Python"
        if compiled == len(self.modules):
            return f"compiled ({compiled} module{'s' if compiled > 1 else ''})"
        pure = ", ".join(m.name for m in self.modules if m.extension is None)
        return f"compiled ({compiled} of {len(self.modules)} modules; pure Python: {pure})"


def plain_python_wanted(environ: dict[str, str] | None = None) -> bool:
    """Whether STRANGLER_PURE_PYTHON asks for the plain Python data plane."""
    value = (os.environ if environ is None else environ).get("STRANGLER_PURE_PYTHON", "")
    return value.strip().lower() in ("1", "true", "yes", "on")


class _PlainPythonFinder(MetaPathFinder):
    """Find a compiled module's `.py` before the import system finds its extension."""

    def __init__(self, package: str) -> None:
        self._prefix = package + "."

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> ModuleSpec | None:
        if not fullname.startswith(self._prefix) or not path:
            return None
        name = fullname.rpartition(".")[2]
        for entry in path:
            source = Path(entry, name + ".py")
            if source.with_suffix(".pxd").is_file() and source.is_file():
                return importlib.util.spec_from_file_location(fullname, source)
        return None


def prefer_plain_python(package: str = PACKAGE_DIR.name) -> None:
    """Import the package's compiled modules from their `.py` from now on (idempotent)."""
    if not any(isinstance(finder, _PlainPythonFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PlainPythonFinder(package))


def build_report(package_dir: Path = PACKAGE_DIR) -> BuildReport:
    """Find the compiled modules by the .pxd convention and compare their files' ages."""
    if not (package_dir.parent / "setup.py").is_file():
        # Installed from a wheel (no .pxd, no setup.py): built in one go, never edited in place.
        return BuildReport(tuple(CompiledModule(_module_name(package_dir, source), source, None, extension, False)
                                 for source, extension in _extensions(package_dir)), ())
    modules = []
    for declarations in sorted(package_dir.rglob("*.pxd")):
        source = declarations.with_suffix(".py")
        if source.is_file():
            extension = _extension_of(source)
            newest = max(_mtime(path) for path in (source, *_declarations_read(declarations, package_dir)))
            stale = extension is not None and _mtime(extension) < newest
            modules.append(CompiledModule(_module_name(package_dir, source), source, declarations, extension, stale))
    known = {m.extension for m in modules}
    orphans = [CompiledModule(_module_name(package_dir, source), source, None, extension, True)
               for source, extension in _extensions(package_dir) if extension not in known]
    return BuildReport(tuple(modules), tuple(orphans))


def build_summary(package_dir: Path = PACKAGE_DIR) -> str:
    """Return the one-line summary of the data plane's build (and of what this process imports)."""
    summary = build_report(package_dir).summary()
    if plain_python_wanted() and package_dir == PACKAGE_DIR:
        return f"pure Python (STRANGLER_PURE_PYTHON=1; the build: {summary})"
    return summary


def main(argv: list[str] | None = None) -> int:
    """Print the summary (or the stale files); return 0 up to date, 1 stale, 2 partly pure Python."""
    parser = argparse.ArgumentParser(prog="python -m strangler_proxy.build",
                                     description="Report how the proxy's data plane is built.")
    parser.add_argument("--stale", action="store_true", help="print the stale extension files, one per line")
    args = parser.parse_args(argv)
    report = build_report()
    if args.stale:
        for module in report.stale:
            print(module.extension)
    else:
        print(report.summary())
    if report.stale:
        return 1
    return 2 if len(report.compiled) < len(report.modules) else 0


def _extension_of(source: Path) -> Path | None:
    # The first suffix that exists is the one the import system picks over the .py.
    stem = source.with_suffix("")
    return next((p for p in (stem.with_name(stem.name + s) for s in EXTENSION_SUFFIXES) if p.is_file()), None)


def _extensions(package_dir: Path) -> list[tuple[Path, Path]]:
    """Return (module path as .py, extension file) for every extension this Python would import."""
    found = []
    for directory, _, names in os.walk(package_dir):
        for name in names:
            suffix = next((s for s in EXTENSION_SUFFIXES if name.endswith(s)), None)
            module = name[: -len(suffix)] if suffix else ""
            if module.isidentifier():
                source = Path(directory, module + ".py")
                if _extension_of(source) == Path(directory, name):
                    found.append((source, Path(directory, name)))
    return sorted(found)


def _declarations_read(declarations: Path, package_dir: Path) -> set[Path]:
    """Return the .pxd and every package .pxd it cimports, directly or through another."""
    seen: set[Path] = set()
    todo = [declarations]
    while todo:
        pxd = todo.pop()
        if pxd in seen or not pxd.is_file():
            continue
        seen.add(pxd)
        for match in _CIMPORT.finditer(pxd.read_text()):
            parts = (match.group(1) or match.group(2)).split(".")
            if parts[0] == package_dir.name:
                todo.append(package_dir.joinpath(*parts[1:]).with_suffix(".pxd"))
    return seen


def _module_name(package_dir: Path, source: Path) -> str:
    return ".".join((package_dir.name, *source.relative_to(package_dir).with_suffix("").parts))


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


if __name__ == "__main__":
    raise SystemExit(main())
