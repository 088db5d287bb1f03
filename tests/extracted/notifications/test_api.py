def test_a_user_sees_only_their_messages_newest_first(client, put_message, as_user):
    put_message(user_id=1, title="Old", minutes=1)
    put_message(user_id=2, title="Not mine", minutes=2)
    put_message(user_id=1, title="New", minutes=3)

    body = client.get("/api/v1/notifications/", headers=as_user(1)).get_json()

    assert body["count"] == 2 and [m["title"] for m in body["results"]] == ["New", "Old"]
    assert body["results"][0] == {"id": 3, "kind": "order_confirmation", "title": "New", "body": "Body.",
                                  "created_at": "2026-01-05T09:03:00Z", "read_at": None}


def test_unread_filters_like_drf_booleans(client, put_message, as_user):
    put_message(read=True)
    put_message()

    def count(query: str) -> int:
        return client.get(f"/api/v1/notifications/?{query}", headers=as_user(1)).get_json()["count"]

    assert [count("unread=true"), count("unread=YES"), count("unread=1"), count("unread=0"), count("unread=")] == \
        [1, 1, 1, 2, 2]
    response = client.get("/api/v1/notifications/?unread=maybe", headers=as_user(1))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"unread": ["Must be a valid boolean."]}


def test_marking_read_sets_the_time_once(client, put_message, as_user):
    message_id = put_message()

    first = client.post(f"/api/v1/notifications/{message_id}/read/", headers=as_user(1)).get_json()
    second = client.post(f"/api/v1/notifications/{message_id}/read/", headers=as_user(1)).get_json()

    assert first["read_at"] is not None and second["read_at"] == first["read_at"]


def test_someone_elses_message_is_not_found(client, put_message, as_user):
    message_id = put_message(user_id=2)

    response = client.post(f"/api/v1/notifications/{message_id}/read/", headers=as_user(1))

    assert response.status_code == 404
    assert response.get_json()["error"] == {"code": "not_found", "message": "No such message.", "details": {}}


def test_messages_need_a_signed_in_user(client):
    response = client.get("/api/v1/notifications/")

    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_reading_messages_is_a_post(client, as_user):
    response = client.get("/api/v1/notifications/1/read/", headers=as_user(1))

    assert response.status_code == 405 and response.headers["Allow"] == "POST, OPTIONS"
