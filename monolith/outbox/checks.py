"""Django system check: the same Celery profile check workers and relays run at start."""
from __future__ import annotations

from django.core import checks

__all__ = ["celery_profile_check"]


@checks.register("celery")
def celery_profile_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from monolith.celery import app
    from monolith.outbox.errors import ProfileError
    from monolith.outbox.profile import check_profile

    try:
        check_profile(app)
    except ProfileError as error:
        return [checks.Error(str(error), id="outbox.E001")]
    return []
