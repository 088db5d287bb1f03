from django.urls import path

from monolith.orders import apis

urlpatterns = [
    path("", apis.OrderListApi.as_view(), name="orders"),
    path("<int:order_id>/", apis.OrderDetailApi.as_view(), name="order"),
    path("<int:order_id>/cancel/", apis.OrderCancelApi.as_view(), name="order-cancel"),
]
