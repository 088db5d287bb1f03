"""Sign up, browse, order with the welcome coupon: side jobs run on a real Celery worker."""
from monolith.coupons.models import Coupon
from monolith.notifications.models import Message
from tests.helpers import wait_for


def test_the_shop_works_end_to_end_with_side_jobs_on_a_real_worker(api, make_product, celery_worker):
    product = make_product(price="20.00", stock=5)

    signed_up = api.post("/api/v1/accounts/signup/",
                         {"email": "ada@example.com", "password": "correct-horse-9", "name": "Ada"},
                         format="json")
    token = api.post("/api/v1/accounts/login/", {"email": "ada@example.com", "password": "correct-horse-9"},
                     format="json").json()["access"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    listed = api.get("/api/v1/catalog/products/?search=teapot").json()
    coupons = wait_for(lambda: api.get("/api/v1/coupons/").json()["results"])
    order = api.post("/api/v1/orders/", {"items": [{"product_id": product.pk, "quantity": 1}],
                                        "coupon_code": coupons[0]["code"]}, format="json")
    messages = wait_for(lambda: (r := api.get("/api/v1/notifications/").json()["results"])
                        and len(r) == 2 and r)

    assert signed_up.status_code == 201 and listed["count"] == 1
    assert order.status_code == 201 and order.json()["total"] == "18.00"
    assert sorted(m["kind"] for m in messages) == ["order_confirmation", "welcome"]
    user_id = signed_up.json()["id"]
    assert Coupon.objects.filter(user_id=user_id).count() == 1
    assert Message.objects.filter(user_id=user_id).count() == 2
