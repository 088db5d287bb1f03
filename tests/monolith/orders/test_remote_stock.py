"""RemoteStock: the catalog service's answers become the monolith's own errors."""
import json
from decimal import Decimal

import httpx
import pytest

from monolith.common.errors import ApplicationError, Conflict, NotFound
from monolith.orders.remote_stock import RemoteStock, StockServiceUnavailable
from monolith.orders.stock import Line, ReservedLine


def stock_with(handler) -> tuple[RemoteStock, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.Client(base_url="http://catalog.test", transport=httpx.MockTransport(record))
    return RemoteStock(base_url="http://catalog.test", client=client), seen


def error(status: int, code: str, message: str, details=None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message, "details": details or {}}})


def test_a_reservation_names_each_line_with_the_service_price():
    stock, seen = stock_with(lambda request: httpx.Response(201, json={"key": "order-1", "state": "active", "lines": [
        {"product_id": 2, "quantity": 3, "name": "Mug", "unit_price": "3.33"}]}))

    lines = stock.reserve(key="order-1", lines=[Line(2, 3)])

    assert lines == [ReservedLine(2, 3, "Mug", Decimal("3.33"))]
    assert json.loads(seen[0].content) == {"key": "order-1", "lines": [{"product_id": 2, "quantity": 3}]}
    assert seen[0].headers["Authorization"].startswith("Bearer ")


@pytest.mark.parametrize("status, code, expected", [
    (409, "conflict", Conflict), (404, "not_found", NotFound), (400, "invalid_input", ApplicationError),
])
def test_service_errors_become_the_monolith_errors_with_their_details(status, code, expected):
    stock, _ = stock_with(lambda request: error(status, code, "Only 1 of 'Rare' in stock.",
                                                {"items": ["product 5: 1 in stock, 2 asked"]}))

    with pytest.raises(expected) as raised:
        stock.reserve(key="order-1", lines=[Line(5, 2)])

    assert raised.value.message == "Only 1 of 'Rare' in stock."
    assert raised.value.details == {"items": ["product 5: 1 in stock, 2 asked"]}


def test_a_service_that_owns_no_stock_yet_is_unavailable_not_a_client_error():
    stock, _ = stock_with(lambda request: error(403, "writes_moved", "Product writes belong to the monolith."))

    with pytest.raises(StockServiceUnavailable) as raised:
        stock.release(key="order-1", lines=[Line(5, 2)])

    assert raised.value.status_code == 503


def test_a_timeout_is_retried_with_the_same_key():
    answers = iter([httpx.ReadTimeout("slow"), httpx.Response(201, json={"key": "order-1", "state": "active",
                                                                         "lines": []})])

    def handler(request):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    stock, seen = stock_with(handler)

    stock.reserve(key="order-1", lines=[Line(5, 2)])

    assert [json.loads(r.content)["key"] for r in seen] == ["order-1", "order-1"]


def test_an_unanswered_reservation_is_voided_before_the_order_fails():
    def handler(request):
        if request.url.path.endswith("/release/"):
            return httpx.Response(200, json={"key": "order-1", "state": "released", "lines": []})
        raise httpx.ConnectError("refused")

    stock, seen = stock_with(handler)

    with pytest.raises(StockServiceUnavailable):
        stock.reserve(key="order-1", lines=[Line(5, 2)])

    void = seen[-1]
    assert void.url.path == "/internal/v1/catalog/stock/reservations/order-1/release/"
    assert json.loads(void.content) == {}


def test_release_names_its_lines_for_orders_placed_before_the_move():
    stock, seen = stock_with(lambda request: httpx.Response(200, json={"key": "order-7", "state": "released",
                                                                       "lines": []}))

    stock.release(key="order-7", lines=[Line(5, 2)])

    assert json.loads(seen[0].content) == {"lines": [{"product_id": 5, "quantity": 2}]}


def test_a_non_json_answer_is_unavailable():
    stock, _ = stock_with(lambda request: httpx.Response(500, text="<html>oops</html>"))

    with pytest.raises(StockServiceUnavailable):
        stock.release(key="order-1", lines=[])
