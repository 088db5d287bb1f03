"""Module 6's contract run: the coupons contract against the learner's extracted/coupons.

The contract lives with the others (tests/contract/coupons_contracts.py); its service side,
tests/contract/coupons_service_check.py, runs here in a child pytest from the learner's
repository, on a throwaway SQLite monolith, so it sees the code as it is now. The JUnit
report says which contracts broke and how.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from strangler_proxy.workshop.environment import Workshop

__all__ = ["CONTRACT_FILE", "ContractRun", "coupons_contract_run", "coupons_service_imports"]

CONTRACT_FILE = "tests/contract/coupons_service_check.py"
# What the contract's fixtures use from the service: the same surface catalog and notifications offer.
_SURFACE = ("from extracted.coupons import create_app; from extracted.coupons.config import read_config; "
            "from extracted.coupons.migration.tables import COUPONS")
# Servers and settings of the learner's stack that the throwaway run must not use.
_DROPPED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS")


@dataclass
class ContractRun:
    """How the contract went: tests run, the first problem of each broken contract, setup errors."""

    tests: int = 0
    broken: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether every contract ran and held."""
        return self.tests > 0 and not self.broken and not self.errors

    def explain(self, shown: int = 3) -> str:
        """Say in one line what went wrong."""
        if self.errors:
            return f"the contract could not run: {self.errors[0]}"
        if not self.tests:
            return "no contract ran"
        lines = [f"{name!r}: {problem}" for name, problem in list(self.broken.items())[:shown]]
        more = f" and {len(self.broken) - shown} more" if len(self.broken) > shown else ""
        return f"{len(self.broken)} contract(s) broken: " + "; ".join(lines) + more


def coupons_service_imports(workshop: Workshop) -> str | None:
    """Return None when extracted/coupons offers what the contract needs, else why not (one line)."""
    if not (workshop.root / "extracted" / "coupons" / "__init__.py").is_file():
        return "there is no extracted/coupons package yet"
    result = subprocess.run([sys.executable, "-c", _SURFACE], cwd=workshop.root, env=_env(workshop, None),
                            capture_output=True, text=True, timeout=120)
    if result.returncode == 0:
        return None
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"importing it failed (exit {result.returncode})"


def coupons_contract_run(workshop: Workshop, *, timeout: float = 600.0) -> ContractRun:
    """Run the coupons contract against extracted/coupons in a child pytest."""
    if not (workshop.root / CONTRACT_FILE).is_file():
        return ContractRun(errors=[f"{CONTRACT_FILE} is missing from this repository"])
    with tempfile.TemporaryDirectory(prefix="strangler-coupons-contract-") as folder:
        report = Path(folder) / "junit.xml"
        try:
            result = subprocess.run(
                [sys.executable, "-m", "pytest", CONTRACT_FILE, "-q", "-p", "no:cacheprovider",
                 f"--junitxml={report}", "-o", "junit_family=xunit2"],
                cwd=workshop.root, env=_env(workshop, folder), capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return ContractRun(errors=[f"the contract run took longer than {timeout:g}s"])
        if not report.is_file():
            lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
            return ContractRun(errors=[lines[-1].strip() if lines else f"pytest exited {result.returncode}"])
        return _read_junit(report)


def _env(workshop: Workshop, var_dir: str | None) -> dict[str, str]:
    env = {k: v for k, v in workshop.subprocess_env().items() if k not in _DROPPED}
    if var_dir is not None:
        env["STRANGLER_VAR_DIR"] = var_dir
    return env


def _read_junit(path: Path) -> ContractRun:
    run = ContractRun()
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        run.tests += 1
        name = case.get("name", "")
        contract = name[name.find("[") + 1:-1] if "[" in name else name
        failure, error = case.find("failure"), case.find("error")
        if failure is not None:
            run.broken.setdefault(contract, _first_line(failure.get("message") or failure.text or "failed"))
        if error is not None:
            # A setup error (the service does not start) repeats for every contract: keep it once.
            line = _first_line(error.get("message") or error.text or "error")
            line = line.removeprefix("failed on setup with ").strip('"')
            if line not in run.errors:
                run.errors.append(line)
    return run


def _first_line(message: str) -> str:
    line = next((part.strip() for part in message.splitlines() if part.strip()), message.strip())
    line = line.removeprefix("AssertionError: ")
    first = line.split("; ")[0]
    return first if len(first) <= 160 else first[:157] + "..."
