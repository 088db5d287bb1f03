"""No request can reach a backend the route table did not choose: hostile paths end in a JSON 400."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strangler_proxy.errors import BadPath
from strangler_proxy.routing.matching import Matcher
from strangler_proxy.routing.paths import canonical_target
from strangler_proxy.routing.table import parse_table
from tests.strangler_proxy.conftest import table_text
from tests.strangler_proxy.routing.test_paths import HOSTILE_PATHS

# Raw requests whose target cannot even be put on the wire as a str are left out.
WIRE_SAFE = [p for p in HOSTILE_PATHS if all(0x21 <= ord(c) < 0x7F for c in p)]


@pytest.mark.parametrize("raw", WIRE_SAFE)
def test_a_hostile_path_gets_a_json_400_and_reaches_no_backend(make_proxy, backends, raw: str) -> None:
    proxy = make_proxy()
    reply = proxy.get(raw)
    assert reply.status == 400, raw
    assert reply.json()["error"]["code"] in ("bad_path", "bad_request")
    assert backends["monolith"].hits == [] and backends["catalog"].hits == []


def test_an_encoded_traversal_cannot_jump_from_an_extracted_route_to_the_monolith(make_proxy, backends) -> None:
    proxy = make_proxy()
    for raw in ("/api/v1/catalog/products/%2e%2e%2f%2e%2e%2forders/", "/api/v1/catalog/products/..%2Forders/"):
        assert proxy.get(raw).status == 400
    assert backends["monolith"].hits == [] and backends["catalog"].hits == []


TOKENS = ["api", "v1", "catalog", "products", "orders", "1", "..", ".", "%2e", "%2E%2e", ".%2e", "%2f", "%2F",
          "%5c", "%5C", "%00", "%25", "%252e", "%", "%zz", ";", "..;", "a;b", "%41", "~x", "", "%c3%a9", "%ff",
          "%0d%0a", "+", "@", ":"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=7), query=st.sampled_from(["", "?a=1"]))
def test_whatever_the_path_only_the_chosen_backend_sees_exactly_the_canonical_path(
        make_proxy, backends, segments: list[str], query: str) -> None:
    if not hasattr(test_whatever_the_path_only_the_chosen_backend_sees_exactly_the_canonical_path, "proxy"):
        test_whatever_the_path_only_the_chosen_backend_sees_exactly_the_canonical_path.proxy = make_proxy()
    proxy = test_whatever_the_path_only_the_chosen_backend_sees_exactly_the_canonical_path.proxy
    for backend in backends.values():
        backend.requests.clear()
    raw = "/" + "/".join(segments) + query
    reply = proxy.get(raw)
    try:
        target = canonical_target(raw)
    except BadPath:
        assert reply.status == 400
        assert backends["monolith"].hits == [] and backends["catalog"].hits == []
        return
    matcher = Matcher(parse_table(table_text(backends)).routes)
    match = matcher.match("GET", target.segments)
    expected = match.route.backend if match and match.route.backend else "monolith"
    other = "catalog" if expected == "monolith" else "monolith"
    [seen] = backends[expected].hits
    assert seen.raw_path == target.path_qs
    assert backends[other].hits == []
