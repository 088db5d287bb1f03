"""Shop traffic through the proxy: product reads as browsing customers make them.

The mix walks list pages, product details, category filters, searches and orderings, so a
shadowed route sees every shape of answer; a few unknown ids and out-of-range pages bring
the 404s too. Requests take turns among the given customers' tokens: a canary is sticky
per user, so only traffic from many users shows its share. Bounded in requests and
concurrency; loopback by default.
"""
from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

__all__ = ["TrafficReport", "product_paths", "traffic_send"]

_CATEGORIES = ("books", "kitchen", "garden", "toys", "outdoor", "office")
_SEARCHES = ("lamp", "tea", "chair", "guide", "set")
_ORDERINGS = ("name", "-price", "price", "-created_at")


def product_paths() -> Iterator[str]:
    """Yield product reads forever, in a fixed order."""
    for round_ in itertools.count():
        for page in range(1, 16):
            yield f"/api/v1/catalog/products/?page={page}"
            yield f"/api/v1/catalog/products/{(round_ * 15 + page) % 300 + 1}/"
            yield f"/api/v1/catalog/products/{(round_ * 41 + page * 7) % 300 + 1}/"
        for category in _CATEGORIES:
            yield f"/api/v1/catalog/products/?category={category}&page_size=10"
        for search, ordering in zip(_SEARCHES, itertools.cycle(_ORDERINGS)):
            yield f"/api/v1/catalog/products/?search={search}&ordering={ordering}"
        yield "/api/v1/catalog/products/999999/"
        yield "/api/v1/catalog/products/?page=99"


@dataclass
class TrafficReport:
    """What came back: answers per (backend, status), and requests that got no answer."""

    sent: int = 0
    answers: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)

    def rows(self) -> list[tuple[str, int, int]]:
        """Return (backend, status, count) rows, most frequent first."""
        return [(backend, status, count) for (backend, status), count in self.answers.most_common()]


def traffic_send(base_url: str, *, requests: int, concurrency: int = 4, timeout: float = 10.0,
                 tokens: Sequence[str] = (), progress: Callable[[int], None] | None = None) -> TrafficReport:
    """Send `requests` product reads to `base_url` (as the `tokens`' users in turn); never raise for a failure."""
    report = TrafficReport()
    paths = list(itertools.islice(product_paths(), requests))
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens] or [{}]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(base_url=base_url, timeout=timeout, limits=limits) as client:

        def one(index: int) -> tuple[str, int] | str:
            try:
                response = client.get(paths[index], headers=headers[index % len(headers)])
            except httpx.HTTPError as error:
                return type(error).__name__
            return response.headers.get("X-Strangler-Backend", "(no proxy header)"), response.status_code

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for outcome in pool.map(one, range(len(paths))):
                report.sent += 1
                if isinstance(outcome, str):
                    report.failures[outcome] += 1
                else:
                    report.answers[outcome] += 1
                if progress is not None:
                    progress(1)
    return report
