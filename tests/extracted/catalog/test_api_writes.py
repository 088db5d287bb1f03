from sqlalchemy import select

from extracted.catalog.models import OutboxEvent, Product, ProductTombstone
from tests.loopback import user_token


def _events(runtime) -> list[OutboxEvent]:
    with runtime.db.transaction() as tx:
        return list(tx.scalars(select(OutboxEvent).order_by(OutboxEvent.position)))


def test_staff_creates_a_product_and_its_event_says_the_service_wrote_it(client, runtime, staff, put_product):
    put_product(id=7)  # also creates category 1

    response = client.post("/api/v1/catalog/products/", headers=staff,
                           json={"name": "Mug", "price": "3.5", "stock": 4, "category_id": 1})

    body = response.get_json()
    assert response.status_code == 201
    assert body["id"] == 8 and body["price"] == "3.50" and body["category"]["slug"] == "kitchen"
    [event] = _events(runtime)
    assert event.event_type == "ProductChanged" and event.aggregate_id == "8"
    assert event.payload["origin"] == "service" and event.payload["version"] == 1
    assert event.payload["product"] == {**body, "version": 1}


def test_each_update_bumps_the_version_and_records_the_new_state(client, runtime, staff, put_product):
    product_id = put_product(version=4)

    client.patch(f"/api/v1/catalog/products/{product_id}/", headers=staff, json={"price": "9.99"})
    response = client.put(f"/api/v1/catalog/products/{product_id}/", headers=staff,
                          json={"name": "Green Teapot", "price": "11", "category_id": None})

    assert response.status_code == 200 and response.get_json()["category"] is None
    assert [e.payload["version"] for e in _events(runtime)] == [5, 6]
    assert _events(runtime)[-1].payload["product"]["name"] == "Green Teapot"


def test_deleting_leaves_a_tombstone_and_a_product_deleted_event(client, runtime, staff, put_product):
    product_id = put_product(version=2)

    response = client.delete(f"/api/v1/catalog/products/{product_id}/", headers=staff)

    assert response.status_code == 204 and response.data == b""
    with runtime.db.transaction() as tx:
        assert tx.get(Product, product_id) is None
        assert tx.get(ProductTombstone, product_id).version == 3
    assert _events(runtime)[-1].payload == {"product_id": product_id, "version": 3, "origin": "service"}


def test_writes_are_refused_while_the_monolith_owns_them(make_catalog, staff):
    client = make_catalog(writer="monolith").test_client()

    response = client.post("/api/v1/catalog/products/", headers=staff, json={"name": "Mug", "price": "1"})

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "writes_moved"


def test_input_is_checked_before_write_ownership_as_in_the_monolith(make_catalog, staff):
    client = make_catalog(writer="monolith").test_client()

    response = client.post("/api/v1/catalog/products/", headers=staff, json={"price": "-1"})

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {
        "name": ["This field is required."], "price": ["Ensure this value is greater than or equal to 0."]}


def test_anonymous_writes_need_credentials_and_customers_are_not_staff(client, customer):
    anonymous = client.post("/api/v1/catalog/products/", json={})
    as_customer = client.post("/api/v1/catalog/products/", headers=customer, json={})

    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert anonymous.get_json()["error"]["code"] == "not_authenticated"
    assert as_customer.status_code == 403 and as_customer.get_json()["error"]["code"] == "permission_denied"


def test_a_bad_token_fails_even_a_read(client):
    expired = user_token(1, lifetime=-10)
    for header in (f"Bearer {expired}", "Bearer not-a-jwt", "Token abc", "Bearer a b"):
        response = client.get("/api/v1/catalog/products/", headers={"Authorization": header})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_a_token_signed_with_another_secret_is_refused(client):
    forged = user_token(1, staff=True, secret="someone-elses-secret-of-enough-length")

    response = client.post("/api/v1/catalog/products/", headers={"Authorization": f"Bearer {forged}"}, json={})

    assert response.status_code == 401


def test_a_missing_category_is_not_found_with_the_field_named(client, staff):
    response = client.post("/api/v1/catalog/products/", headers=staff,
                           json={"name": "Mug", "price": "1", "category_id": 99})

    assert response.status_code == 404
    assert response.get_json()["error"]["details"] == {"category_id": ["does not exist"]}


def test_malformed_or_non_json_bodies_get_clear_errors(client, staff):
    broken = client.post("/api/v1/catalog/products/", headers=staff, data="{", content_type="application/json")
    text = client.post("/api/v1/catalog/products/", headers=staff, data="name=x", content_type="text/plain")
    listed = client.post("/api/v1/catalog/products/", headers=staff, json=[1])
    null = client.post("/api/v1/catalog/products/", headers=staff, data="null", content_type="application/json")

    assert broken.status_code == 400 and broken.get_json()["error"]["code"] == "malformed_json"
    assert broken.get_json()["error"]["message"].startswith("JSON parse error - Expecting")
    assert text.status_code == 415
    assert text.get_json()["error"]["message"] == 'Unsupported media type "text/plain" in request.'
    assert listed.get_json()["error"]["details"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    assert null.get_json()["error"]["details"] == {"non_field_errors": ["No data provided"]}


def test_an_oversized_body_is_refused_before_it_is_read(make_catalog, staff):
    client = make_catalog(CATALOG_MAX_BODY_BYTES="100").test_client()

    response = client.post("/api/v1/catalog/products/", headers=staff, json={"name": "x" * 200, "price": "1"})

    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"


def test_categories_are_unique_by_name_and_slug(client, staff):
    first = client.post("/api/v1/catalog/categories/", headers=staff, json={"name": "Books", "slug": "books"})
    again = client.post("/api/v1/catalog/categories/", headers=staff, json={"name": "Other", "slug": "books"})

    assert first.status_code == 201 and first.get_json() == {"id": 1, "name": "Books", "slug": "books"}
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_an_unsupported_method_is_405_only_after_the_permission_check(client, staff):
    anonymous = client.delete("/api/v1/catalog/products/")
    as_staff = client.delete("/api/v1/catalog/products/", headers=staff)

    assert anonymous.status_code == 401
    assert as_staff.status_code == 405
    assert as_staff.get_json()["error"]["message"] == 'Method "DELETE" not allowed.'
    assert as_staff.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
