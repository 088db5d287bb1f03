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
    assert row.split()[:5] == ["catalog-read", "12", "0", "12", "0"] and row.split()[-1] == "closed"
    detail = "\n".join(detail_lines(reports[0]))
    assert "gate closed: route 'catalog-read' differs too often" in detail
    assert 'example of /name:' in detail and "value_changed at /name" in detail
