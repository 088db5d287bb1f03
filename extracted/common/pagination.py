"""Page-number pagination exactly as the monolith's StandardPagination answers.

?page=N (or "last") and ?page_size=M (at most 100, default 20); an out-of-range or
non-numeric page is 404 "Invalid page."; next/previous are absolute URLs with the
query parameters sorted, as DRF builds them.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from flask import Request

from extracted.common.errors import NotFound
from extracted.common.http import (
    absolute_uri,
    query_value,
    remove_query_param,
    replace_query_param,
)

__all__ = ["PAGE_SIZE", "MAX_PAGE_SIZE", "paginate"]

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _page_size(request: Request) -> int:
    raw = query_value(request, "page_size")
    if raw is None:
        return PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        return PAGE_SIZE
    if size <= 0:
        return PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)


def _page_number(request: Request, num_pages: int) -> int:
    raw = query_value(request, "page") or "1"
    if raw == "last":
        return num_pages
    try:
        number = int(raw)
    except ValueError:
        raise NotFound("Invalid page.") from None
    if number < 1 or number > num_pages:
        raise NotFound("Invalid page.")
    return number


def paginate(request: Request, *, host: str, count: int,
             fetch: Callable[[int, int], list[Any]]) -> dict:
    """Answer {count, next, previous, results}; `fetch(offset, limit)` reads one page."""
    size = _page_size(request)
    num_pages = max(1, math.ceil(count / size))
    number = _page_number(request, num_pages)
    offset = (number - 1) * size
    results = fetch(offset, size) if count else []
    url = absolute_uri(request, host)
    next_link = replace_query_param(url, "page", number + 1) if number < num_pages else None
    if number <= 1:
        previous_link = None
    elif number - 1 == 1:
        previous_link = remove_query_param(url, "page")
    else:
        previous_link = replace_query_param(url, "page", number - 1)
    return {"count": count, "next": next_link, "previous": previous_link, "results": results}
