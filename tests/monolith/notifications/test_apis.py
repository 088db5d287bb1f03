import uuid

from monolith.notifications import services


def test_my_messages_are_listed_newest_first_and_can_be_marked_read(client_for, make_user):
    user = make_user()
    services.message_send_welcome(user_id=user.pk, name="Ada", event_id=str(uuid.uuid4()))
    services.message_send_order_confirmation(user_id=user.pk, order_id=3, total="1.00",
                                             event_id=str(uuid.uuid4()))
    client = client_for(user)

    messages = client.get("/api/v1/notifications/").json()["results"]
    read = client.post(f"/api/v1/notifications/{messages[0]['id']}/read/")
    unread = client.get("/api/v1/notifications/?unread=true").json()["results"]

    assert [m["kind"] for m in messages] == ["order_confirmation", "welcome"]
    assert read.json()["read_at"] is not None
    assert [m["kind"] for m in unread] == ["welcome"]
