"""GET /metrics: the side jobs' Prometheus metrics, summed over every process."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from monolith.outbox import metrics

__all__ = ["metrics_view"]


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
