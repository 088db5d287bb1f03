"""Reads of the accounts context."""
from monolith.accounts.models import User


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()
