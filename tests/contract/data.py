"""The shop both sides answer from: written into the monolith, then copied to each service.

Everything is fixed (ids, names, prices, timestamps with and without microseconds),
so a contract can say exactly what comes back.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

__all__ = ["CATEGORIES", "MESSAGES", "PRODUCTS", "USERS", "product_json", "seed_monolith"]

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
CATEGORIES = [(1, "Books", "books"), (2, "Garden", "garden"), (3, "Kitchen", "kitchen")]
_ADJECTIVES = ["Cast-iron", "Folding", "Ceramic", "Solar", "Wooden"]
_NOUNS = ["Lantern", "Bench", "Skillet", "Atlas", "Planter", "Kettle", "Notebook"]
_SPECIAL = {7: "100% Cotton Towel", 8: "Tea_Pot", 9: "Teapot", 10: "teacup", 11: "Thé vert"}


def _product(i: int) -> dict:
    created = T0 + dt.timedelta(minutes=i, microseconds=(i * 1000) if i % 2 else 0)
    category = None if i == 45 else CATEGORIES[i % 3]
    return {"id": i, "name": _SPECIAL.get(i, f"{_ADJECTIVES[i % 5]} {_NOUNS[i % 7]} {i}"),
            "description": f"Item {i}." if i % 4 else "", "price": Decimal(100 + (i * 37) % 900) / 100,
            "stock": (i * 7) % 30, "category": category, "created_at": created,
            "updated_at": created + dt.timedelta(hours=1), "version": 1 + i % 3}


PRODUCTS = [_product(i) for i in range(1, 46)]
USERS = {"staff": (501, True), "customer": (502, False), "other_customer": (503, False)}


def _message(i: int) -> dict:
    user = 503 if i > 25 else 502
    created = T0 + dt.timedelta(hours=i, microseconds=123 if i % 3 == 0 else 0)
    return {"id": i, "user_id": user, "kind": "order_confirmation", "ref": f"order:{i}",
            "title": f"Order #{i} confirmed", "body": f"We received your order #{i}. Total: {i}.00.",
            "created_at": created, "read_at": created + dt.timedelta(minutes=5) if i % 4 == 0 else None}


MESSAGES = [_message(i) for i in range(1, 28)]


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def category_json(category) -> dict | None:
    return None if category is None else {"id": category[0], "name": category[1], "slug": category[2]}


def product_json(product: dict) -> dict:
    return {"id": product["id"], "name": product["name"], "description": product["description"],
            "price": f"{product['price']:.2f}", "stock": product["stock"],
            "category": category_json(product["category"]),
            "created_at": _time(product["created_at"]), "updated_at": _time(product["updated_at"])}


def message_json(message: dict) -> dict:
    return {"id": message["id"], "kind": message["kind"], "title": message["title"], "body": message["body"],
            "created_at": _time(message["created_at"]), "read_at": _time(message["read_at"])}


def seed_monolith() -> dict[str, str]:
    """Write the shop into the monolith's database; return an access token per user."""
    from django.db import transaction

    with transaction.atomic():
        return _seed()


def _seed() -> dict[str, str]:
    from django.core.management.color import no_style
    from django.db import connection

    from monolith.accounts.models import User
    from monolith.accounts.tokens import token_issue
    from monolith.catalog.models import Category, Product
    from monolith.notifications.models import Message

    Category.objects.bulk_create([Category(id=i, name=n, slug=s) for i, n, s in CATEGORIES])
    Product.objects.bulk_create([
        Product(id=p["id"], name=p["name"], description=p["description"], price=p["price"], stock=p["stock"],
                category_id=p["category"][0] if p["category"] else None, version=p["version"])
        for p in PRODUCTS])
    for p in PRODUCTS:  # auto_now/auto_now_add stamped the clock: put the fixed times back
        Product.objects.filter(pk=p["id"]).update(created_at=p["created_at"], updated_at=p["updated_at"])
    tokens = {}
    for role, (user_id, staff) in USERS.items():
        user = User(id=user_id, email=f"{role}@example.com", username=f"{role}@example.com", is_staff=staff)
        user.set_unusable_password()
        user.save()
        tokens[role] = token_issue(user=user)
    tokens["bad_token"] = "not-a-token"
    Message.objects.bulk_create([Message(**{k: v for k, v in m.items() if k != "created_at"}) for m in MESSAGES])
    for m in MESSAGES:
        Message.objects.filter(pk=m["id"]).update(created_at=m["created_at"])
    models = [Category, Product, User, Message]
    with connection.cursor() as cursor:
        # New rows continue after the fixed ids on both engines, so created ids are known too.
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        if connection.vendor == "sqlite":
            for model in models:
                table = model._meta.db_table
                cursor.execute("UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM %s) WHERE name = %%s"
                               % table, [table])
    return tokens
