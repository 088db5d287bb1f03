from django.db import transaction

from monolith.catalog.models import Product
from monolith.demo.seed import shop_seed


class _Undo(Exception):
    pass


def _seed_and_snapshot() -> list:
    try:
        with transaction.atomic():
            shop_seed(products=30, users=5, orders=5)
            snapshot = list(Product.objects.order_by("name").values_list("name", "price", "stock"))
            raise _Undo
    except _Undo:
        return snapshot


def test_the_same_seed_gives_the_same_shop(db):
    assert _seed_and_snapshot() == _seed_and_snapshot()


def test_seeding_a_shop_that_has_products_changes_nothing(db):
    first = shop_seed(products=30, users=5, orders=5)
    again = shop_seed(products=30, users=5, orders=5)

    assert first.created and not again.created
    assert Product.objects.count() == 30
