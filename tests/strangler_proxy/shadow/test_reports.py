"""The terminal and HTML reports: every route, fields grouped with examples, nothing unescaped."""
from __future__ import annotations

from strangler_proxy.diff import Comparison, Difference, Kind
from strangler_proxy.routing.table import parse_table
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.report import route_reports
from strangler_proxy.shadow.report_html import render_html
from strangler_proxy.shadow.report_text import detail_lines, summary_lines
from strangler_proxy.shadow.results import ResultsBatch, Sample
from strangler_proxy.shadow.results.memory import MemoryResults

TABLE = parse_table("""
[backends.monolith]
urls = ["http://127.0.0.1:8000"]
[backends.catalog]
urls = ["http://127.0.0.1:8001"]
[[routes]]
id = "catalog-read"
context = "catalog"
backend = "catalog"
paths = ["/api/v1/catalog/products/"]
mode = "shadow"
[routes.gate]
min_compared = 10
""")
HOSTILE = "<script>alert(1)</script>"


def results() -> MemoryResults:
    store = MemoryResults()
    batch = ResultsBatch()
    planted = Comparison([Difference(Kind.VALUE_CHANGED, "/name", "/name", "Lamp", HOSTILE)])
    for _ in range(12):
        signature = batch.compared("catalog-read", planted)
    batch.samples.append(Sample("catalog-read", "2025-03-01T12:00:00.000Z", signature,
                                {"method": "GET", "path": "/api/v1/catalog/products/?q=" + HOSTILE},
                                {"status": 200, "body": '{"name": "Lamp"}'},
                                {"status": 200, "body": '{"name": "' + HOSTILE + '"}'},
                                [d.to_dict() for d in planted.differences]))
    store.apply(batch)
    return store


def test_the_html_report_groups_by_field_shows_examples_and_escapes_everything() -> None:
    reports = route_reports(TABLE, results(), ShadowSettings(), samples=10)
    html = render_html(reports)
    assert html.startswith("<!doctype html>") and "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<h3><code>/name</code> <span class="real">real</span></h3>' in html
    assert "differs in 12 comparisons with the extracted service (100.0%)" in html
    assert "differs too often from the monolith" in html


def test_the_terminal_report_has_a_summary_row_and_a_detail_per_route() -> None:
    reports = route_reports(TABLE, results(), ShadowSettings(), samples=10)
    [header, rule, row] = summary_lines(reports)
    assert row.split()[:5] == ["catalog-read", "12", "0", "12", "0"] and row.split()[-3:] == ["closed", "shadow", "12"]
    detail = "\n".join(detail_lines(reports[0]))
    assert "gate closed: route 'catalog-read' differs too often" in detail
    assert 'example of /name:' in detail and "value_changed at /name" in detail
    assert "SOURCE" not in detail  # only the live shadow: no table of sources


def mixed_results() -> MemoryResults:
    """The live shadow matched; a replay and the reverse shadow of a canary found the planted /name."""
    store = MemoryResults()
    batch = ResultsBatch()
    for _ in range(4):
        batch.compared("catalog-read", Comparison([]))
    planted = Comparison([Difference(Kind.VALUE_CHANGED, "/name", "/name", "Lamp", "Lump")])
    for _ in range(2):
        batch.compared("catalog-read", planted, source="replay")
    # The reverse shadow compares extracted (primary) against monolith (candidate).
    reverse = Comparison([Difference(Kind.VALUE_CHANGED, "/name", "/name", "Lump", "Lamp")])
    signature = batch.compared("catalog-read", reverse, source="reverse")
    batch.samples.append(Sample("catalog-read", "2025-03-01T12:00:00.000Z", signature,
                                {"method": "GET", "path": "/api/v1/catalog/products/"},
                                {"status": 200, "body": '{"name": "Lump"}'}, {"status": 200, "body": '{"name": "Lamp"}'},
                                [d.to_dict() for d in reverse.differences], "reverse"))
    store.apply(batch)
    return store


def test_reports_tell_the_sources_apart_and_read_a_reverse_example_the_right_way_round() -> None:
    [report] = route_reports(TABLE, mixed_results(), ShadowSettings(), samples=10)
    [_, _, row] = summary_lines([report])
    assert row.endswith("closed  shadow 4, reverse 1, replay 2")
    detail = detail_lines(report)
    rows = {line.split()[0]: line.split() for line in detail if line.startswith(("  shadow", "  reverse", "  replay"))}
    assert rows["reverse"][1:] == ["monolith", "differs", "from", "extracted", "1", "0", "1", "0", "0"]
    assert rows["replay"][1:] == ["extracted", "differs", "from", "monolith", "2", "0", "2", "0", "0"]
    text = "\n".join(detail)
    assert ("GET /api/v1/catalog/products/ (reverse: monolith differs from extracted; request None, "
            "2025-03-01T12:00:00.000Z): extracted 200, monolith 200") in text
    assert 'value_changed at /name: "Lump" -> "Lamp"' in text
    assert "compared by source: shadow 4, reverse 1, replay 2" in text
    data = report.to_dict()
    assert [(s["source"], s["compared"]) for s in data["sources"]] == [("shadow", 4), ("reverse", 1), ("replay", 2)]
    assert data["gate"]["sources"] == {"shadow": 4, "reverse": 1, "replay": 2}
    assert data["samples"][0]["source"] == "reverse" and data["samples"][0]["direction"] == \
        "monolith differs from extracted"
    html = render_html([report])
    assert "<td>reverse</td><td>monolith differs from extracted</td>" in html
    assert "extracted 200, monolith 200" in html and "<th>Extracted</th><th>Monolith</th>" in html
