"""End to end on a real broker: the monolith's relay hands UserSignedUp to this service's worker."""
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from extracted.notifications.models import Message
from extracted.notifications.runtime import EVENTS_QUEUE
from extracted.notifications.tasks import register_tasks
from tests.helpers import wait_for


def test_once_the_service_writes_messages_the_monolith_writes_none(transactional_db, settings, redis_url,
                                                                    make_notifications):
    from monolith.accounts.services import user_sign_up
    from monolith.notifications.models import Message as MonolithMessage
    from monolith.outbox.publisher import CeleryPublisher
    from monolith.outbox.relay import publish_pending

    settings.STRANGLER = {**settings.STRANGLER, "NOTIFICATIONS_WRITER": "service"}
    runtime = make_notifications(CELERY_BROKER_URL=redis_url).extensions["notifications"]
    register_tasks(runtime)
    user = user_sign_up(email="ada@example.com", password="correct-horse-9", name="Ada")
    # The monolith's relay, publishing to this test's Redis.
    publisher = CeleryPublisher(Celery("monolith-relay", broker=redis_url, set_as_current=False))
    try:
        assert publish_pending(publisher=publisher) >= 1
    finally:
        publisher.close()
    broker = redis.Redis.from_url(redis_url)
    # The relay routed the event to the service and to coupons; the monolith's own
    # notification queues got nothing: one writer, never both.
    assert broker.llen("sub.notifications.welcome") == 0 and broker.llen("sub.coupons.welcome") == 1

    with start_worker(runtime.celery, pool="solo", perform_ping_check=False, queues=[EVENTS_QUEUE],
                      shutdown_timeout=10):
        def welcomed():
            with runtime.db.transaction() as tx:
                return tx.scalars(select(Message).where(Message.user_id == user.pk)).first()

        message = wait_for(welcomed, timeout=30)

    assert message.kind == "welcome" and "Ada" in message.body
    assert not MonolithMessage.objects.exists()
