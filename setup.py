"""Compile the proxy's data plane with Cython; everything else is in pyproject.toml.

Why: the data-plane modules run for every proxied request, and compiled they execute far
fewer instructions per request (BENCHMARKS.md, Proxy). They stay plain Python ("pure
Python mode"): a sibling `.pxd` declares their classes as `cdef class` with typed
attributes, and that `.pxd` is the whole convention: every `strangler_proxy/**/*.py` with
a sibling `.pxd` is compiled, nothing else is (strangler_proxy/build.py reads the same rule
to report the build). A machine that cannot compile (no Cython, no C compiler, or
STRANGLER_PURE_PYTHON=1) gets the same modules as plain Python: every extension is
optional, so installing never fails for want of a compiler.
"""
from __future__ import annotations

import os
from pathlib import Path

from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent


def data_plane_sources() -> list[str]:
    """Return every strangler_proxy module with a sibling .pxd, relative to the project."""
    return sorted(pxd.with_suffix(".py").relative_to(ROOT).as_posix()
                  for pxd in (ROOT / "strangler_proxy").rglob("*.pxd") if pxd.with_suffix(".py").is_file())


def data_plane_extensions() -> list[Extension]:
    """Return the compiled modules, or none when compiling is off or Cython is missing."""
    if os.environ.get("STRANGLER_PURE_PYTHON", "").lower() in ("1", "true", "yes", "on"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    modules = [Extension(path[:-3].replace("/", "."), [path]) for path in data_plane_sources()]
    extensions = cythonize(modules, quiet=True, nthreads=os.cpu_count() or 1, compiler_directives={
        "language_level": 3,
        # Annotations are documentation here, never C types: the compiled module must
        # accept exactly what the Python one accepts.
        "annotation_typing": False,
    })
    for extension in extensions:
        extension.optional = True  # set after cythonize: it does not carry `optional` over
    return extensions


setup(ext_modules=data_plane_extensions(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
