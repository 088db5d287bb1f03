"""The data plane's build report: compiled by the .pxd convention, pure Python, or stale."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from strangler_proxy.build import build_report, build_summary

EXTENSION = EXTENSION_SUFFIXES[0]  # the suffix this Python imports first


def make_tree(root: Path, files: dict[str, float]) -> Path:
    """Write a fake checkout (setup.py and package `pkg`) with each file at its mtime."""
    (root / "setup.py").write_text("")
    for name, mtime in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        os.utime(path, (mtime, mtime))
    return root / "pkg"


def test_the_report_finds_compiled_modules_by_the_pxd_convention(tmp_path: Path) -> None:
    package = make_tree(tmp_path, {
        "a.py": 100, "a.pxd": 100, f"a{EXTENSION}": 200,
        "sub/b.py": 100, "sub/b.pxd": 100, f"sub/b{EXTENSION}": 200,
        "plain.py": 100,  # no .pxd: not compiled
        "only.pxd": 100,  # no .py: declarations only
    })
    report = build_report(package)
    assert [m.name for m in report.modules] == ["pkg.a", "pkg.sub.b"]
    assert [m.extension for m in report.compiled] == [package / f"a{EXTENSION}", package / f"sub/b{EXTENSION}"]
    assert report.stale == ()
    assert report.summary() == "compiled (2 modules)"


def test_a_module_without_its_extension_is_reported_as_pure_python(tmp_path: Path) -> None:
    package = make_tree(tmp_path, {"a.py": 100, "a.pxd": 100, f"a{EXTENSION}": 200, "b.py": 100, "b.pxd": 100})
    assert build_summary(package) == "compiled (1 of 2 modules; pure Python: pkg.b)"


def test_pure_python_is_reported_when_no_extension_exists(tmp_path: Path) -> None:
    package = make_tree(tmp_path, {"a.py": 100, "a.pxd": 100, "sub/b.py": 100, "sub/b.pxd": 100})
    report = build_report(package)
    assert report.compiled == () and report.stale == ()
    assert report.summary() == "pure Python"


def test_an_extension_older_than_its_py_is_stale(tmp_path: Path) -> None:
    package = make_tree(tmp_path, {"a.py": 300, "a.pxd": 100, f"a{EXTENSION}": 200, "b.py": 100, "b.pxd": 100,
                                   f"b{EXTENSION}": 200})
    report = build_report(package)
    assert [m.name for m in report.stale] == ["pkg.a"]
    assert report.summary() == "stale: pkg.a older than its source; run ./scripts/setup"


def test_an_extension_older_than_its_pxd_is_stale(tmp_path: Path) -> None:
    package = make_tree(tmp_path, {"a.py": 100, "a.pxd": 300, f"a{EXTENSION}": 200})
    assert build_summary(package) == "stale: pkg.a older than its source; run ./scripts/setup"


def test_an_extension_older_than_a_pxd_its_pxd_cimports_is_stale(tmp_path: Path) -> None:
    # b cimports a's classes, and a's .pxd cimports c's: b was compiled against c's old layout.
    package = make_tree(tmp_path, {"a.py": 100, "a.pxd": 100, f"a{EXTENSION}": 200,
                                   "b.py": 100, "b.pxd": 100, f"b{EXTENSION}": 200,
                                   "sub/c.py": 100, "sub/c.pxd": 300, f"sub/c{EXTENSION}": 400})
    (package / "b.pxd").write_text("from pkg.a cimport A\n")
    (package / "a.pxd").write_text("cimport pkg.sub.c\n")
    for name in ("a.pxd", "b.pxd"):
        os.utime(package / name, (100, 100))
    report = build_report(package)
    assert [m.name for m in report.stale] == ["pkg.a", "pkg.b"]


def test_an_extension_left_beside_a_module_without_a_pxd_is_stale(tmp_path: Path) -> None:
    package = make_tree(tmp_path, {"a.py": 100, f"a{EXTENSION}": 200})
    report = build_report(package)
    assert [m.extension for m in report.stale] == [package / f"a{EXTENSION}"]
    assert report.summary() == "stale: pkg.a compiled but without a .pxd; run ./scripts/setup"


def test_a_package_installed_from_a_wheel_is_never_stale(tmp_path: Path) -> None:
    package = make_tree(tmp_path, {"a.py": 300, f"a{EXTENSION}": 200})
    (tmp_path / "setup.py").unlink()
    assert build_summary(package) == "compiled (1 module)"


@pytest.mark.parametrize("module", build_report().modules, ids=lambda module: module.name)
def test_each_compiled_module_imports_as_pure_python(module, monkeypatch: pytest.MonkeyPatch) -> None:
    # A machine without a C compiler runs the .py: it must import on its own and define what
    # the .pxd declares. Loaded under another name, next to the compiled module.
    alias = f"{module.name.rpartition('.')[0]}._pure_{module.source.stem}"
    spec = importlib.util.spec_from_file_location(alias, module.source)
    loaded = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, alias, loaded)
    spec.loader.exec_module(loaded)
    assert loaded.__file__ == str(module.source)
    for name in getattr(loaded, "__all__", ()):
        assert hasattr(loaded, name), name
    declared = re.findall(r"^cdef class (\w+)", module.declarations.read_text(), re.MULTILINE)
    for name in declared:
        cls = getattr(loaded, name)
        assert isinstance(cls, type) and cls.__module__ == alias, name


def test_strangler_pure_python_makes_the_package_import_the_plain_modules(tmp_path: Path) -> None:
    # A fresh interpreter: this one has imported the data plane already.
    code = ("import strangler_proxy.server.connection as connection, strangler_proxy.build as build; "
            "print(connection.__file__); print(build.build_summary())")
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "STRANGLER_PURE_PYTHON": "1"}, cwd=tmp_path)
    module, summary = plain.stdout.splitlines()
    assert module.endswith("connection.py")
    assert summary.startswith("pure Python (STRANGLER_PURE_PYTHON=1; the build: ")
