"""Page-number pagination shared by every list endpoint: ?page=N&page_size=M (max 100)."""
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def paginate(*, queryset, serializer_class, request, view):
    """Paginate `queryset` and answer with {count, next, previous, results}."""
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
