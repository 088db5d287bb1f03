from django.urls import path

from monolith.notifications import apis

urlpatterns = [
    path("", apis.MessageListApi.as_view(), name="notifications"),
    path("<int:message_id>/read/", apis.MessageReadApi.as_view(), name="notifications-read"),
]
