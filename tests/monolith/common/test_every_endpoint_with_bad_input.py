"""Schema-driven: every operation the OpenAPI schema lists answers junk with a clean 4xx."""
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

junk = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10,
)


def _operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method in item:
            if method in ("post", "put", "patch", "delete", "get"):
                yield method, re.sub(r"\{[^}]+\}", "1", path)


OPERATIONS = sorted(set(_operations()))


def _check(response):
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        body = response.json()
        assert set(body["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize("method,path", OPERATIONS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=junk, query=st.dictionaries(st.sampled_from(["page", "page_size", "ordering", "search",
                                                          "category", "unread"]),
                                        st.text(max_size=12), max_size=3))
def test_every_operation_answers_junk_with_a_clean_4xx_never_a_500(client_for, make_user, make_product,
                                                                   method, path, body, query):
    client = client_for(make_user(staff=True))
    make_product()
    if method == "get":
        response = client.get(path, query)
    else:
        response = getattr(client, method)(path, data=json.dumps(body), content_type="application/json")
    _check(response)
