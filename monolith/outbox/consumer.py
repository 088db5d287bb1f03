"""The Celery profile of a subscriber task: how a side job runs, fails, and is kept.

A subscriber task is idempotent (its service claims the inbox in the same
transaction as the effect), and only such tasks get this profile:

- late acknowledgement: the message is acknowledged after the job, so a worker
  that dies mid-job leaves it with the broker, which delivers it again;
- requeue on worker loss: a pool process killed mid-job puts the job back at once;
- a soft time limit turns a slow job into a failed attempt (retried as below); a job
  stuck past the hard limit (in C code, where the soft one cannot reach) is killed
  and goes back to the queue instead of being acknowledged and lost;
- prefetch 1 (worker_prefetch_multiplier): a busy worker holds no jobs others could run;
- retries with exponential backoff and jitter, up to STRANGLER_JOBS_MAX_RETRIES;
- then the dead-letter table, from where `strangler jobs retry` sends it again.

A job is therefore always in one of three places: a queue, a worker, or the
dead-letter table.
"""
from __future__ import annotations

import logging
import random
import traceback
from typing import Any, Callable

from celery import Task, shared_task
from celery.exceptions import Ignore, Reject, Retry
from django.conf import settings

from monolith.outbox import metrics

__all__ = ["SubscriberTask", "retry_delay", "subscriber_task"]

log = logging.getLogger(__name__)

SUBSCRIBER_QUEUE_PREFIX = "sub."


def retry_delay(retries: int, *, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Seconds before retry number `retries` + 1: exponential, capped, with equal jitter.

    Half of the exponential step is kept and half is random, so delays still grow
    while jobs that failed together (a database restart) spread out.
    """
    step = min(cap, base * 2 ** min(retries, 32))
    return step / 2 + rand() * step / 2


def _consumer(task: Task) -> str:
    queue = (task.request.delivery_info or {}).get("routing_key") or ""
    return queue.removeprefix(SUBSCRIBER_QUEUE_PREFIX) if queue.startswith(SUBSCRIBER_QUEUE_PREFIX) else task.name


class SubscriberTask(Task):
    """Base of idempotent subscriber tasks: late ack, requeue on worker loss, retries, dead letters."""

    acks_late = True
    reject_on_worker_lost = True
    acks_on_timeout = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.request.called_directly:  # a plain function call (tests, the shell)
            return super().__call__(*args, **kwargs)
        consumer = _consumer(self)
        try:
            result = self.run(*args, **kwargs)
        except (Retry, Reject, Ignore):
            raise
        except Exception as error:
            return self._failed(error, consumer, kwargs)
        metrics.record_consumed(consumer)
        return result

    def _failed(self, error: Exception, consumer: str, kwargs: dict[str, Any]) -> None:
        jobs = settings.STRANGLER["JOBS"]
        retries = self.request.retries
        metrics.record_failure(consumer)
        reason = f"{type(error).__name__}: {error}"
        if retries < jobs.max_retries:
            delay = retry_delay(retries, base=jobs.retry_base_seconds, cap=jobs.retry_max_seconds)
            log.warning("%s: attempt %d of %d failed (%s); retry in %.2f s",
                        consumer, retries + 1, jobs.max_retries + 1, reason, delay)
            metrics.record_retry(consumer)
            try:
                self.retry(exc=error, countdown=delay, max_retries=jobs.max_retries)  # raises Retry
            except Reject as publish_failed:  # the retry message could not be sent
                reason = f"{reason}; its retry could not be scheduled: {publish_failed}"
        self._dead_letter(error, reason, consumer, kwargs)

    def _dead_letter(self, error: Exception, reason: str, consumer: str, kwargs: dict[str, Any]) -> None:
        from monolith.outbox.services import dead_letter_record

        jobs = settings.STRANGLER["JOBS"]
        attempts = self.request.retries + 1
        queue = (self.request.delivery_info or {}).get("routing_key") or ""
        try:
            dead_letter_record(
                task_name=self.name, queue=queue, consumer=consumer,
                message_key=str(kwargs.get("event_id") or self.request.id), kwargs=kwargs,
                error=reason, traceback="".join(traceback.format_exception(error)), attempts=attempts)
        except Exception:
            # The job must not vanish because the table is unreachable: go round again.
            log.exception("%s: could not write the dead letter; the job goes back to the queue", consumer)
            try:
                self.retry(exc=error, countdown=jobs.retry_max_seconds, max_retries=self.request.retries + 1)
            except Reject:
                raise Reject(reason, requeue=True) from None
        metrics.record_dead_letter(consumer)
        log.error("%s: gave up after %d attempts (%s); kept as a dead letter, "
                  "`strangler jobs retry` sends it again", consumer, attempts, reason)


def subscriber_task(*, name: str, **options: Any) -> Callable:
    """Declare an idempotent subscriber task (takes the event envelope as keyword arguments)."""
    return shared_task(name=name, base=SubscriberTask, **options)
