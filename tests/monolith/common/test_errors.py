"""Every failure of the API is JSON in one shape: bad input never gives a 500."""
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from monolith.orders.models import Order


def _assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}


def test_malformed_json_is_a_400_malformed_json(client_for, make_user):
    response = client_for(make_user()).post("/api/v1/orders/", data="{not json",
                                            content_type="application/json")

    _assert_error_shape(response, 400)
    assert response.json()["error"]["code"] == "malformed_json"


def test_an_oversized_body_is_a_413(client_for, make_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(make_user()).post("/api/v1/orders/", data=json.dumps({"x": "a" * 5000}),
                                            content_type="application/json")

    _assert_error_shape(response, 413)


def test_an_unknown_path_is_a_json_404(api, db):
    _assert_error_shape(api.get("/api/v1/nothing-here/"), 404)


def test_a_wrong_content_type_is_a_415(client_for, make_user):
    response = client_for(make_user()).post("/api/v1/orders/", data="items=1",
                                            content_type="application/x-www-form-urlencoded")

    _assert_error_shape(response, 415)


def test_wrong_types_and_huge_quantities_name_the_fields(client_for, make_user, make_product):
    product = make_product()
    response = client_for(make_user()).post(
        "/api/v1/orders/",
        {"items": [{"product_id": "seven", "quantity": 10**12}, {"product_id": product.pk, "quantity": -1}]},
        format="json")

    _assert_error_shape(response, 400)
    assert set(response.json()["error"]["details"]) == {"items.0.product_id", "items.0.quantity",
                                                        "items.1.quantity"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
order_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"items": json_values}),
    st.fixed_dictionaries(
        {"items": st.lists(st.fixed_dictionaries({"product_id": json_values, "quantity": json_values}),
                           max_size=3)},
        optional={"coupon_code": json_values},
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=order_bodies)
def test_any_json_sent_to_place_order_gets_a_clean_answer_and_never_a_half_order(client_for, make_user,
                                                                                make_product, body):
    product = make_product(stock=3)
    client = client_for(make_user())
    before = Order.objects.count()

    response = client.post("/api/v1/orders/", data=json.dumps(body), content_type="application/json")

    assert response.status_code in (201, 400, 404, 409), response.content
    if response.status_code == 201:
        assert Order.objects.count() == before + 1
    else:
        _assert_error_shape(response, response.status_code)
        assert Order.objects.count() == before
        product.refresh_from_db()
        assert product.stock == 3
