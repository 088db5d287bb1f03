"""The catalog's whole migration, scripted, on SQLite and on PostgreSQL.

Seed the monolith; backfill the catalog service while the monolith keeps changing
products; see later changes arrive through ProductChanged events; verify (the
cut-over gate); move the writes; change products in the service and see them in
the monolith's read copy; place and cancel orders through the remote stock path;
verify again.
"""
from __future__ import annotations

from click.testing import CliRunner

from extracted.catalog.migration.tables import CATALOG
from extracted.common.migration.backfill import backfill
from extracted.common.migration.client import ServiceClient
from extracted.common.migration.source import MonolithSource
from strangler_proxy.cli import main as strangler
from tests.helpers import wait_for
from tests.loopback import DEV_JWT_SECRET
from tests.migration.conftest import login

P = "/api/v1/catalog/products/"


def _verify(stack) -> tuple[int, str]:
    result = CliRunner().invoke(strangler, [
        "data", "verify", "catalog", "--monolith-database-url", stack.monolith_db,
        "--service-url", stack.catalog_url, "--rechecks", "10", "--pause", "0.5"])
    return result.exit_code, result.output


def _product(http, base: str, product_id: int):
    response = http.get(f"{base}{P}{product_id}/")
    return response.json() if response.status_code == 200 else response.status_code


def _stocked(http, base: str, count: int) -> list[int]:
    products = http.get(f"{base}{P}?page_size=100&ordering=-id").json()["results"]
    return [p["id"] for p in products if p["stock"] >= 5][:count]


def test_the_catalog_moves_to_its_service_and_its_data_follows_both_ways(stack, http):
    stack.manage("seed_shop", "--products", "120", "--users", "3", "--orders", "2")
    stack.start_monolith()
    stack.start_catalog(writer="monolith")
    m, c = stack.monolith_url, stack.catalog_url
    staff, customer = login(http, stack, "staff@example.com"), login(http, stack, "user1@example.com")

    # 1. Backfill in batches while the monolith keeps serving and changing products.
    def change_products_mid_backfill(state) -> None:
        if state.table == "products" and state.batches == 2:
            http.patch(f"{m}{P}100/", headers=staff, json={"price": "1.11"}).raise_for_status()
            http.post(f"{m}{P}", headers=staff, json={"name": "Mid-backfill Kettle", "price": "9.00"}
                      ).raise_for_status()

    source = MonolithSource(stack.monolith_db)
    client = ServiceClient(base_url=c, context=CATALOG, jwt_secret=DEV_JWT_SECRET)
    report = backfill(CATALOG, source=source, client=client, batch_size=25, progress=False,
                      on_batch=change_products_mid_backfill)
    assert [t.table for t in report.tables] == ["categories", "products"] and report.tables[1].batches >= 5
    assert wait_for(lambda: _product(http, c, 100) != 404 and _product(http, c, 100)["price"] == "1.11")

    # 2. Catch-up and live sync: the monolith's changes reach the service as events.
    picked = _stocked(http, m, 3)
    http.patch(f"{m}{P}5/", headers=staff, json={"price": "42.00", "name": "Renamed Lamp"}).raise_for_status()
    http.delete(f"{m}{P}7/", headers=staff).raise_for_status()
    category = http.post(f"{m}/api/v1/catalog/categories/", headers=staff,
                         json={"name": "Tools", "slug": "tools"}).json()
    created = http.post(f"{m}{P}", headers=staff, json={"name": "Hammer", "price": "15.50", "stock": 9,
                                                          "category_id": category["id"]}).json()
    legacy_order = http.post(f"{m}/api/v1/orders/", headers=customer,
                             json={"items": [{"product_id": picked[0], "quantity": 2}]})
    assert legacy_order.status_code == 201, legacy_order.text
    monolith_stock = _product(http, m, picked[0])["stock"]

    wait_for(lambda: _product(http, c, 5) != 404 and _product(http, c, 5)["name"] == "Renamed Lamp", timeout=30)
    wait_for(lambda: _product(http, c, 7) == 404)
    wait_for(lambda: _product(http, c, created["id"]) == created)
    wait_for(lambda: _product(http, c, picked[0])["stock"] == monolith_stock)

    # 3. The gate: no drift, so the writes may move.
    code, output = _verify(stack)
    assert code == 0, output + stack.logs()

    # 4. Move the writes: the service owns products and stock; the monolith keeps a read copy.
    stack.stop_monolith()
    stack.stop_catalog()
    stack.start_catalog(writer="service")
    stack.start_monolith(STRANGLER_CATALOG_WRITER="service", STRANGLER_STOCK_BACKEND="remote")
    stack.start_monolith_worker("sub.catalog.copy")
    refused = http.post(f"{m}{P}", headers=staff, json={"name": "Late", "price": "1.00"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "writes_moved"

    # 5. Changes made in the service reach the monolith's read copy.
    http.patch(f"{c}{P}10/", headers=staff, json={"price": "3.21"}).raise_for_status()
    http.delete(f"{c}{P}11/", headers=staff).raise_for_status()
    garden = http.post(f"{c}/api/v1/catalog/categories/", headers=staff,
                       json={"name": "Sheds", "slug": "sheds"}).json()
    shed = http.post(f"{c}{P}", headers=staff, json={"name": "Shed", "price": "499.00", "stock": 5,
                                                      "category_id": garden["id"]}).json()
    assert shed["id"] > created["id"]
    wait_for(lambda: _product(http, m, 10)["price"] == "3.21", timeout=30)
    wait_for(lambda: _product(http, m, 11) == 404)
    wait_for(lambda: _product(http, m, shed["id"]) == shed)

    # 6. Orders take stock through the remote path, all or nothing, and give it back.
    before, stock_2 = _product(http, c, picked[1])["stock"], _product(http, c, picked[2])["stock"]
    order = http.post(f"{m}/api/v1/orders/", headers=customer,
                      json={"items": [{"product_id": picked[1], "quantity": 2}]})
    assert order.status_code == 201, order.text
    assert _product(http, c, picked[1])["stock"] == before - 2
    http.patch(f"{c}{P}{shed['id']}/", headers=staff, json={"stock": 1}).raise_for_status()
    too_many = http.post(f"{m}/api/v1/orders/", headers=customer,
                         json={"items": [{"product_id": picked[2], "quantity": 1},
                                         {"product_id": shed["id"], "quantity": 2}]})
    assert too_many.status_code == 409 and too_many.json()["error"]["message"] == "Only 1 of 'Shed' in stock."
    cancelled = http.post(f"{m}/api/v1/orders/{order.json()['id']}/cancel/", headers=customer)
    assert cancelled.status_code == 200 and _product(http, c, picked[1])["stock"] == before
    legacy = http.post(f"{m}/api/v1/orders/{legacy_order.json()['id']}/cancel/", headers=customer)
    assert legacy.status_code == 200 and _product(http, c, picked[0])["stock"] == monolith_stock + 2
    assert _product(http, c, picked[2])["stock"] == stock_2
    wait_for(lambda: _product(http, m, picked[0])["stock"] == monolith_stock + 2, timeout=30)

    # 7. After all that, both copies still agree.
    code, output = _verify(stack)
    assert code == 0, output + stack.logs()
    source.close()
    client.close()
