"""A deterministic corpus of shop response pairs (primary, candidate) with planted differences.

Product list pages of 20-100 items (nested categories, decimals as strings, timestamps,
UUIDs, booleans) and order details. Every list page carries a fresh request id and
generation time on each side, as real pages do; a share of pairs also has a planted change.
"""
from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["Pair", "build_corpus", "without_booleans"]

_WORDS = ("alpine", "merino", "trail", "linen", "canvas", "oak", "copper", "harbor", "summit",
          "cotton", "walnut", "cedar", "meadow", "granite", "river", "fjord", "pebble", "ember")
_CATEGORIES = [
    {"id": 1, "name": "Apparel", "slug": "apparel", "parent": None},
    {"id": 2, "name": "Home", "slug": "home", "parent": None},
    {"id": 3, "name": "Outdoor", "slug": "outdoor", "parent": None},
]
_EPOCH = datetime(2025, 3, 1, tzinfo=timezone.utc)


@dataclass
class Pair:
    """One primary response and the candidate's answer to the same request."""

    name: str
    primary: Any
    candidate: Any
    planted: list[str] = field(default_factory=list)


def build_corpus(pairs: int = 120, seed: int = 20250301, planted_share: float = 0.35) -> list[Pair]:
    """Return `pairs` pairs: two thirds product list pages, one third order details."""
    rng = random.Random(seed)
    categories = _category_tree(rng)
    corpus = []
    for number in range(pairs):
        if number % 3 == 2:
            primary = _order(rng, number)
            plants = _ORDER_PLANTS
        else:
            primary = _product_page(rng, categories, number)
            plants = _PAGE_PLANTS
        # Both sides decoded from JSON text, as the proxy sees them: no objects shared.
        text = json.dumps(primary)
        primary, candidate = json.loads(text), json.loads(text)
        if "request_id" in primary:
            candidate["request_id"] = _uuid(rng)
            candidate["generated_at"] = _stamp(_EPOCH + timedelta(seconds=number, milliseconds=rng.randint(1, 900)))
        planted = []
        if rng.random() < planted_share:
            for plant in rng.sample(plants, k=rng.randint(1, 3)):
                planted.append(plant(rng, candidate))
        corpus.append(Pair(f"{'order' if number % 3 == 2 else 'page'}-{number}", primary, candidate, planted))
    return corpus


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _category_tree(rng: random.Random) -> list[dict[str, Any]]:
    tree = []
    for number in range(4, 16):
        parent = rng.choice(_CATEGORIES)
        name = _words(rng, 2).title()
        tree.append({"id": number, "name": name, "slug": name.lower().replace(" ", "-"),
                     "parent": {k: parent[k] for k in ("id", "name", "slug")}})
    return tree


def _product(rng: random.Random, categories: list[dict[str, Any]], product_id: int) -> dict[str, Any]:
    name = _words(rng, 3).title()
    created = _EPOCH - timedelta(days=rng.randint(1, 900), seconds=rng.randint(0, 86399))
    return {
        "id": product_id,
        "uuid": _uuid(rng),
        "sku": f"SKU-{product_id:06d}",
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "description": _words(rng, rng.randint(8, 30)).capitalize() + ".",
        "price": f"{rng.randint(199, 49999) / 100:.2f}",
        "compare_at_price": None if rng.random() < 0.7 else f"{rng.randint(500, 59999) / 100:.2f}",
        "currency": "EUR",
        "in_stock": rng.random() < 0.85,
        "stock": rng.randint(0, 250),
        "rating": round(rng.uniform(1, 5), 2),
        "review_count": rng.randint(0, 900),
        "tags": rng.sample(_WORDS, k=rng.randint(0, 4)),
        "category": copy.deepcopy(rng.choice(categories)),
        "images": [{"url": f"https://cdn.shop.test/p/{product_id}/{n}.jpg", "alt": name, "width": 800,
                    "height": 800} for n in range(rng.randint(1, 3))],
        "created_at": _stamp(created),
        "updated_at": _stamp(created + timedelta(days=rng.randint(0, 100), microseconds=rng.randint(0, 999999))),
    }


def _product_page(rng: random.Random, categories: list[dict[str, Any]], number: int) -> dict[str, Any]:
    size = rng.randint(20, 100)
    first = rng.randint(1, 5000)
    return {
        "count": rng.randint(size, 5000),
        "next": f"https://shop.test/api/v1/catalog/products/?page={number + 2}",
        "previous": None if number % 5 == 0 else f"https://shop.test/api/v1/catalog/products/?page={number}",
        "request_id": _uuid(rng),
        "generated_at": _stamp(_EPOCH + timedelta(seconds=number)),
        "results": [_product(rng, categories, first + n) for n in range(size)],
    }


