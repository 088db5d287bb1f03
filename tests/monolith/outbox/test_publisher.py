"""The real publisher against real Redis, a closed port, and a server that never answers."""
import base64
import json
import socket
import threading

import pytest
import redis
from celery import Celery

from monolith.outbox.errors import BrokerUnavailable
from monolith.outbox.publisher import CeleryPublisher, OutboundMessage


def _app(url: str) -> Celery:
    return Celery(broker=url, broker_transport_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5})


def _message(n: int, queue: str = "sub.tests.publisher") -> OutboundMessage:
    return OutboundMessage(task="tests.task", queue=queue, task_id=f"id-{n}", kwargs={"event_id": f"e{n}", "n": n})


def test_a_batch_lands_in_its_queues_in_order_as_celery_task_messages(redis_url):
    publisher = CeleryPublisher(_app(redis_url))
    try:
        publisher.publish([_message(n) for n in range(50)] + [_message(99, queue="sub.tests.other")])
    finally:
        publisher.close()

    raw = redis.Redis.from_url(redis_url).lrange("sub.tests.publisher", 0, -1)
    bodies = [json.loads(m) for m in reversed(raw)]  # LPUSH in, RPOP out: oldest at the right
    assert [json.loads(base64.b64decode(b["body"]))[1]["n"] for b in bodies] == list(range(50))
    assert {b["headers"]["task"] for b in bodies} == {"tests.task"}
    assert [b["headers"]["id"] for b in bodies[:2]] == ["id-0", "id-1"]
    assert redis.Redis.from_url(redis_url).llen("sub.tests.other") == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_broker_that_refuses_connections_is_reported_not_retried_forever():
    publisher = CeleryPublisher(_app(f"redis://127.0.0.1:{_closed_port()}/0"))

    with pytest.raises(BrokerUnavailable):
        publisher.publish([_message(1)])


def test_a_broker_that_accepts_but_never_answers_is_reported_after_the_socket_timeout():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_stay_silent() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    try:
        publisher = CeleryPublisher(_app(f"redis://127.0.0.1:{server.getsockname()[1]}/0"))
        with pytest.raises(BrokerUnavailable):
            publisher.publish([_message(1)])
        assert accepted  # it did reach the silent server, and gave up on it
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


def test_publishing_nothing_needs_no_broker():
    CeleryPublisher(_app(f"redis://127.0.0.1:{_closed_port()}/0")).publish([])
