"""Stock reservations for the monolith's orders, keyed by the order."""
from extracted.catalog.models import Product


def reserve(client, headers, key, lines):
    return client.post("/internal/v1/catalog/stock/reservations/", headers=headers,
                       json={"key": key, "lines": [{"product_id": p, "quantity": q} for p, q in lines]})


def release(client, headers, key, lines=None):
    body = {} if lines is None else {"lines": [{"product_id": p, "quantity": q} for p, q in lines]}
    return client.post(f"/internal/v1/catalog/stock/reservations/{key}/release/", headers=headers, json=body)


def stock(runtime, product_id):
    with runtime.db.transaction() as tx:
        return tx.get(Product, product_id).stock


def test_a_reservation_takes_stock_and_names_each_line(client, runtime, service_caller, put_product):
    teapot = put_product(name="Teapot", price="12.50", stock=5)
    mug = put_product(name="Mug", price="3.33", stock=5)

    response = reserve(client, service_caller, "order-1", [(mug, 3), (teapot, 2)])

    assert response.status_code == 201
    assert response.get_json()["lines"] == [
        {"product_id": mug, "quantity": 3, "name": "Mug", "unit_price": "3.33"},
        {"product_id": teapot, "quantity": 2, "name": "Teapot", "unit_price": "12.50"}]
    assert (stock(runtime, teapot), stock(runtime, mug)) == (3, 2)


def test_reserving_again_with_the_same_key_takes_nothing_more(client, runtime, service_caller, put_product):
    teapot = put_product(stock=5)

    first = reserve(client, service_caller, "order-1", [(teapot, 2)])
    again = reserve(client, service_caller, "order-1", [(teapot, 2)])

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json() and stock(runtime, teapot) == 3


def test_the_same_key_with_other_lines_is_a_conflict(client, service_caller, put_product):
    teapot = put_product(stock=5)
    reserve(client, service_caller, "order-1", [(teapot, 2)])

    response = reserve(client, service_caller, "order-1", [(teapot, 3)])

    assert response.status_code == 409


def test_one_line_short_of_stock_takes_nothing_at_all(client, runtime, service_caller, put_product):
    plenty = put_product(stock=5)
    scarce = put_product(name="Rare", stock=1)

    response = reserve(client, service_caller, "order-1", [(plenty, 2), (scarce, 2)])

    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "Only 1 of 'Rare' in stock."
    assert (stock(runtime, plenty), stock(runtime, scarce)) == (5, 1)


def test_an_unknown_product_is_not_found(client, service_caller):
    response = reserve(client, service_caller, "order-1", [(424242, 1)])

    assert response.status_code == 404
    assert response.get_json()["error"]["details"] == {"items": ["product 424242 does not exist"]}


def test_releasing_gives_the_stock_back_once(client, runtime, service_caller, put_product):
    teapot = put_product(stock=5)
    reserve(client, service_caller, "order-1", [(teapot, 2)])

    responses = [release(client, service_caller, "order-1", [(teapot, 2)]) for _ in range(2)]

    assert [r.get_json()["state"] for r in responses] == ["released", "released"]
    assert stock(runtime, teapot) == 5


def test_releasing_an_order_placed_before_stock_moved_gives_back_its_lines(client, runtime, service_caller,
                                                                           put_product):
    teapot = put_product(stock=5)

    release(client, service_caller, "order-77", [(teapot, 2)])
    release(client, service_caller, "order-77", [(teapot, 2)])

    assert stock(runtime, teapot) == 7


def test_voiding_an_unknown_key_gives_nothing_back(client, runtime, service_caller, put_product):
    teapot = put_product(stock=5)

    response = release(client, service_caller, "order-9")

    assert response.status_code == 200 and stock(runtime, teapot) == 5


def test_a_released_key_can_be_reserved_again_as_a_new_attempt(client, runtime, service_caller, put_product):
    teapot = put_product(stock=5)
    reserve(client, service_caller, "order-1", [(teapot, 2)])
    release(client, service_caller, "order-1")

    response = reserve(client, service_caller, "order-1", [(teapot, 1)])

    assert response.status_code == 201 and stock(runtime, teapot) == 4


def test_each_stock_change_is_a_new_version_with_an_event(client, runtime, service_caller, put_product):
    from sqlalchemy import select

    from extracted.catalog.models import OutboxEvent

    teapot = put_product(stock=5, version=3)
    reserve(client, service_caller, "order-1", [(teapot, 2)])

    with runtime.db.transaction() as tx:
        [event] = tx.scalars(select(OutboxEvent)).all()
    assert event.payload["version"] == 4 and event.payload["product"]["stock"] == 3


def test_reservations_are_refused_while_the_monolith_owns_the_writes(make_catalog, service_caller):
    client = make_catalog(writer="monolith").test_client()

    response = reserve(client, service_caller, "order-1", [(1, 1)])

    assert response.status_code == 403 and response.get_json()["error"]["code"] == "writes_moved"


def test_only_services_may_reserve(client, staff):
    anonymous = reserve(client, {}, "order-1", [(1, 1)])
    as_staff = reserve(client, staff, "order-1", [(1, 1)])

    assert anonymous.status_code == 401 and as_staff.status_code == 403


def test_bad_lines_are_named_per_field(client, service_caller):
    response = client.post("/internal/v1/catalog/stock/reservations/", headers=service_caller,
                           json={"key": "order-1", "lines": [{"product_id": 0, "quantity": "x"}]})

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {
        "lines.0.product_id": ["Ensure this value is greater than or equal to 1."],
        "lines.0.quantity": ["A valid integer is required."]}
