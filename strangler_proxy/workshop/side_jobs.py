"""Module 5's side: sign-ups and their welcome jobs, read from the monolith, and a job held in flight.

The reads run inside the monolith (its settings and database, as `strangler jobs` does) and
only read. `signup_held` is the workshop's way to catch a job mid-flight: it signs a user
up, then at once holds the monolith's database write lock (SQLite) or its inbox table lock
(PostgreSQL), so the welcome jobs reach the worker's pool children and wait inside them
until the lock goes. A child killed meanwhile dies mid-job: its job must come back and run
exactly once.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from strangler_proxy.workshop.environment import Workshop

__all__ = ["SignUp", "WorkerProcesses", "coupon_job_subscribed", "outbox_numbers", "signup_held",
           "signups_since", "welcome_counts", "welcome_from_job", "worker_processes"]

COUPON_CONSUMER = "coupons.welcome"
# Seconds a held sign-up's jobs need to reach the worker's pool children.
_ARRIVAL = 2.0
WORKER_MARK = "monolith.celery worker"


@dataclass(frozen=True)
class SignUp:
    """A UserSignedUp event: who, when, and the event id the side jobs claim in their inbox."""

    user_id: int
    email: str
    event_id: str
    at: datetime


def signups_since(since: datetime | None) -> list[SignUp]:
    """Return the sign-ups (UserSignedUp events) after `since`, oldest first."""
    from monolith.outbox.models import OutboxEvent

    events = OutboxEvent.objects.filter(event_type="UserSignedUp")
    if since is not None:
        events = events.filter(created_at__gt=since)
    return [SignUp(int(e.payload.get("user_id", e.aggregate_id)), str(e.payload.get("email", "")), str(e.id),
                   e.created_at) for e in events.order_by("created_at", "position")]


def welcome_counts(user_id: int) -> tuple[int, int]:
    """Return the user's (welcome coupons, welcome messages)."""
    from monolith.coupons.models import Coupon
    from monolith.notifications.models import Message

    return (Coupon.objects.filter(user_id=user_id, kind=Coupon.WELCOME).count(),
            Message.objects.filter(user_id=user_id, kind=Message.WELCOME).count())


def welcome_from_job(signup: SignUp) -> bool:
    """Whether the coupons.welcome side job handled this sign-up (its inbox row)."""
    from monolith.outbox.models import InboxEntry

    return InboxEntry.objects.filter(consumer=COUPON_CONSUMER, event_id=signup.event_id).exists()


def coupon_job_subscribed() -> bool:
    """Whether the monolith's code hands UserSignedUp to the coupons.welcome side job."""
    from monolith.outbox.subscribers import subscriptions_for

    return any(s.consumer == COUPON_CONSUMER for s in subscriptions_for("UserSignedUp"))


def outbox_numbers() -> tuple[int, float, int]:
    """Return (unsent events, lag in seconds, dead letters waiting)."""
    from monolith.outbox.selectors import outbox_stats

    stats = outbox_stats()
    return stats.unsent, stats.lag_seconds, stats.dead_letters


@dataclass(frozen=True)
class WorkerProcesses:
    """The monolith's Celery worker: its main process (which `strangler up` watches) and pool children."""

    main: int | None
    children: tuple[int, ...]


def worker_processes(workshop: Workshop) -> WorkerProcesses:
    """Find this stack's monolith worker in `ps` (the one running in the workshop's folder)."""
    try:
        listing = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return WorkerProcesses(None, ())
    rows: dict[int, int] = {}
    for line in listing.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and WORKER_MARK in parts[2] and Path(parts[2].split()[0]).name not in ("sh", "bash", "dash"):
            rows[int(parts[0])] = int(parts[1])
    mains = [pid for pid, parent in rows.items() if parent not in rows and _runs_in(pid, workshop.root)]
    if not mains:
        return WorkerProcesses(None, ())
    main = min(mains)
    return WorkerProcesses(main, tuple(sorted(pid for pid, parent in rows.items() if parent == main)))


def _runs_in(pid: int, root: Path) -> bool:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == root
    except OSError:
        return True  # no /proc (macOS): take what `ps` shows


def signup_held(workshop: Workshop, *, seconds: float, say: Callable[[str], None],
                wait_seconds: float = 60.0) -> tuple[SignUp, tuple[int, int]]:
    """Sign a user up, hold their welcome jobs in flight for `seconds`, then wait for them to finish."""
    from monolith.accounts.services import user_sign_up

    email = f"held-{secrets.token_hex(3)}@example.com"
    user = user_sign_up(email=email, password="correct-horse-9", name="Held")

    def meanwhile() -> None:
        say(f"signed up {email} (user {user.pk}); its welcome jobs are on their way into the worker, where "
            f"they wait for a lock this command holds for {seconds:g} s")
        time.sleep(_ARRIVAL)  # the relay publishes at once; the worker polls the broker every 50 ms
        workers = worker_processes(workshop)
        if workers.main is None:
            say("no monolith worker found in `ps` for this folder: is the stack running?")
        else:
            say(f"monolith worker: main process {workers.main} (leave it alive: `strangler up` stops everything "
                f"when one of its processes exits)")
            if workers.children:
                say(f"kill its pool children mid-job now:  kill -9 {' '.join(map(str, workers.children))}")
        time.sleep(max(0.0, seconds - _ARRIVAL))

    # Taken right after the sign-up's commit, before the relay has published its event.
    _holding_the_inbox(meanwhile)
    say("lock released; waiting for the welcome jobs to finish")
    signup = next(s for s in reversed(signups_since(None)) if s.user_id == user.pk)
    deadline = time.monotonic() + wait_seconds
    counts = welcome_counts(user.pk)
    while counts != (1, 1) and time.monotonic() < deadline:
        time.sleep(0.5)
        counts = welcome_counts(user.pk)
    return signup, counts


def _holding_the_inbox(during: Callable[[], None]) -> None:
    """Run `during` while no side job can claim its inbox row (the write that starts every job)."""
    from django.db import connection, transaction

    if connection.vendor == "sqlite":
        # SQLite locks the whole database: IMMEDIATE takes the write lock, readers go on.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                during()
            finally:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE outbox_inboxentry IN EXCLUSIVE MODE")
        during()
