"""URL map of the monolith: /api/v1/<bounded context>/..., schema and docs."""
from django.http import JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from monolith.common import errors
from monolith.outbox.apis import metrics_view


def healthz(request):
    return JsonResponse({"status": "ok", "service": "monolith"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/accounts/", include("monolith.accounts.urls")),
    path("api/v1/catalog/", include("monolith.catalog.urls")),
    path("api/v1/orders/", include("monolith.orders.urls")),
    path("api/v1/coupons/", include("monolith.coupons.urls")),
    path("api/v1/notifications/", include("monolith.notifications.urls")),
    path("api/v1/board/", include("monolith.board.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="schema"), name="docs"),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error
