from django.urls import path

from monolith.accounts import apis

urlpatterns = [
    path("signup/", apis.SignUpApi.as_view(), name="accounts-signup"),
    path("login/", apis.LogInApi.as_view(), name="accounts-login"),
    path("me/", apis.MeApi.as_view(), name="accounts-me"),
]
