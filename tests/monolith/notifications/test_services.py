import uuid

import pytest

from monolith.common.errors import NotFound
from monolith.notifications import services
from monolith.notifications.models import Message


def test_a_redelivered_order_placed_event_sends_one_confirmation(db):
    event_id = str(uuid.uuid4())

    for _ in range(5):
        services.message_send_order_confirmation(user_id=1, order_id=7, total="9.99", event_id=event_id)

    assert Message.objects.filter(kind=Message.ORDER_CONFIRMATION).count() == 1


def test_welcome_message_uses_the_name(db):
    message = services.message_send_welcome(user_id=1, name="Ada", event_id=str(uuid.uuid4()))

    assert "Ada" in message.body


def test_marking_someone_elses_message_read_is_not_found(db):
    message = services.message_send_welcome(user_id=1, name="Ada", event_id=str(uuid.uuid4()))

    with pytest.raises(NotFound):
        services.message_mark_read(user_id=2, message_id=message.pk)
