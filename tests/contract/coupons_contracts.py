"""The coupons API's contract: what the monolith answers, and so what an extracted coupons service must.

The coupons service is the workshop's exercise (docs/workshop/06-extract-coupons.md): the
monolith side runs in the suite (test_coupons_reads.py); `strangler workshop check 6` runs
the service side (coupons_service_check.py) against the learner's extracted/coupons.
"""
from __future__ import annotations

import datetime as dt

from tests.contract.contract import Contract, error
from tests.contract.data import T0, USERS
from tests.contract.shapes import ISO_TIME, Each, Link, Nullable

__all__ = ["COUPONS", "COUPON_ROWS", "coupon_json", "seed_coupons"]

C = "/api/v1/coupons/"
COUPON = {"id": int, "code": str, "kind": str, "percent_off": int, "created_at": ISO_TIME,
          "used_at": Nullable(ISO_TIME)}
_CUSTOMER, _OTHER = USERS["customer"][0], USERS["other_customer"][0]


def _coupon(i: int) -> dict:
    user = _OTHER if i > 23 else _CUSTOMER
    # Coupons 5 and 6 share a time, so the id decides their order; some times carry microseconds.
    created = T0 + dt.timedelta(days=5 if i == 6 else i, microseconds=457 if i % 4 == 3 else 0)
    welcome = i in (1, 24)
    return {"id": i, "user_id": user, "code": f"{'WELCOME' if welcome else 'PROMO'}-{i:04d}AB",
            "kind": "welcome" if welcome else "promo", "percent_off": 10 if welcome else 5 + i % 20,
            "created_at": created, "used_at": created + dt.timedelta(hours=3) if i % 5 == 0 else None}


COUPON_ROWS = [_coupon(i) for i in range(1, 26)]


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def coupon_json(row: dict) -> dict:
    return {"id": row["id"], "code": row["code"], "kind": row["kind"], "percent_off": row["percent_off"],
            "created_at": _time(row["created_at"]), "used_at": _time(row["used_at"])}


def seed_coupons() -> None:
    """Write the contract's coupons into the monolith (after tests.contract.data.seed_monolith)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from monolith.coupons.models import Coupon

    with transaction.atomic():
        Coupon.objects.bulk_create([Coupon(**{k: v for k, v in row.items() if k != "created_at"})
                                    for row in COUPON_ROWS])
        for row in COUPON_ROWS:  # auto_now_add stamped the clock: put the fixed times back
            Coupon.objects.filter(pk=row["id"]).update(created_at=row["created_at"])
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Coupon]):
                cursor.execute(sql)


_mine = sorted((r for r in COUPON_ROWS if r["user_id"] == _CUSTOMER), key=lambda r: (r["created_at"], r["id"]),
               reverse=True)
_theirs = sorted((r for r in COUPON_ROWS if r["user_id"] == _OTHER), key=lambda r: (r["created_at"], r["id"]),
                 reverse=True)


def _page(results, *, count, next=None, previous=None):
    return {"count": count, "next": next, "previous": previous, "results": results}


COUPONS: list[Contract] = [
    Contract("a user's coupons, newest first", "GET", C, 200,
             _page([coupon_json(r) for r in _mine[:20]], count=23, next=Link(f"{C}?page=2")), auth="customer"),
    Contract("the second page", "GET", f"{C}?page=2", 200,
             _page([coupon_json(r) for r in _mine[20:]], count=23, previous=Link(C)), auth="customer"),
    Contract("the last page by name", "GET", f"{C}?page=last", 200,
             _page([coupon_json(r) for r in _mine[20:]], count=23, previous=Link(C)), auth="customer"),
    Contract("a smaller page", "GET", f"{C}?page_size=5&page=2", 200,
             _page([coupon_json(r) for r in _mine[5:10]], count=23, next=Link(f"{C}?page=3&page_size=5"),
                   previous=Link(f"{C}?page_size=5")), auth="customer"),
    Contract("a page size above the maximum is the maximum", "GET", f"{C}?page_size=500", 200,
             _page(Each(COUPON, 23), count=23), auth="customer"),
    Contract("each user sees only their own", "GET", C, 200,
             _page([coupon_json(r) for r in _theirs], count=2), auth="other_customer"),
    Contract("a user without coupons", "GET", C, 200, _page([], count=0), auth="staff"),
    Contract("coupons need a signed-in user", "GET", C, 401,
             error("not_authenticated", "Authentication credentials were not provided.", {}),
             response_headers={"WWW-Authenticate": "Bearer"}),
    Contract("a bad token", "GET", C, 401, error("invalid_token", "The access token is invalid or expired.", {}),
             auth="bad_token"),
    Contract("a page past the end", "GET", f"{C}?page=3", 404, error("not_found", "Invalid page.", {}),
             auth="customer"),
    Contract("a page that is not a number", "GET", f"{C}?page=first", 404, error("not_found", "Invalid page.", {}),
             auth="customer"),
    Contract("OPTIONS describes the list", "OPTIONS", C, 200,
             {"name": "Coupon List Api", "description": "", "renders": ["application/json"],
              "parses": ["application/json"]}, auth="customer", response_headers={"Allow": "GET, HEAD, OPTIONS"}),
    Contract("a path that names nothing", "GET", f"{C}latest/", 404, error("not_found", "No such resource.", {}),
             auth="customer"),
    Contract("the path without its slash is redirected", "GET", "/api/v1/coupons", 301, auth="customer",
             response_headers={"Location": C}),
    # Not reads: coupons are issued by a side job and redeemed by orders, never through this API.
    Contract("coupons cannot be created here", "POST", C, 405,
             error("method_not_allowed", 'Method "POST" not allowed.', {}), auth="customer", json={"code": "X"},
             response_headers={"Allow": "GET, HEAD, OPTIONS"}),
    Contract("a write without a user is refused before the method", "DELETE", C, 401,
             error("not_authenticated", "Authentication credentials were not provided.", {})),
]
