"""Django system check: the Celery profile check, as a warning.

Workers and relays refuse to start with an unsafe profile (monolith.outbox.profile);
the web process and `migrate` only warn, since they run no jobs.
"""
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
        return [checks.Warning(str(error), id="outbox.W001",
                               hint="Workers and relays will refuse to start with this profile.")]
    return []
