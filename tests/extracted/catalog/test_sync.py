"""Applying the monolith's product events: once each, newest version wins, no resurrection."""
import datetime as dt
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extracted.catalog.models import Product, ProductTombstone
from extracted.catalog.sync import event_apply

T0 = "2026-01-05T09:00:00Z"


def changed(version: int, *, product_id: int = 5, price: str = "1.00", origin: str = "monolith",
            category: dict | None = None) -> tuple[str, str, dict]:
    snapshot = {"id": product_id, "name": f"Teapot v{version}", "description": "", "price": price,
                "stock": version, "category": category, "created_at": T0,
                "updated_at": f"2026-01-05T09:{version:02d}:00.000123Z"}
    return str(uuid.uuid4()), "ProductChanged", {
        "product_id": product_id, "product": {**snapshot, "version": version}, "version": version,
        "origin": origin}


def deleted(version: int, *, product_id: int = 5) -> tuple[str, str, dict]:
    return str(uuid.uuid4()), "ProductDeleted", {"product_id": product_id, "version": version,
                                                 "origin": "monolith"}


def apply(runtime, event) -> str:
    event_id, event_type, payload = event
    with runtime.db.transaction() as tx:
        return event_apply(tx, event_id=event_id, event_type=event_type, payload=payload)


def product(runtime, product_id: int = 5) -> Product | None:
    with runtime.db.transaction() as tx:
        return tx.get(Product, product_id)


def test_a_change_creates_the_product_with_its_category_and_timestamps(runtime):
    outcome = apply(runtime, changed(1, price="12.50", category={"id": 3, "name": "Kitchen", "slug": "kitchen"}))

    stored = product(runtime)
    assert outcome == "applied"
    assert (stored.name, stored.price_cents, stored.category.slug, stored.version) == ("Teapot v1", 1250, "kitchen", 1)
    assert stored.updated_at == dt.datetime(2026, 1, 5, 9, 1, 0, 123, tzinfo=dt.timezone.utc)


def test_the_same_event_twice_is_applied_once(runtime):
    event = changed(1)

    assert [apply(runtime, event), apply(runtime, event)] == ["applied", "duplicate"]


def test_an_older_version_never_overwrites_a_newer_one(runtime):
    apply(runtime, changed(3))

    assert apply(runtime, changed(2)) == "stale"
    assert product(runtime).version == 3


def test_a_deleted_product_is_not_brought_back_by_a_late_change(runtime):
    apply(runtime, changed(1))
    apply(runtime, deleted(3))

    assert apply(runtime, changed(2)) == "stale"
    assert product(runtime) is None
    with runtime.db.transaction() as tx:
        assert tx.get(ProductTombstone, 5).version == 3


def test_our_own_events_coming_back_are_ignored(runtime):
    assert apply(runtime, changed(1, origin="service")) == "ignored"
    assert product(runtime) is None


# Each example builds its own database file, so the fixture's reuse is harmless.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_delivery_order_with_repeats_ends_at_the_latest_state(make_catalog, tmp_path, data):
    database = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    runtime = make_catalog(database_url=f"sqlite:///{database}").extensions["catalog"]
    history = [changed(v, product_id=9, price=f"{v}.00") for v in range(1, 5)]
    if data.draw(st.booleans(), label="ends deleted"):
        history.append(deleted(5, product_id=9))
    deliveries = data.draw(st.permutations(history + data.draw(
        st.lists(st.sampled_from(history), max_size=4), label="repeats")), label="order")

    for event in deliveries:
        apply(runtime, event)

    final = product(runtime, 9)
    if history[-1][1] == "ProductDeleted":
        assert final is None
    else:
        assert (final.version, final.price_cents, final.stock) == (4, 400, 4)
    runtime.db.dispose()
