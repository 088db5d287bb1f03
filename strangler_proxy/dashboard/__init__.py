"""The proxy's live dashboard at /_strangler/: routes and modes, traffic split, errors, latency, circuits,
shadow mismatches, the audit history, charts over time, and flips (admin token required).

    web.py        the page, its assets and the data endpoints (see there for the paths)
    live.py       the overview: modes from the route store, live figures from the metrics of every worker
    sampler.py    the background task writing each worker's per-interval counter gains
    store/        where samples live: beside the route store (SQLite file, or the same Redis)
    counters.py   Prometheus counters flattened to (route, backend, name) and their deltas
    summary.py    per-route and per-backend figures: split, error rate, percentiles, fallbacks
    timeline.py   stored samples as chart arrays
    histogram.py  percentiles from histogram buckets
    index.html, dashboard.js, dashboard.css   the page: no build step, no CDN, charts in inline SVG

Why samples and not a Prometheus query: the proxy must show its history with nothing else
running. Each worker adds its own gains to shared buckets, so the charts cover every worker
(and every host on a shared Redis) and the time before the page was opened.
"""
from __future__ import annotations

from strangler_proxy.dashboard.component import Dashboard

__all__ = ["Dashboard"]
