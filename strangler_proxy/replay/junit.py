"""A replay as JUnit XML, the format CI systems read: one test case per request.

A mismatch is a <failure> listing its real differences, a request a side did not answer an
<error>, a skipped request <skipped/>; noise-only and matching requests pass. The suite's
own <properties> carry the verdict and the threshold.
"""
from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from strangler_proxy.replay.runner import ReplayReport
from strangler_proxy.shadow.redact import redact_difference

__all__ = ["junit_xml", "write_junit"]

_MAX_DIFFERENCES = 50


def junit_xml(report: ReplayReport) -> bytes:
    """Return the report as a JUnit XML document."""
    cases = report.cases
    failures = sum(1 for c in cases if c.outcome == "mismatched")
    errors = report.errors
    suites = ET.Element("testsuites", name="strangler replay", tests=str(len(cases)), failures=str(failures),
                        errors=str(errors), time=f"{report.seconds:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=f"strangler replay {report.route}", tests=str(len(cases)),
                          failures=str(failures), errors=str(errors), skipped=str(report.skipped),
                          time=f"{report.seconds:.3f}")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("route", report.route), ("verdict", report.verdict()),
                        ("max_mismatch_percent", f"{report.max_mismatch_percent:g}"),
                        ("failure_percent", f"{report.failure_percent:.6g}")):
        ET.SubElement(properties, "property", name=name, value=value)
    for case in cases:
        element = ET.SubElement(suite, "testcase", classname=f"strangler.replay.{report.route}",
                                name=f"{case.index + 1:05d} {case.request.label}"[:500], time=f"{case.seconds:.3f}")
        if case.outcome == "mismatched" and case.comparison is not None:
            real = set(case.real_fields)
            shown = [d for d in case.comparison.differences if d.field in real][:_MAX_DIFFERENCES]
            failure = ET.SubElement(element, "failure", type="mismatch",
                                    message=f"differs from the monolith at {', '.join(case.real_fields)}"[:1000])
            failure.text = "\n".join(_line(redact_difference(d.to_dict())) for d in shown)
        elif case.outcome == "error":
            ET.SubElement(element, "error", type="no_answer", message=case.reason[:1000])
        elif case.outcome == "skipped":
            ET.SubElement(element, "skipped", message=case.reason[:1000])
        elif case.outcome == "noise":
            ET.SubElement(element, "system-out").text = "differs only in fields that are noise: " + ", ".join(
                sorted(case.comparison.fields()) if case.comparison else [])
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)


def _line(difference: dict) -> str:
    return (f"{difference['kind']} at {difference['path'] or '(whole body)'}: "
            f"{difference['primary']!r} -> {difference['candidate']!r}")


def write_junit(path: Path, report: ReplayReport) -> None:
    """Write the XML atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(junit_xml(report))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
