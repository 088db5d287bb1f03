def test_sign_up_answers_201_with_the_user(api, db):
    response = api.post("/api/v1/accounts/signup/",
                        {"email": "ada@example.com", "password": "correct-horse-9", "name": "Ada"},
                        format="json")

    assert response.status_code == 201
    assert response.json()["email"] == "ada@example.com"
    assert "password" not in response.json()


def test_sign_up_with_a_weak_password_lists_the_field(api, db):
    response = api.post("/api/v1/accounts/signup/", {"email": "ada@example.com", "password": "123"},
                        format="json")

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid_input" and "password" in body["details"]


def test_log_in_then_me_shows_my_account(api, db):
    api.post("/api/v1/accounts/signup/", {"email": "ada@example.com", "password": "correct-horse-9"},
             format="json")
    token = api.post("/api/v1/accounts/login/",
                     {"email": "ada@example.com", "password": "correct-horse-9"},
                     format="json").json()["access"]

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = api.get("/api/v1/accounts/me/")

    assert me.status_code == 200 and me.json()["email"] == "ada@example.com"


def test_me_without_a_token_is_401_in_the_error_shape(api, db):
    response = api.get("/api/v1/accounts/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_with_a_garbage_token_is_401_invalid_token(api, db):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api.get("/api/v1/accounts/me/")

    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


def test_me_can_be_renamed_and_deleted(client_for, make_user):
    client = client_for(make_user(name="Old"))

    assert client.patch("/api/v1/accounts/me/", {"name": "New"}, format="json").json()["name"] == "New"
    assert client.delete("/api/v1/accounts/me/").status_code == 204
    assert client.get("/api/v1/accounts/me/").status_code == 401


def test_log_in_with_wrong_credentials_is_401(api, db):
    response = api.post("/api/v1/accounts/login/", {"email": "no@example.com", "password": "whatever"},
                        format="json")

    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials"


def test_a_validly_signed_token_for_no_user_of_ours_is_401_not_500(api, db):
    import datetime as dt

    import jwt
    from django.conf import settings

    now = dt.datetime.now(dt.timezone.utc)
    token = jwt.encode({"sub": "service:catalog", "iss": settings.STRANGLER["JWT_ISSUER"], "iat": now,
                        "exp": now + dt.timedelta(minutes=5)}, settings.STRANGLER["JWT_SECRET"], algorithm="HS256")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api.get("/api/v1/accounts/me/")

    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"
