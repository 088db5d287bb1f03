"""The default shadow mirror: safe requests replayed off the request path, the rest counted and skipped."""
from __future__ import annotations

from multidict import CIMultiDict, CIMultiDictProxy

from strangler_proxy.errors import UpstreamUnreachable
from strangler_proxy.metrics import ProxyMetrics
from strangler_proxy.mirror import BackendMirror, MirroredRequest, MirroredResponse
from strangler_proxy.routing.model import Mode, RouteSpec, RouteState

ROUTE = RouteSpec("products", ("/p/",), None, "catalog", "catalog", RouteState(Mode.SHADOW))
PRIMARY = MirroredResponse(200, (("Content-Type", "application/json"),), b"{}")


class FakeUpstream:
    def __init__(self, fail: bool = False) -> None:
        self.sent = []
        self.fail = fail

    async def send(self, backend, request):
        self.sent.append((backend, request))
        if self.fail:
            raise UpstreamUnreachable("down", backend=backend, request_sent=False)

        class Answer:
            status, reason, instance, body = 200, "OK", "http://x", None
            headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))

            async def read(self):
                return b'{"shadow": true}'

            def release(self):
                pass

        return Answer()


class Comparing(BackendMirror):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairs = []

    async def compared(self, route, request, primary, shadow):
        self.pairs.append((primary, shadow))


def outcomes(metrics: ProxyMetrics) -> dict[str, float]:
    return {s.labels["outcome"]: s.value for m in metrics.registry.collect() for s in m.samples
            if s.name == "strangler_mirror_total"}


def request(method: str = "GET", truncated: bool = False) -> MirroredRequest:
    return MirroredRequest("rid", method, "/p/?q=1", (("Accept", "application/json"),), None if truncated else b"",
                           body_truncated=truncated)


def test_safe_requests_are_replayed_and_both_answers_reach_the_comparison_hook(loop_thread) -> None:
    upstream, metrics = FakeUpstream(), ProxyMetrics(multiprocess=False)
    mirror = Comparing(upstream, metrics)

    async def run():
        await mirror.start()
        mirror.submit(ROUTE, request(), PRIMARY)
        await mirror.drain()
        await mirror.stop()

    loop_thread.run(run())
    [(backend, sent)] = upstream.sent
    assert backend == "catalog" and sent.path_qs == "/p/?q=1" and sent.headers["X-Strangler-Shadow"] == "1"
    [(primary, shadow)] = mirror.pairs
    assert primary is PRIMARY and shadow.status == 200 and shadow.body == b'{"shadow": true}'
    assert outcomes(metrics) == {"sent": 1}


def test_unsafe_or_truncated_requests_are_skipped_and_failures_counted(loop_thread) -> None:
    upstream, metrics = FakeUpstream(fail=True), ProxyMetrics(multiprocess=False)
    mirror = BackendMirror(upstream, metrics)

    async def run():
        await mirror.start()
        mirror.submit(ROUTE, request("POST"), PRIMARY)
        mirror.submit(ROUTE, request(truncated=True), PRIMARY)
        mirror.submit(ROUTE, request(), PRIMARY)
        await mirror.drain()
        await mirror.stop()

    loop_thread.run(run())
    assert outcomes(metrics) == {"skipped": 2, "failed": 1}


def test_a_full_queue_drops_instead_of_blocking_the_request_path(loop_thread) -> None:
    metrics = ProxyMetrics(multiprocess=False)
    mirror = BackendMirror(FakeUpstream(), metrics, queue_size=2)

    async def run():
        for _ in range(5):  # workers not started: nothing drains the queue
            mirror.submit(ROUTE, request(), PRIMARY)

    loop_thread.run(run())
    assert outcomes(metrics) == {"dropped": 3}


def test_wire_headers_read_as_the_pairs_the_forwarder_would_have_decoded() -> None:
    import pickle

    from strangler_proxy.forwarding.headers import HeadLines
    from strangler_proxy.forwarding.upstream import OutboundRequest
    from strangler_proxy.mirror import WireHeaders, answer_headers, request_headers

    outbound = OutboundRequest("POST", "/p/", body=b"hello",
                               head=HeadLines(b"Host: catalog\r\nAccept: */*\r\nX-Note: a: b\r\n", b"5"))
    handed = request_headers(outbound)
    assert isinstance(handed, WireHeaders) and handed == tuple(outbound.headers.items())
    assert list(handed) == [("Host", "catalog"), ("Accept", "*/*"), ("X-Note", "a: b"), ("Content-Length", "5")]
    assert pickle.loads(pickle.dumps(handed)) == handed and CIMultiDict(handed)["accept"] == "*/*"

    class Answer:
        raw_headers = [(b"Content-Type", b"content-type", b"application/json"), (b"Set-Cookie", b"set-cookie", b"a=1"),
                       (b"Set-Cookie", b"set-cookie", b"b=2")]
        headers = CIMultiDictProxy(CIMultiDict([("Content-Type", "application/json"), ("Set-Cookie", "a=1"),
                                                ("Set-Cookie", "b=2")]))

    assert answer_headers(Answer()) == tuple(Answer.headers.items())
    assert request_headers(OutboundRequest("GET", "/p/", CIMultiDict({"Accept": "*/*"}))) == (("Accept", "*/*"),)
