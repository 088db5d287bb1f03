import datetime as dt

from monolith.board.services import notice_publish


def test_authors_edit_their_own_postings_and_nobody_elses(client_for, make_user):
    author, other = client_for(make_user()), client_for(make_user())
    posting_id = author.post("/api/v1/board/postings/", {"title": "Kite", "body": "Selling"},
                             format="json").json()["id"]

    mine = author.patch(f"/api/v1/board/postings/{posting_id}/", {"title": "Kite (sold)"}, format="json")
    theirs = other.patch(f"/api/v1/board/postings/{posting_id}/", {"title": "Mine now"}, format="json")

    assert mine.status_code == 200 and mine.json()["title"] == "Kite (sold)"
    assert theirs.status_code == 403 and theirs.json()["error"]["code"] == "permission_denied"


def test_anyone_reads_postings_but_only_members_post(api, db):
    assert api.get("/api/v1/board/postings/").status_code == 200
    assert api.post("/api/v1/board/postings/", {"title": "x", "body": "y"}, format="json").status_code == 401


def test_notices_are_read_only(client_for, make_user):
    notice = notice_publish(title="Closed Monday", body="Inventory.", published_at=dt.datetime.now(dt.timezone.utc))
    client = client_for(make_user(staff=True))

    assert client.get(f"/api/v1/board/notices/{notice.pk}/").json()["title"] == "Closed Monday"
    response = client.post("/api/v1/board/notices/", {"title": "x", "body": "y"}, format="json")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"


def test_author_deletes_a_posting(client_for, make_user):
    author = client_for(make_user())
    posting_id = author.post("/api/v1/board/postings/", {"title": "t", "body": "b"}, format="json").json()["id"]

    assert author.delete(f"/api/v1/board/postings/{posting_id}/").status_code == 204
    assert author.get(f"/api/v1/board/postings/{posting_id}/").status_code == 404
