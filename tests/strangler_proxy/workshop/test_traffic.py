"""Workshop traffic: bounded, counted by who answered, and never raising for a failed request."""
import itertools

from strangler_proxy.workshop.traffic import product_paths, traffic_send
from tests.loopback import free_port, serve_wsgi


def _shop(environ, start_response):
    backend = "catalog" if "page=2" in environ.get("QUERY_STRING", "") else "monolith"
    status = "404 Not Found" if environ["PATH_INFO"].endswith("/999999/") else "200 OK"
    seen.append(environ.get("HTTP_AUTHORIZATION"))
    start_response(status, [("Content-Type", "application/json"), ("X-Strangler-Backend", backend)])
    return [b"{}"]


seen: list = []


def test_traffic_sends_exactly_the_requests_asked_and_counts_answers_by_backend_and_status():
    seen.clear()
    with serve_wsgi(_shop) as url:
        report = traffic_send(url, requests=120, concurrency=3, tokens=["a", "b"])

    assert report.sent == 120 and not report.failures
    assert sum(count for _, _, count in report.rows()) == 120
    assert report.answers[("catalog", 200)] >= 1 and report.answers[("monolith", 404)] == 2  # once per round of the mix
    assert set(seen) == {"Bearer a", "Bearer b"}


def test_traffic_to_nothing_counts_failures_instead_of_raising():
    report = traffic_send(f"http://127.0.0.1:{free_port()}", requests=5, concurrency=2, timeout=2)

    assert report.sent == 5 and sum(report.failures.values()) == 5 and not report.answers


def test_the_same_traffic_every_time():
    assert list(itertools.islice(product_paths(), 300)) == list(itertools.islice(product_paths(), 300))
