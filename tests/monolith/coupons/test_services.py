import uuid

from monolith.coupons.models import Coupon
from monolith.coupons.services import coupon_issue_welcome


def test_the_same_sign_up_event_ten_times_issues_one_coupon(make_user):
    user = make_user()
    event_id = str(uuid.uuid4())

    results = [coupon_issue_welcome(user_id=user.pk, event_id=event_id) for _ in range(10)]

    assert sum(r is not None for r in results) == 1
    assert Coupon.objects.filter(user=user, kind=Coupon.WELCOME).count() == 1


def test_a_second_sign_up_event_for_one_user_still_issues_one_coupon(make_user):
    user = make_user()

    coupon_issue_welcome(user_id=user.pk, event_id=str(uuid.uuid4()))
    coupon_issue_welcome(user_id=user.pk, event_id=str(uuid.uuid4()))

    assert Coupon.objects.filter(user=user).count() == 1


def test_no_coupon_for_an_account_that_no_longer_exists(db):
    assert coupon_issue_welcome(user_id=987654, event_id=str(uuid.uuid4())) is None
    assert Coupon.objects.count() == 0
