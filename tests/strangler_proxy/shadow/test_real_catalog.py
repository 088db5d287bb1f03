"""Shadow against the real services: the Django monolith and the extracted catalog, holding the same shop."""
from __future__ import annotations

import httpx
import pytest

from tests.contract.conftest import read_world  # noqa: F401 - the fixture: both real sides on loopback

P = "/api/v1/catalog/products/"
C = "/api/v1/catalog/categories/"
# The world is seeded into the test database, which only a django_db test may touch.
pytestmark = pytest.mark.django_db

PATHS = [P, f"{P}?page=2", f"{P}?page=3", f"{P}1/", f"{P}7/", f"{P}45/", f"{P}999/", C, f"{C}1/"]


def test_shadowing_the_real_catalog_serves_the_monolith_byte_for_byte_and_finds_no_real_difference(
        read_world, shadow_proxy):  # noqa: F811 - read_world is the imported fixture
    monolith = read_world.monolith.base_url
    proxy = shadow_proxy(urls={"monolith": monolith, "catalog": read_world.catalog.base_url})
    for path in PATHS * 2:
        reply = proxy.get(path, {"X-Request-ID": "real-1"})
        direct = httpx.get(monolith + path, headers={"X-Forwarded-Host": "proxy.test", "X-Forwarded-Proto": "http",
                                                     "X-Request-ID": "real-1"})
        assert reply.header("X-Strangler-Backend") == "monolith"
        assert (reply.status, reply.body) == (direct.status_code, direct.content), path
    proxy.drain()
    summary = proxy.summary()
    assert summary.error_total == 0 and summary.noise_probes == len(PATHS) * 2
    assert summary.compared == len(PATHS) * 2
    assert summary.mismatched == 0, [f.to_dict() for f in summary.fields if f.label == "real"]
