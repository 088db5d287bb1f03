"""The coupons API under the monolith's path, answering as the monolith does."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from extracted.common.app import ApiView, current_host
from extracted.common.pagination import paginate
from extracted.common.responses import drf_json
from extracted.coupons import selectors
from extracted.coupons.runtime import CouponsRuntime
from extracted.coupons.serializers import coupon_json

__all__ = ["CouponsApi", "bp", "runtime"]

bp = Blueprint("coupons", __name__, url_prefix="/api/v1/coupons")


def runtime() -> CouponsRuntime:
    return current_app.extensions["coupons"]


class CouponsApi(ApiView):
    def token_verifier(self):
        return runtime().verifier


class CouponListApi(CouponsApi):
    permission = "authenticated"

    def get(self) -> Response:
        user_id = g.user.user_id
        with runtime().db.transaction() as tx:
            count = selectors.coupon_count(tx, user_id=user_id)
            page = paginate(request, host=current_host(), count=count, fetch=lambda offset, limit: [
                coupon_json(c) for c in selectors.coupon_list(tx, user_id=user_id, offset=offset, limit=limit)
            ])
        return drf_json(page)


bp.add_url_rule("/", view_func=CouponListApi.route())
