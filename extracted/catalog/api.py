"""The catalog API under the monolith's paths, answering as the monolith does."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from extracted.catalog import selectors, services
from extracted.catalog.runtime import CatalogRuntime
from extracted.catalog.serializers import category_json, product_json
from extracted.common.app import ApiView, current_host
from extracted.common.http import json_body
from extracted.common.pagination import paginate
from extracted.common.responses import drf_json
from extracted.common.validation import CharField, DecimalField, Form, IntegerField, SlugField

__all__ = ["CatalogApi", "bp", "runtime"]

bp = Blueprint("catalog", __name__, url_prefix="/api/v1/catalog")

CATEGORY_INPUT = Form(name=CharField(max_length=80), slug=SlugField(max_length=80))
PRODUCT_INPUT = Form(
    name=CharField(max_length=200),
    description=CharField(required=False, allow_blank=True, max_length=5000),
    price=DecimalField(max_digits=10, decimal_places=2, min_value=0),
    stock=IntegerField(required=False, min_value=0, max_value=1_000_000),
    category_id=IntegerField(required=False, allow_null=True, min_value=1),
)
PRODUCT_FILTER = Form(
    category=SlugField(required=False),
    search=CharField(required=False, max_length=100),
    ordering=CharField(required=False, max_length=20),
)


def runtime() -> CatalogRuntime:
    return current_app.extensions["catalog"]


class CatalogApi(ApiView):
    def token_verifier(self):
        return runtime().verifier


class CategoryListApi(CatalogApi):
    permission = "staff_or_read_only"

    def get(self) -> Response:
        with runtime().db.transaction() as tx:
            return drf_json([category_json(c) for c in selectors.category_list(tx)])

    def post(self) -> Response:
        data = CATEGORY_INPUT.validate(json_body(request))
        rt = runtime()
        with rt.db.transaction() as tx:
            body = category_json(services.category_create(tx, writer=rt.config.writer, **data))
        rt.publish_soon()
        return drf_json(body, status=201)


class ProductListApi(CatalogApi):
    permission = "staff_or_read_only"

    def get(self) -> Response:
        filters = PRODUCT_FILTER.validate_query(request.args)
        with runtime().db.transaction() as tx:
            count = selectors.product_count(tx, **filters)
            page = paginate(request, host=current_host(), count=count, fetch=lambda offset, limit: [
                product_json(p) for p in selectors.product_list(tx, offset=offset, limit=limit, **filters)
            ])
        return drf_json(page)

    def post(self) -> Response:
        data = PRODUCT_INPUT.validate(json_body(request))
        rt = runtime()
        with rt.db.transaction() as tx:
            body = product_json(services.product_create(tx, writer=rt.config.writer, **data))
        rt.publish_soon()
        return drf_json(body, status=201)


class ProductDetailApi(CatalogApi):
    permission = "staff_or_read_only"

    def get(self, product_id: int) -> Response:
        with runtime().db.transaction() as tx:
            return drf_json(product_json(selectors.product_get(tx, product_id=product_id)))

    def _update(self, product_id: int, *, partial: bool) -> Response:
        data = PRODUCT_INPUT.validate(json_body(request), partial=partial)
        rt = runtime()
        with rt.db.transaction() as tx:
            product = services.product_update(tx, writer=rt.config.writer, product_id=product_id, **data)
            body = product_json(product)
        rt.publish_soon()
        return drf_json(body)

    def put(self, product_id: int) -> Response:
        return self._update(product_id, partial=False)

    def patch(self, product_id: int) -> Response:
        return self._update(product_id, partial=True)

    def delete(self, product_id: int) -> Response:
        rt = runtime()
        with rt.db.transaction() as tx:
            services.product_delete(tx, writer=rt.config.writer, product_id=product_id)
        rt.publish_soon()
        return Response(status=204)


bp.add_url_rule("/categories/", view_func=CategoryListApi.route())
bp.add_url_rule("/products/", view_func=ProductListApi.route())
bp.add_url_rule("/products/<int:product_id>/", view_func=ProductDetailApi.route())
