"""The diff engine's public names are exported on purpose, and it imports no proxy code."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import strangler_proxy.diff as diff


def test_the_public_surface_is_pinned():
    assert sorted(diff.__all__) == [
        "CompareRules", "Comparison", "DiffError", "Difference", "FieldStats", "Headers", "Kind",
        "NoiseModel", "ResponseSnapshot", "RulesError", "StoredDataError", "Tolerance",
        "compare_json", "compare_responses",
    ]
    assert all(hasattr(diff, name) for name in diff.__all__)


def test_the_entry_points_keep_their_signatures():
    for function in (diff.compare_responses, diff.compare_json):
        signature = inspect.signature(function)
        assert list(signature.parameters) == ["primary", "candidate", "rules"]
        assert signature.parameters["rules"].default == diff.CompareRules()
    assert inspect.signature(diff.compare_responses).return_annotation == "Comparison"
    assert inspect.signature(diff.compare_json).return_annotation == "list[Difference]"


def test_the_engine_imports_only_itself_and_the_standard_library():
    package = Path(diff.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                top = name.split(".")[0]
                assert top != "strangler_proxy" or name.startswith("strangler_proxy.diff"), (module.name, name)
                assert top not in {"aiohttp", "redis", "httpx", "django", "flask", "sqlalchemy"}, (module.name, name)
