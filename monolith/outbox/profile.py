"""The Celery profile's start-up check, and the line that says which broker is in use.

Redis hands a message to a worker and takes it back after the visibility timeout
unless the worker acknowledged it. Subscriber tasks acknowledge late (after the
work) and a retry is a message with a countdown that a worker holds until it is
due, so a retry delay plus a run that together reach the visibility timeout make
Redis deliver the same job a second time while the first is still waiting or
running. Workers and relays refuse such a configuration instead of finding out
in production. The same times bound how soon an inbox row may be pruned: a
retention shorter than them is refused as well.
"""
from __future__ import annotations

from monolith.outbox.errors import ProfileError

__all__ = ["broker_description", "check_profile", "duplicate_window_seconds", "is_embedded", "profile_problems"]

REDIS_SCHEMES = ("redis://", "rediss://", "redis+socket://", "sentinel://")
KOMBU_DEFAULT_VISIBILITY = 3600.0


def is_embedded(broker_url: str) -> bool:
    return broker_url.startswith("filesystem")


def broker_description(app) -> str:
    """One line for start-up logs: which broker, and what that means."""
    url = app.conf.broker_url or ""
    if is_embedded(url):
        folder = (app.conf.broker_transport_options or {}).get("data_folder_in", "?")
        return (f"broker: embedded filesystem transport in {folder} (no REDIS_URL set; "
                "fine for one machine, not crash-safe for jobs in flight)")
    safe = url.split("@")[-1] if "@" in url else url.split("://", 1)[-1]
    return f"broker: Redis at {safe}" if url.startswith(REDIS_SCHEMES) else f"broker: {url.split('://')[0]}"


def duplicate_window_seconds(jobs) -> float:
    """How long after a job's inbox row was written a duplicate of its message can still arrive.

    The worker committed but died before acknowledging: the broker gives the job back
    after the visibility timeout. A copy already retried waits up to the retry cap and
    runs up to the hard time limit. Inbox rows are pruned only after all of that.
    """
    return jobs.visibility_timeout_seconds + jobs.retry_max_seconds + jobs.time_limit_seconds


def profile_problems(*, broker_url: str, transport_options: dict, jobs,
                     soft_time_limit: float | None, time_limit: float | None) -> list[str]:
    """What is unsafe in this profile (empty when it is fine)."""
    problems = []
    if jobs.max_retries < 0 or jobs.retry_base_seconds <= 0 or jobs.retry_max_seconds <= 0:
        problems.append("STRANGLER_JOBS_MAX_RETRIES must be >= 0 and the retry delays > 0")
    if jobs.max_starts < 1:
        problems.append("STRANGLER_JOBS_MAX_STARTS must be at least 1")
    if jobs.prune_interval_seconds < 0:
        problems.append("STRANGLER_JOBS_PRUNE_INTERVAL_SECONDS must be >= 0 (0: never prune on its own)")
    window = duplicate_window_seconds(jobs)
    if jobs.retention_days * 86400 < window:
        problems.append(
            f"STRANGLER_JOBS_RETENTION_DAYS ({jobs.retention_days:g}) would prune inbox rows while "
            f"duplicates can still arrive: keep them at least {window:g} s (visibility timeout + retry cap "
            "+ hard time limit)")
    if soft_time_limit and time_limit and soft_time_limit >= time_limit:
        problems.append(
            f"the soft time limit ({soft_time_limit:g} s) must be below the hard one ({time_limit:g} s), "
            "so a slow job is retried instead of killed")
    if not broker_url.startswith(REDIS_SCHEMES):
        return problems
    visibility = float(transport_options.get("visibility_timeout", KOMBU_DEFAULT_VISIBILITY))
    if not time_limit:
        problems.append("a Redis broker needs a task time limit below the visibility timeout "
                        "(STRANGLER_JOBS_TIME_LIMIT_SECONDS)")
        return problems
    held = jobs.retry_max_seconds + time_limit
    if held >= visibility:
        problems.append(
            f"a retried job can wait {jobs.retry_max_seconds:g} s (STRANGLER_JOBS_RETRY_MAX_SECONDS) and "
            f"run {time_limit:g} s (STRANGLER_JOBS_TIME_LIMIT_SECONDS), but Redis redelivers an "
            f"unacknowledged message after {visibility:g} s (STRANGLER_BROKER_VISIBILITY_TIMEOUT_SECONDS): "
            "it would run twice. Lower the delay or the limit, or raise the visibility timeout.")
    return problems


def check_profile(app) -> None:
    """Raise ProfileError when the app's configuration is unsafe."""
    from django.conf import settings

    conf = app.conf
    problems = profile_problems(
        broker_url=conf.broker_url or "", transport_options=conf.broker_transport_options or {},
        jobs=settings.STRANGLER["JOBS"], soft_time_limit=conf.task_soft_time_limit,
        time_limit=conf.task_time_limit)
    if problems:
        raise ProfileError("unsafe Celery profile: " + "; ".join(problems))
