"""The Celery beat alternative to the relay process."""
import redis

from monolith.outbox.models import OutboxEvent
from monolith.outbox.relay_lock import single_relay
from monolith.outbox.tasks import relay_tick


def test_a_beat_tick_publishes_what_is_pending(record_sign_up, redis_url):
    record_sign_up()
    record_sign_up()

    assert relay_tick() == 2

    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0
    assert redis.Redis.from_url(redis_url).llen("sub.coupons.welcome") == 2


def test_a_beat_tick_stands_aside_while_a_relay_process_runs_where_one_relay_is_the_rule(record_sign_up,
                                                                                        one_relay_rules):
    record_sign_up()

    with single_relay():
        assert relay_tick() == 0

    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 1


def test_beat_schedules_the_tick_on_its_own_queue_and_drops_late_ticks():
    from monolith.celery import app

    entry = app.conf.beat_schedule["outbox-relay"]

    assert entry["task"] == "monolith.outbox.tasks.relay_tick"
    assert entry["options"]["queue"] == "outbox.relay" and entry["options"]["expires"] == entry["schedule"]
