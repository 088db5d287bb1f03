"""Writes of the accounts context."""
from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

from monolith.accounts.models import User
from monolith.accounts.tokens import token_issue
from monolith.common.errors import ApplicationError, Conflict
from monolith.outbox.events import UserSignedUp
from monolith.outbox.services import event_record

__all__ = ["user_delete", "user_log_in", "user_sign_up", "user_update"]


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = "invalid_credentials"


def user_sign_up(*, email: str, password: str, name: str = "") -> User:
    """Create the account; welcome coupon and message follow from UserSignedUp."""
    email = User.objects.normalize_email(email).lower()
    # Hashing is slow on purpose: do it before the transaction so no write lock waits on it.
    user = User(email=email, username=email, name=name, password=make_password(password))
    taken = Conflict("An account with this email already exists.", details={"email": ["taken"]})
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=email).exists():
                raise taken
            user.save()
            event_record(event=UserSignedUp(user_id=user.pk, email=user.email, name=user.name))
    except IntegrityError:  # a concurrent sign-up with the same email won the race
        raise taken from None
    return user


def user_log_in(*, email: str, password: str) -> str:
    """Return an access token for valid credentials."""
    user = authenticate(username=email.lower(), password=password)
    if user is None:
        raise InvalidCredentials("Email or password is wrong.")
    return token_issue(user=user)


@transaction.atomic
def user_update(*, user: User, name: str | None = None, password: str | None = None) -> User:
    if name is not None:
        user.name = name
    if password is not None:
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Close the account: deactivate so orders keep their history."""
    user.is_active = False
    user.email = f"deleted-{user.pk}@invalid"
    user.username = user.email
    user.set_unusable_password()
    user.save()
