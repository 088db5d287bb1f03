"""The service's end of `strangler data`: batches with their watermark, range checksums."""
from extracted.catalog.models import Product

ROW = {"name": "Teapot", "description": "", "price": "12.50", "stock": 3, "category_id": None,
       "created_at": "2026-01-05T09:00:00.000000Z", "updated_at": "2026-01-05T09:00:00.000000Z", "version": 1}


def push(client, headers, after, rows, table="products"):
    return client.post(f"/internal/v1/catalog/backfill/{table}/", headers=headers,
                       json={"after": after, "rows": rows})


def test_a_batch_moves_the_watermark_with_it(client, service_caller):
    response = push(client, service_caller, 0, [{**ROW, "id": 1}, {**ROW, "id": 4}])

    assert response.get_json() == {"table": "products", "last_id": 4, "applied": 2, "unchanged": 0}
    assert client.get("/internal/v1/catalog/backfill/products/", headers=service_caller).get_json()["last_id"] == 4


def test_a_batch_from_a_stale_watermark_is_refused(client, service_caller):
    push(client, service_caller, 0, [{**ROW, "id": 1}])

    response = push(client, service_caller, 0, [{**ROW, "id": 2}])

    assert response.status_code == 409


def test_a_malformed_row_rejects_the_whole_batch_and_keeps_the_watermark(client, runtime, service_caller):
    response = push(client, service_caller, 0, [{**ROW, "id": 1}, {**ROW, "id": 2, "price": "lots"}])

    assert response.status_code == 400 and "row 1 (id 2)" in response.get_json()["error"]["message"]
    with runtime.db.transaction() as tx:
        assert tx.get(Product, 1) is None
    assert client.get("/internal/v1/catalog/backfill/products/", headers=service_caller).get_json()["last_id"] == 0


def test_rows_must_come_in_id_order_above_the_watermark(client, service_caller):
    response = push(client, service_caller, 5, [{**ROW, "id": 5}])

    assert response.status_code == 400


def test_a_row_whose_category_is_not_copied_yet_says_so(client, service_caller):
    response = push(client, service_caller, 0, [{**ROW, "id": 1, "category_id": 8}])

    assert response.status_code == 409 and response.get_json()["error"]["code"] == "dependency_missing"


def test_copying_an_older_version_changes_nothing(client, runtime, service_caller, put_product):
    put_product(id=1, version=5, name="Newer")

    response = push(client, service_caller, 0, [{**ROW, "id": 1, "version": 4}])

    assert response.get_json()["unchanged"] == 1
    with runtime.db.transaction() as tx:
        assert tx.get(Product, 1).name == "Newer"


def test_ranges_are_counted_and_checksummed(client, service_caller):
    push(client, service_caller, 0, [{**ROW, "id": 1}, {**ROW, "id": 2}, {**ROW, "id": 7}])

    ranges = client.post("/internal/v1/catalog/reconcile/products/ranges/", headers=service_caller,
                         json={"start": 1, "end": 7, "size": 5}).get_json()["ranges"]
    rows = client.post("/internal/v1/catalog/reconcile/products/rows/", headers=service_caller,
                       json={"start": 1, "end": 2}).get_json()["rows"]

    assert [(r["start"], r["end"], r["count"]) for r in ranges] == [(1, 5, 2), (6, 7, 1)]
    assert rows[0] == {**ROW, "id": 1}


def test_unknown_tables_and_user_tokens_are_refused(client, service_caller, staff):
    assert client.get("/internal/v1/catalog/backfill/users/", headers=service_caller).status_code == 404
    assert client.get("/internal/v1/catalog/backfill/products/", headers=staff).status_code == 403
