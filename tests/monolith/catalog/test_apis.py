def test_product_list_is_paginated_with_count_and_links(api, make_product):
    for i in range(25):
        make_product(name=f"Item {i}")

    body = api.get("/api/v1/catalog/products/?page_size=10&page=2").json()

    assert body["count"] == 25 and len(body["results"]) == 10
    assert body["next"].endswith("page=3&page_size=10") and body["previous"]
    assert set(body["results"][0]) == {"id", "name", "description", "price", "stock", "category",
                                       "created_at", "updated_at"}


def test_price_is_a_decimal_string(api, make_product):
    product = make_product(price="12.50")

    assert api.get(f"/api/v1/catalog/products/{product.pk}/").json()["price"] == "12.50"


def test_an_unknown_product_is_404_in_the_error_shape(api, db):
    response = api.get("/api/v1/catalog/products/999999/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No such product.", "details": {}}}


def test_customers_cannot_create_products(client_for, make_user):
    response = client_for(make_user()).post("/api/v1/catalog/products/",
                                            {"name": "X", "price": "1.00"}, format="json")

    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_staff_create_update_and_delete_products(client_for, make_user):
    staff = client_for(make_user(staff=True))

    created = staff.post("/api/v1/catalog/products/", {"name": "Kite", "price": "4.20", "stock": 2},
                         format="json")
    product_id = created.json()["id"]
    patched = staff.patch(f"/api/v1/catalog/products/{product_id}/", {"price": "5.00"}, format="json")
    deleted = staff.delete(f"/api/v1/catalog/products/{product_id}/")

    assert created.status_code == 201 and patched.json()["price"] == "5.00"
    assert deleted.status_code == 204


def test_a_negative_price_is_refused_with_the_field_named(client_for, make_user):
    response = client_for(make_user(staff=True)).post(
        "/api/v1/catalog/products/", {"name": "X", "price": "-1"}, format="json")

    assert response.status_code == 400 and "price" in response.json()["error"]["details"]


def test_categories_are_listed_by_name(api, make_product):
    make_product(category="toys")
    make_product(category="books")

    assert [c["slug"] for c in api.get("/api/v1/catalog/categories/").json()] == ["books", "toys"]


def test_an_unknown_ordering_is_a_400_naming_the_field(api, db):
    response = api.get("/api/v1/catalog/products/?ordering=secret")

    assert response.status_code == 400 and "ordering" in response.json()["error"]["details"]
