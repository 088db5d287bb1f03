"""Shadow results as a terminal report: a summary table, and per route its fields and examples."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strangler_proxy.shadow.report import RouteReport
from strangler_proxy.shadow.results.model import DIRECTIONS, SHADOW, Sample

__all__ = ["detail_lines", "sample_lines", "summary_lines", "table"]

_HEADERS = ("ROUTE", "COMPARED", "MATCHED", "MISMATCHED", "NOISE", "ERRORS", "SKIPPED", "DROPPED", "MISMATCH",
            "MONOLITH p50/p95 ms", "EXTRACTED p50/p95 ms", "GATE", "SOURCES")
_SOURCE_HEADERS = ("SOURCE", "DIRECTION", "COMPARED", "MATCHED", "MISMATCHED", "NOISE", "ERRORS")


def summary_lines(reports: Sequence[RouteReport]) -> list[str]:
    """Return one row per route: outcomes, mismatch rate, latency of each side, gate, and the compared
    requests each source (shadow, reverse, replay) added."""
    rows = []
    for report in reports:
        r = report.results
        latency = [f"{_ms(r.latency[side]['p50'])}/{_ms(r.latency[side]['p95'])}"
                   for side in ("monolith", "extracted")]
        gate = "-" if report.gate is None else ("open" if report.gate.allowed else "closed")
        sources = ", ".join(f"{s.source} {s.compared}" for s in r.sources.values()) or None
        rows.append((report.route, r.compared, r.matched, r.mismatched, r.noise, r.error_total, r.skipped_total,
                     r.dropped_total, f"{100 * r.mismatch_rate:.2f}%", *latency, gate, sources))
    return table(_HEADERS, rows)


def detail_lines(report: RouteReport, *, examples: int = 5) -> list[str]:
    """Return a route's fields (real first), why exchanges were not compared, gate, and an example
    for each of the first `examples` real fields."""
    r = report.results
    lines = [f"route {report.route} (extracted backend: {report.backend or '-'})",
             f"  compared {r.compared}: {r.matched} matched, {r.mismatched} mismatched, {r.noise} noise only; "
             f"{r.noise_probes} noise probes"]
    for title, counts in (("no answer", r.errors), ("skipped", r.skipped), ("dropped", r.dropped)):
        if counts:
            lines.append(f"  {title}: " + ", ".join(f"{why} {n}" for why, n in counts.items()))
    if r.sampled_out:
        lines.append(f"  left out by the sample rate: {r.sampled_out}")
    if report.gate is not None:
        lines.append(f"  gate {'open' if report.gate.allowed else 'closed'}: {report.gate.explain()}")
    if any(source != SHADOW for source in r.sources):
        # Only the live shadow: the lines above say it all. Otherwise, what each source added.
        lines.append("")
        lines.extend("  " + line for line in table(_SOURCE_HEADERS, [
            (s.source, s.direction, s.compared, s.matched, s.mismatched, s.noise, s.errors)
            for s in r.sources.values()]))
    if r.fields:
        lines.append("")
        lines.extend("  " + line for line in table(
            ("FIELD", "LABEL", "VS EXTRACTED", "VS MONOLITH", "RATE EXTRACTED", "RATE MONOLITH"),
            [(f.field or "(whole body)", f.label, f.candidate, f.noise, f"{100 * f.candidate_rate:.1f}%",
              f"{100 * f.noise_rate:.1f}%") for f in r.fields]))
    if report.suggestion:
        lines.extend(["", "  suggested rules:"] + ["    " + line for line in report.suggestion.splitlines()])
    for field in [f for f in r.fields if f.label == "real"][:examples]:
        sample = next((s for s in report.samples if field.field in s.fields()), None)
        if sample is not None:
            lines.extend(["", f"  example of {field.field or '(whole body)'}:"]
                         + ["    " + line for line in sample_lines(sample)])
    return lines


def sample_lines(sample: Sample) -> list[str]:
    """Return a kept example: the request, both statuses and every difference (primary -> candidate:
    monolith -> extracted, or extracted -> monolith for the reverse shadow)."""
    request = sample.request
    first, second = sample.sides
    where = "" if sample.source == SHADOW else f"{sample.source}: {DIRECTIONS[sample.source]}; "
    lines = [f"{request.get('method')} {request.get('path')} ({where}request {request.get('request_id')}, {sample.at}): "
             f"{first} {sample.primary.get('status')}, {second} {sample.candidate.get('status')}"]
    for difference in sample.differences:
        where = difference.get("path") or "(whole body)"
        lines.append(f"  {difference.get('kind')} at {where}: {_show(difference.get('primary'))} -> "
                     f"{_show(difference.get('candidate'))}")
    return lines


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Return a plain aligned table."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    out = []
    for index, row in enumerate(cells):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return out


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 80 else text[:79] + "…"
