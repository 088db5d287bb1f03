"""Several relays on one PostgreSQL outbox: every event published once, each aggregate in order."""
import base64
import json
from collections import defaultdict

from tests.reliability.conftest import wait_until

QUEUE = "sub.notifications.order_confirmation"
AGGREGATES, PER_AGGREGATE = 5, 100


def _queued_events(stack) -> list[str]:
    """Event ids in the queue, oldest first (LPUSH in, RPOP out)."""
    raw = stack.redis().lrange(QUEUE, 0, -1)
    return [json.loads(base64.b64decode(json.loads(m)["body"]))[1]["event_id"] for m in reversed(raw)]


def test_two_relays_publish_every_event_once_and_keep_each_aggregates_order(make_stack, redis_url,
                                                                         postgres_database):
    stack = make_stack(redis_url=redis_url, database_url=postgres_database)
    first = stack.start_relay("relay-1", "--batch-size", "10")
    second = stack.start_relay("relay-2", "--batch-size", "10")

    # One transaction, aggregates interleaved: each relay's batch holds events whose
    # earlier siblings sit in the other relay's batch.
    stack.sql("INSERT INTO outbox_outboxevent (id, aggregate_type, aggregate_id, event_type, payload, created_at, "
              "position, attempts, last_error) "
              "SELECT gen_random_uuid(), 'order', mod(n, ?)::text, 'OrderPlaced', json_build_object("
              "'order_id', mod(n, ?), 'user_id', 1, 'total', '1.00', 'item_count', n), now(), "
              "nextval('outbox_position_seq'), 0, '' FROM generate_series(1, ?) AS n",
              (AGGREGATES, AGGREGATES, AGGREGATES * PER_AGGREGATE))
    positions = dict(stack.sql("SELECT id::text, position FROM outbox_outboxevent"))
    aggregate_of = dict(stack.sql("SELECT id::text, aggregate_id FROM outbox_outboxevent"))
    wait_until(lambda: stack.count("outbox_outboxevent", "published_at IS NULL") == 0, timeout=120,
               what="every event published")
    first.stop()
    second.stop()

    queued = _queued_events(stack)
    assert sorted(queued) == sorted(positions)  # each event exactly once
    seen: dict[str, list[int]] = defaultdict(list)
    for event_id in queued:
        seen[aggregate_of[event_id]].append(positions[event_id])
    assert all(sequence == sorted(sequence) for sequence in seen.values())
