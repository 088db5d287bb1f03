import pytest

from monolith.accounts import services
from monolith.accounts.tokens import InvalidToken, token_verify
from monolith.common.errors import ApplicationError, Conflict
from monolith.outbox.models import OutboxEvent


def test_sign_up_writes_user_signed_up_to_the_outbox(db):
    user = services.user_sign_up(email="Ada@Example.com", password="correct-horse-9", name="Ada")

    event = OutboxEvent.objects.get(event_type="UserSignedUp")
    assert user.email == "ada@example.com"
    assert event.aggregate_type == "user" and event.aggregate_id == str(user.pk)
    assert event.payload == {"user_id": user.pk, "email": "ada@example.com", "name": "Ada"}


def test_sign_up_with_a_taken_email_is_a_conflict_and_writes_nothing(db):
    services.user_sign_up(email="ada@example.com", password="correct-horse-9")

    with pytest.raises(Conflict):
        services.user_sign_up(email="ADA@example.com", password="correct-horse-9")
    assert OutboxEvent.objects.count() == 1


def test_log_in_returns_a_token_other_services_can_verify_offline(db):
    user = services.user_sign_up(email="ada@example.com", password="correct-horse-9")

    claims = token_verify(services.user_log_in(email="ada@example.com", password="correct-horse-9"))

    assert claims["sub"] == str(user.pk) and claims["iss"] == "strangler-monolith"


def test_log_in_with_a_wrong_password_is_refused(db):
    services.user_sign_up(email="ada@example.com", password="correct-horse-9")

    with pytest.raises(ApplicationError) as error:
        services.user_log_in(email="ada@example.com", password="wrong-password")
    assert error.value.status_code == 401


def test_a_tampered_token_does_not_verify(db):
    services.user_sign_up(email="ada@example.com", password="correct-horse-9")
    token = services.user_log_in(email="ada@example.com", password="correct-horse-9")

    with pytest.raises(InvalidToken):
        token_verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_deleting_the_account_deactivates_it_and_frees_nothing_else(db, make_user):
    user = make_user(email="ada@example.com")

    services.user_delete(user=user)

    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