def _order(rng: random.Random, number: int) -> dict[str, Any]:
    lines = []
    for _ in range(rng.randint(1, 8)):
        quantity = rng.randint(1, 4)
        unit = rng.randint(199, 19999)
        lines.append({"product_id": rng.randint(1, 5000), "name": _words(rng, 3).title(), "quantity": quantity,
                      "unit_price": f"{unit / 100:.2f}", "total": f"{unit * quantity / 100:.2f}"})
    subtotal = sum(int(line["total"].replace(".", "")) for line in lines)
    coupon = None if rng.random() < 0.6 else {"code": f"WELCOME{rng.randint(10, 99)}", "percent": 10}
    discount = subtotal // 10 if coupon else 0
    placed = _EPOCH - timedelta(hours=rng.randint(1, 2000))
    return {
        "id": 10000 + number,
        "uuid": _uuid(rng),
        "status": rng.choice(["pending", "paid", "shipped", "cancelled"]),
        "user": {"id": rng.randint(1, 900), "email": f"user{number}@shop.test", "is_staff": False},
        "lines": lines,
        "coupon": coupon,
        "subtotal": f"{subtotal / 100:.2f}",
        "discount": f"{discount / 100:.2f}",
        "total": f"{(subtotal - discount) / 100:.2f}",
        "shipping_address": {"line1": f"{rng.randint(1, 200)} {_words(rng, 2).title()} Street",
                             "city": _words(rng, 1).title(), "postcode": f"{rng.randint(10000, 99999)}",
                             "country": "DE"},
        "placed_at": _stamp(placed),
        "updated_at": _stamp(placed + timedelta(minutes=rng.randint(0, 600))),
    }


# Plants: each changes the candidate in place and returns a label for the report.
def _item(rng: random.Random, doc: dict[str, Any]) -> dict[str, Any]:
    return rng.choice(doc["results"])


def _price_changed(rng, doc):
    item = _item(rng, doc)
    item["price"] = f"{float(item['price']) + rng.choice([0.01, 1, 10]):.2f}"
    return "price changed"


def _price_as_number(rng, doc):
    item = _item(rng, doc)
    item["price"] = float(item["price"])
    return "price as a number"


def _stock_flag_as_int(rng, doc):
    item = _item(rng, doc)
    item["in_stock"] = int(item["in_stock"])
    return "in_stock as 0/1"


def _description_dropped(rng, doc):
    del _item(rng, doc)["description"]
    return "description missing"


def _legacy_field(rng, doc):
    _item(rng, doc)["legacy_id"] = rng.randint(1, 99)
    return "extra legacy_id"


def _page_shorter(rng, doc):
    doc["results"].pop()
    return "page one item short"


def _items_swapped(rng, doc):
    results = doc["results"]
    i, j = rng.sample(range(len(results)), 2)
    results[i], results[j] = results[j], results[i]
    return "two items swapped"


def _category_renamed(rng, doc):
    _item(rng, doc)["category"]["parent"]["name"] += " & More"
    return "parent category renamed"


def _touched(rng, doc):
    for item in rng.sample(doc["results"], k=min(5, len(doc["results"]))):
        item["updated_at"] = _stamp(_EPOCH + timedelta(microseconds=rng.randint(1, 10**9)))
    return "updated_at touched"


def _rating_rounding(rng, doc):
    for item in doc["results"][:10]:
        item["rating"] = round(item["rating"] + 0.004, 3)
    return "ratings off by 0.004"


def _tags_reordered(rng, doc):
    item = max(doc["results"], key=lambda it: len(it["tags"]))
    item["tags"].reverse()
    return "tags reordered" if len(set(item["tags"])) > 1 else "tags untouched"


def _total_changed(rng, doc):
    doc["total"] = f"{float(doc['total']) + 0.5:.2f}"
    return "order total changed"


def _coupon_null(rng, doc):
    doc["coupon"] = None if doc["coupon"] else {"code": "GHOST", "percent": 0}
    return "coupon flipped"


def _line_quantity(rng, doc):
    rng.choice(doc["lines"])["quantity"] += 1
    return "line quantity changed"


def _line_dropped(rng, doc):
    if len(doc["lines"]) > 1:
        doc["lines"].pop()
    else:
        doc["lines"].append({"product_id": 1, "name": "Ghost", "quantity": 1, "unit_price": "1.00", "total": "1.00"})
    return "lines count changed"


def _staff_flag(rng, doc):
    doc["user"]["is_staff"] = None
    return "is_staff null"


_PAGE_PLANTS: list[Callable[[random.Random, dict[str, Any]], str]] = [
    _price_changed, _price_as_number, _stock_flag_as_int, _description_dropped, _legacy_field, _page_shorter,
    _items_swapped, _category_renamed, _touched, _rating_rounding, _tags_reordered,
]
_ORDER_PLANTS: list[Callable[[random.Random, dict[str, Any]], str]] = [
    _total_changed, _coupon_null, _line_quantity, _line_dropped, _staff_flag,
]


def without_booleans(document: Any) -> Any:
    """Return a copy with every boolean written as "yes" or "no"."""
    if type(document) is dict:
        return {k: without_booleans(v) for k, v in document.items()}
    if type(document) is list:
        return [without_booleans(v) for v in document]
    if type(document) is bool:
        return "yes" if document else "no"
    return document
