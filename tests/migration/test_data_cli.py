"""`strangler data`: tables and JSON, drift listed with exit 1, every failure one line with exit 2."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from extracted.catalog import create_app
from extracted.catalog.config import read_config
from extracted.catalog.models import Product
from strangler_proxy.cli import main as strangler
from tests.loopback import free_port, serve_wsgi

PRODUCT_COLUMNS = ("id INTEGER PRIMARY KEY, name TEXT, description TEXT, price NUMERIC, stock INTEGER, "
                   "category_id INTEGER, created_at TEXT, updated_at TEXT, version INTEGER")


@pytest.fixture
def monolith_db(tmp_path) -> str:
    """The two catalog tables of the monolith, as Django writes them on SQLite."""
    path = tmp_path / "monolith.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE catalog_category (id INTEGER PRIMARY KEY, name TEXT, slug TEXT)")
        db.execute(f"CREATE TABLE catalog_product ({PRODUCT_COLUMNS})")
        db.execute("INSERT INTO catalog_category VALUES (1, 'Kitchen', 'kitchen')")
        db.executemany("INSERT INTO catalog_product VALUES (?, ?, '', ?, 3, ?, ?, ?, 1)", [
            (i, f"Product {i}", 12.5 if i % 2 else 7, 1 if i % 3 else None,
             "2026-01-05 09:00:00.123456", "2026-01-05 10:00:00") for i in range(1, 31)])
    return f"sqlite:///{path}"


@pytest.fixture
def service(tmp_path):
    app = create_app(read_config({"STRANGLER_VAR_DIR": str(tmp_path / "svc"), "CELERY_BROKER_URL": "memory://"}))
    with serve_wsgi(app) as url:
        yield url, app.extensions["catalog"]


def data(*args: str):
    return CliRunner().invoke(strangler, ["data", *args])


def test_backfill_prints_a_table_and_verify_finds_no_drift(monolith_db, service):
    url, _ = service

    copied = data("backfill", "catalog", "--monolith-database-url", monolith_db, "--service-url", url,
                  "--batch-size", "7", "--quiet")
    checked = data("verify", "catalog", "--monolith-database-url", monolith_db, "--service-url", url,
                   "--range-size", "10")

    assert copied.exit_code == 0, copied.output
    assert copied.output.splitlines()[0].split() == ["table", "from", "id", "to", "id", "rows", "read", "rows",
                                                     "changed", "batches"]
    assert "products    0        30     30         30            5" in copied.output
    assert checked.exit_code == 0 and checked.output.strip().endswith("no drift")


def test_a_second_backfill_copies_only_what_is_new(monolith_db, service):
    url, _ = service
    args = ["backfill", "catalog", "--monolith-database-url", monolith_db, "--service-url", url, "--json"]
    data(*args)
    with sqlite3.connect(monolith_db.removeprefix("sqlite:///")) as db:
        db.execute("INSERT INTO catalog_product VALUES (31, 'New', '', 1, 1, NULL, '2026-01-06 09:00:00', "
                   "'2026-01-06 09:00:00', 1)")

    again = json.loads(data(*args).output)

    assert [(t["table"], t["from_id"], t["rows"]) for t in again["tables"]] == [("categories", 1, 0),
                                                                                 ("products", 30, 1)]


def test_verify_lists_every_drifted_row_and_exits_1(monolith_db, service):
    url, runtime = service
    data("backfill", "catalog", "--monolith-database-url", monolith_db, "--service-url", url, "--quiet")
    with runtime.db.transaction() as tx:
        tx.execute(update(Product).where(Product.id == 4).values(stock=99))
        tx.delete(tx.get(Product, 17))
    with sqlite3.connect(monolith_db.removeprefix("sqlite:///")) as db:
        db.execute("DELETE FROM catalog_product WHERE id = 23")

    result = data("verify", "catalog", "--monolith-database-url", monolith_db, "--service-url", url, "--json")

    report = json.loads(result.output)
    assert result.exit_code == 1 and report["clean"] is False
    assert [(d["id"], d["problem"], d["fields"]) for d in report["drift"]] == [
        (4, "differs", ["stock"]), (17, "missing_in_service", []), (23, "missing_in_monolith", [])]
    table = data("verify", "catalog", "--monolith-database-url", monolith_db, "--service-url", url)
    assert table.exit_code == 1 and "DRIFT" in table.output and "missing_in_service" in table.output


def test_status_shows_the_watermark_and_both_counts(monolith_db, service):
    url, _ = service
    data("backfill", "catalog", "--monolith-database-url", monolith_db, "--service-url", url, "--quiet",
         "--batch-size", "10")

    status = json.loads(data("status", "catalog", "--monolith-database-url", monolith_db,
                             "--service-url", url, "--json").output)

    assert status[1] == {"table": "products", "watermark": 30, "monolith_max_id": 30, "monolith_rows": 30,
                         "service_rows": 30}


@pytest.mark.parametrize("args, message", [
    (["--monolith-database-url", "sqlite:////nowhere/monolith.sqlite3"], "does not exist"),
    (["--service-url", f"http://127.0.0.1:{free_port()}"], "did not answer"),
])
def test_failures_are_one_line_with_exit_2(monolith_db, args, message):
    result = data("backfill", "catalog", "--monolith-database-url", monolith_db, *args, "--quiet")

    assert result.exit_code == 2
    assert result.output.strip().startswith("strangler: ") and message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_database_that_is_not_the_monoliths_is_named(tmp_path, service):
    url, _ = service
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()

    result = data("verify", "catalog", "--monolith-database-url", f"sqlite:///{empty}", "--service-url", url)

    assert result.exit_code == 2 and "no such table: catalog_category" in result.output


def test_bad_arguments_are_refused_before_anything_runs():
    assert data("backfill", "orders").exit_code == 2
    assert data("backfill", "catalog", "--batch-size", "0").exit_code == 2
