def test_placing_an_order_answers_201_with_lines_and_totals(client_for, make_user, make_product):
    product = make_product(price="2.50", stock=4)

    response = client_for(make_user()).post(
        "/api/v1/orders/", {"items": [{"product_id": product.pk, "quantity": 2}]}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["total"] == "5.00" and body["status"] == "placed"
    assert body["items"] == [{"product_id": product.pk, "product_name": product.name,
                              "unit_price": "2.50", "quantity": 2, "line_total": "5.00"}]


def test_orders_are_private_to_their_owner(client_for, make_user, make_product):
    owner, other = client_for(make_user()), client_for(make_user())
    order_id = owner.post("/api/v1/orders/", {"items": [{"product_id": make_product().pk, "quantity": 1}]},
                          format="json").json()["id"]

    assert owner.get(f"/api/v1/orders/{order_id}/").status_code == 200
    assert other.get(f"/api/v1/orders/{order_id}/").status_code == 404
    assert other.get("/api/v1/orders/").json()["count"] == 0


def test_ordering_needs_a_login(api, db):
    response = api.post("/api/v1/orders/", {"items": []}, format="json")

    assert response.status_code == 401


def test_out_of_stock_is_a_409_conflict(client_for, make_user, make_product):
    product = make_product(stock=1)

    response = client_for(make_user()).post(
        "/api/v1/orders/", {"items": [{"product_id": product.pk, "quantity": 2}]}, format="json")

    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_cancel_through_the_api(client_for, make_user, make_product):
    client = client_for(make_user())
    order_id = client.post("/api/v1/orders/", {"items": [{"product_id": make_product().pk, "quantity": 1}]},
                           format="json").json()["id"]

    response = client.post(f"/api/v1/orders/{order_id}/cancel/")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
