"""Pagination links are built exactly as Django and DRF build them, for any query string and host."""
from django.test import RequestFactory, override_settings
from flask import Flask, request
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.utils.urls import remove_query_param as drf_remove
from rest_framework.utils.urls import replace_query_param as drf_replace

from extracted.common.http import absolute_uri, remove_query_param, replace_query_param, request_host

QUERY_BYTES = st.binary(max_size=40) | st.lists(
    st.sampled_from(list("abc=&+%20;é☃ /?#[]") + ["%C3%A9", "%ZZ", "page=2", "page_size=5"]),
    max_size=12).map(lambda parts: "".join(parts).encode("utf-8"))
HOSTS = st.sampled_from([{}, {"HTTP_X_FORWARDED_HOST": "shop.example:8443"},
                         {"HTTP_X_FORWARDED_HOST": "shop.example", "HTTP_X_FORWARDED_PROTO": "https"},
                         {"HTTP_X_FORWARDED_PROTO": "http,https"}])
APP = Flask(__name__)


@override_settings(USE_X_FORWARDED_HOST=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
                   ALLOWED_HOSTS=["*"])
@settings(max_examples=300, deadline=None)
@given(QUERY_BYTES, HOSTS, st.sampled_from(["/api/v1/catalog/products/", "/api/v1/notifications/"]))
def test_next_and_previous_links_equal_drfs(query, headers, path):
    environ = {"QUERY_STRING": query.decode("latin-1"), "HTTP_HOST": "127.0.0.1:8001", **headers}
    django_request = RequestFactory().get(path, **environ)
    django_url = django_request.build_absolute_uri()
    with APP.test_request_context(path, environ_overrides=environ):
        ours = absolute_uri(request, request_host(request, ("*",)))

    assert ours == django_url
    assert replace_query_param(ours, "page", 3) == drf_replace(django_url, "page", 3)
    assert remove_query_param(ours, "page") == drf_remove(django_url, "page")
