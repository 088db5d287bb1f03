from urllib.parse import parse_qs, urlsplit

from extracted.catalog.selectors import ORDERINGS


def test_an_empty_catalog_lists_no_products(client):
    response = client.get("/api/v1/catalog/products/")

    assert response.status_code == 200
    assert response.get_json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_product_reads_in_the_monolith_shape(client, put_product):
    product_id = put_product(name="Teapot", price="12.50", stock=3, description="Round.")

    body = client.get(f"/api/v1/catalog/products/{product_id}/").get_json()

    assert body == {"id": product_id, "name": "Teapot", "description": "Round.", "price": "12.50", "stock": 3,
                    "category": {"id": 1, "name": "Kitchen", "slug": "kitchen"},
                    "created_at": "2026-01-05T09:01:00Z", "updated_at": "2026-01-05T09:01:00Z"}


def test_json_is_compact_and_keeps_key_order_like_drf(client, put_product):
    put_product(name="Thé vert")

    raw = client.get("/api/v1/catalog/products/1/").data

    assert raw.startswith(b'{"id":1,"name":"Th\xc3\xa9 vert","description":""')


def test_pages_link_to_their_neighbours_with_absolute_urls(client, put_product):
    for _ in range(45):
        put_product()

    first = client.get("/api/v1/catalog/products/?search=tea&page_size=20").get_json()
    second = client.get(first["next"]).get_json()
    third = client.get("/api/v1/catalog/products/?page=3&page_size=20&search=tea").get_json()

    assert first["count"] == 45 and len(first["results"]) == 20 and first["previous"] is None
    assert first["next"] == "http://localhost/api/v1/catalog/products/?page=2&page_size=20&search=tea"
    assert second["previous"] == "http://localhost/api/v1/catalog/products/?page_size=20&search=tea"
    assert third["previous"] == "http://localhost/api/v1/catalog/products/?page=2&page_size=20&search=tea"
    assert third["next"] is None and len(third["results"]) == 5


def test_links_use_the_forwarded_host_and_scheme(client, put_product):
    for _ in range(21):
        put_product()

    body = client.get("/api/v1/catalog/products/", headers={
        "X-Forwarded-Host": "shop.example:8443", "X-Forwarded-Proto": "https"}).get_json()

    assert body["next"] == "https://shop.example:8443/api/v1/catalog/products/?page=2"


def test_page_size_is_capped_and_bad_sizes_fall_back_to_the_default(client, put_product):
    for _ in range(120):
        put_product()

    sizes = [len(client.get(f"/api/v1/catalog/products/?page_size={size}").get_json()["results"])
             for size in ("1000", "0", "-3", "abc", "7")]

    assert sizes == [100, 20, 20, 20, 7]


def test_a_page_out_of_range_is_not_found(client, put_product):
    put_product()

    for page in ("2", "0", "abc", "1.0"):
        response = client.get(f"/api/v1/catalog/products/?page={page}")
        assert response.status_code == 404
        assert response.get_json()["error"] == {"code": "not_found", "message": "Invalid page.", "details": {}}
    assert client.get("/api/v1/catalog/products/?page=last").status_code == 200


def test_filters_by_category_and_escapes_like_wildcards_in_search(client, put_product):
    put_product(name="100% Cotton Towel", category=(2, "home"))
    put_product(name="Tea_Pot", category=(1, "kitchen"))
    put_product(name="Teapot", category=(1, "kitchen"))

    def names(query: str) -> list[str]:
        return [p["name"] for p in client.get(f"/api/v1/catalog/products/?{query}").get_json()["results"]]

    assert names("category=home") == ["100% Cotton Towel"]
    assert names("search=%25") == ["100% Cotton Towel"]
    assert names("search=a_p") == ["Tea_Pot"]
    assert names("search=TEAPOT") == ["Teapot"]
    assert names("category=kitchen&search=pot") == ["Tea_Pot", "Teapot"]


def test_every_ordering_breaks_ties_by_id(client, put_product):
    put_product(name="B", price="5.00")
    put_product(name="A", price="5.00")
    put_product(name="C", price="1.00")

    def ids(ordering: str) -> list[int]:
        body = client.get(f"/api/v1/catalog/products/?ordering={ordering}").get_json()
        return [p["id"] for p in body["results"]]

    assert ids("price") == [3, 1, 2]
    assert ids("-price") == [1, 2, 3]
    assert ids("name") == [2, 1, 3]
    assert ids("-created_at") == [3, 2, 1]
    assert len(ORDERINGS) == 8


def test_an_unknown_ordering_is_a_bad_request_naming_the_choices(client):
    response = client.get("/api/v1/catalog/products/?ordering=stock")

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert response.get_json()["error"]["details"]["ordering"][0].startswith("Choose one of: id, -id")


def test_invalid_filters_answer_invalid_input_per_field(client):
    response = client.get("/api/v1/catalog/products/?category=not%20a%20slug&search=%20%20")

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {
        "category": ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'],
        "search": ["This field may not be blank."],
    }


def test_the_last_value_of_a_repeated_parameter_wins(client, put_product):
    put_product(name="A", category=(1, "kitchen"))
    put_product(name="B", category=(2, "garden"))

    body = client.get("/api/v1/catalog/products/?category=kitchen&category=garden").get_json()

    assert [p["name"] for p in body["results"]] == ["B"]


def test_unknown_products_and_paths_are_not_found(client):
    assert client.get("/api/v1/catalog/products/424242/").get_json()["error"]["message"] == "No such product."
    assert client.get(f"/api/v1/catalog/products/{2**70}/").status_code == 404
    unknown = client.get("/api/v1/catalog/nothing/")
    assert unknown.status_code == 404 and unknown.data == (
        b'{"error": {"code": "not_found", "message": "No such resource.", "details": {}}}')


def test_a_path_without_its_slash_redirects_like_django(client):
    response = client.get("/api/v1/catalog/products?page=2")

    assert response.status_code == 301
    assert response.headers["Location"] == "/api/v1/catalog/products/?page=2"


def test_categories_are_listed_by_name_without_pagination(client, put_product):
    put_product(category=(2, "toys"))
    put_product(category=(1, "books"))

    assert client.get("/api/v1/catalog/categories/").get_json() == [
        {"id": 1, "name": "Books", "slug": "books"}, {"id": 2, "name": "Toys", "slug": "toys"}]


def test_a_bad_host_header_is_refused(client):
    response = client.get("/api/v1/catalog/products/", headers={"Host": "bad host"})

    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_an_accept_header_without_json_is_not_acceptable(client):
    response = client.get("/api/v1/catalog/products/", headers={"Accept": "text/html"})

    assert response.status_code == 406 and response.get_json()["error"]["code"] == "not_acceptable"


def test_next_link_query_is_sorted_and_reencoded_like_drf(client, put_product):
    for _ in range(3):
        put_product(name="A b")

    body = client.get("/api/v1/catalog/products/?search=a%20b&page_size=1&ordering=id").get_json()

    query = parse_qs(urlsplit(body["next"]).query)
    assert body["next"].endswith("?ordering=id&page=2&page_size=1&search=a+b")
    assert query["search"] == ["a b"]
