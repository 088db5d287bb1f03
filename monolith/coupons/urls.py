from django.urls import path

from monolith.coupons import apis

urlpatterns = [path("", apis.CouponListApi.as_view(), name="coupons")]
