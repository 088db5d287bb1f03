"""Shadow results as one self-contained HTML page: per route, differences grouped by field, with examples."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from strangler_proxy.shadow.report import RouteReport
from strangler_proxy.shadow.results.model import DIRECTIONS, SHADOW
from strangler_proxy.store.base import utc_now

__all__ = ["render_html"]

_ENV = Environment(loader=PackageLoader("strangler_proxy.shadow", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def render_html(reports: Sequence[RouteReport], *, title: str = "strangler: shadow comparison",
                examples_per_field: int = 3) -> str:
    """Return the report page (every value escaped; no scripts, no external assets)."""
    routes = [_route_view(report, examples_per_field) for report in reports]
    return _ENV.get_template("report.html").render(title=title, generated=utc_now(), routes=routes,
                                                   directions=DIRECTIONS)


def _route_view(report: RouteReport, examples_per_field: int) -> dict[str, Any]:
    fields = []
    for field in report.results.fields:
        examples = []
        for sample in report.samples:
            if field.field not in sample.fields():
                continue
            differences = [d for d in sample.differences if _field_of(d) == field.field]
            examples.append({"sample": sample, "differences": differences})
            if len(examples) >= examples_per_field:
                break
        fields.append({"field": field, "examples": examples})
    mixed = any(source != SHADOW for source in report.results.sources)
    return {"report": report, "results": report.results, "fields": fields, "mixed": mixed}


def _field_of(difference: dict[str, Any]) -> str:
    kind = difference.get("kind")
    if kind == "status":
        return "status"
    if kind == "header":
        return f"header:{difference.get('path')}"
    return str(difference.get("normalised_path", ""))
