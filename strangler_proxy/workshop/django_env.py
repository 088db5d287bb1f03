"""The monolith inside a workshop command: its settings and database, as `strangler jobs` uses them.

Only reads, plus what the monolith's own services do (a sign-up, a token), so nothing here
knows its tables.
"""
from __future__ import annotations

import os

from strangler_proxy.workshop.environment import Workshop
from strangler_proxy.workshop.errors import StepFailed

__all__ = ["django_ready", "shopper_tokens"]


def django_ready(workshop: Workshop) -> None:
    """Set the monolith up in this process, on the stack's data (StepFailed says why not)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.settings.local")
    os.environ.setdefault("STRANGLER_VAR_DIR", str(workshop.var_dir))
    try:
        import django

        django.setup()
    except Exception as error:  # bad settings or code that does not import: one line, never a traceback
        raise StepFailed(f"cannot load the monolith: {type(error).__name__}: {error}") from None


def shopper_tokens(workshop: Workshop, count: int) -> list[str]:
    """Return access tokens of up to `count` customers (the demo users), as the monolith issues them."""
    django_ready(workshop)
    from django.db import DatabaseError

    from monolith.accounts.models import User
    from monolith.accounts.tokens import token_issue

    try:
        users = list(User.objects.filter(is_active=True, is_staff=False).order_by("id")[:count])
    except DatabaseError as error:
        raise StepFailed(f"cannot read the monolith's users: {str(error).splitlines()[0]} "
                         "(has the stack run once? ./scripts/up)") from None
    return [token_issue(user=user) for user in users]
