from monolith.coupons.models import Coupon


def test_my_coupons_lists_only_mine(client_for, make_user):
    me, other = make_user(), make_user()
    Coupon.objects.create(user=me, code="MINE-1", kind=Coupon.PROMO, percent_off=5)
    Coupon.objects.create(user=other, code="THEIRS-1", kind=Coupon.PROMO, percent_off=5)

    body = client_for(me).get("/api/v1/coupons/").json()

    assert [c["code"] for c in body["results"]] == ["MINE-1"]
    assert body["results"][0]["used_at"] is None
