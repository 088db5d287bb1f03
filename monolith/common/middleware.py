"""Refuse oversized bodies before anything reads them."""
from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

from monolith.common.errors import error_body


class BodySizeLimitMiddleware:
    """Answer 413 in the error shape when Content-Length is over the limit.

    Chunked bodies are caught later by Django's DATA_UPLOAD_MAX_MEMORY_SIZE check,
    which the DRF exception handler also turns into 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            too_big = limit is not None and int(length) > limit
        except ValueError:
            return JsonResponse(error_body("bad_request", "Invalid Content-Length."), status=400)
        if too_big:
            return JsonResponse(
                error_body("payload_too_large", f"The request body is over {limit} bytes."),
                status=413,
            )
        return self.get_response(request)
