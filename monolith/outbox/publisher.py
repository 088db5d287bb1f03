"""Handing messages to the broker: Celery task messages, one batch per call.

The relay talks to a `Publisher`, so its logic runs in tests against an in-memory
one; `CeleryPublisher` is the real thing. Messages go straight to the subscriber's
queue (the default exchange), and a batch leaves in one Redis round trip.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from kombu.utils.json import dumps

from monolith.outbox.errors import BrokerUnavailable

__all__ = ["CeleryPublisher", "InMemoryPublisher", "OutboundMessage", "Publisher"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboundMessage:
    """One Celery task call for one subscriber's queue."""

    task: str
    queue: str
    task_id: str
    kwargs: dict[str, Any]


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        """Hand every message to the broker, or raise BrokerUnavailable."""

    def close(self) -> None:
        """Release the broker connection."""


@dataclass
class InMemoryPublisher:
    """Collects messages; `fail_with` makes the next publish raise (a broker that is down)."""

    sent: list[OutboundMessage] = field(default_factory=list)
    fail_with: Exception | None = None

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        if self.fail_with is not None:
            raise BrokerUnavailable(str(self.fail_with))
        self.sent.extend(messages)

    def close(self) -> None:
        pass


class CeleryPublisher:
    """Publish through the Celery app's broker with bounded timeouts and no hidden retries.

    Retrying is the relay's job (with backoff): here a failure is reported at once,
    so a broker that is down or hanging never holds anyone for long.
    """

    def __init__(self, app=None) -> None:
        if app is None:
            from monolith.celery import app
        self.app = app
        self._connection = None
        self._producer = None

    def _ensure_producer(self):
        if self._producer is None:
            # max_retries=0: one connection attempt, bounded by socket_connect_timeout.
            self._connection = self.app.connection_for_write(transport_options={"max_retries": 0})
            self._producer = self._connection.Producer(serializer="json")
        return self._producer

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        if not messages:
            return
        amqp = self.app.amqp
        bodies: dict[int, str] = {}
        try:
            producer = self._ensure_producer()
            with producer.batch(max_size=1000):
                for message in messages:
                    task = amqp.as_task_v2(
                        message.task_id, message.task, kwargs=message.kwargs,
                        # Explicit reprs skip Celery's saferepr of the payload, a third
                        # of the cost of a message.
                        argsrepr="()", kwargsrepr=f"{{'event_id': '{message.kwargs.get('event_id', '')}'}}",
                    )
                    # The subscribers of one event share its body: serialise it once.
                    body = bodies.get(id(message.kwargs))
                    if body is None:
                        body = bodies[id(message.kwargs)] = dumps(task.body)
                    producer.publish(
                        body, exchange="", routing_key=message.queue, headers=task.headers,
                        content_type="application/json", content_encoding="utf-8", retry=False,
                        **task.properties,
                    )
        except Exception as error:  # any broker or socket failure: the relay retries later
            self.close()
            raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # a dead connection cannot be closed cleanly; drop it
                log.debug("outbox: closing the broker connection failed", exc_info=True)
