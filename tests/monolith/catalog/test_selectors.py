import pytest

from monolith.catalog.selectors import product_list
from monolith.common.errors import ApplicationError


def test_products_filter_by_category_and_search_by_name(make_product):
    make_product(name="Blue Teapot", category="kitchen")
    make_product(name="Red Teapot", category="kitchen")
    make_product(name="Blue Kite", category="toys")

    assert [p.name for p in product_list(category="kitchen", search="blue")] == ["Blue Teapot"]


def test_products_order_by_price_with_ties_broken_by_id(make_product):
    first = make_product(name="A", price="5.00")
    second = make_product(name="B", price="5.00")
    cheap = make_product(name="C", price="1.00")

    assert list(product_list(ordering="price")) == [cheap, first, second]
    assert list(product_list(ordering="-price")) == [first, second, cheap]


def test_an_unknown_ordering_is_refused(db):
    with pytest.raises(ApplicationError):
        product_list(ordering="password")
