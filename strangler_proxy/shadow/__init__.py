"""Live shadow traffic: mirror, compare, learn noise, keep results, gate the cut-over.

    policy.py            a route's [routes.compare], [routes.shadow] and [routes.gate] tables
    config.py            the STRANGLER_SHADOW_*, STRANGLER_GATE_* and STRANGLER_RECORD_* defaults
    sampling.py          which exchanges are mirrored, noise-probed or recorded; the in-flight cap
    admission.py         the first decisions on the request path: record? mirror? (sample rate, method, body)
    comparing_mirror.py  the mirror: sends, times out, drops on overload, compares, writes results
    sidecar_mirror.py    the worker's mirror with shared results: hands exchanges to its sidecar process
    sidecar.py           the sidecar process: runs a comparing mirror for its worker
    handoff.py           the wire between a worker and its sidecar
    wiring.py            which of the two mirrors a proxy worker runs
    exchange.py          one exchange compared (pure): differences, noise probe, signature, sample
    redact.py            secrets out of headers, query strings and bodies before anything is kept
    results/             per-route results shared by every worker: memory, SQLite, Redis
    metrics.py           the Prometheus counters and latency histograms of the shadow
    gate.py              the evidence `strangler flip ROUTE extracted` needs
    report_text.py       results as a terminal report
    report_html.py       results as an HTML report, differences grouped by field
    admin.py             results in the admin API (/_strangler/api/compare...)

Nothing here is imported by the package itself: the proxy and the CLI import the modules
they need, so loading the route table does not load the mirror.
"""
