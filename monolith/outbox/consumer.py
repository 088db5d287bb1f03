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
- then the dead-letter table, from where `strangler jobs retry` sends it again;
- a start counter: the first two rules give a job that kills its worker (a crash in
  C code, out of memory, SIGKILL, the hard limit) back to the queue every time, so
  each start is counted and committed before the job runs and cleared when it
  finishes (JobStart); a job started more than STRANGLER_JOBS_MAX_STARTS times
  without finishing goes to the dead-letter table without running again, and is
  acknowledged.

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
            starts = self._count_start(kwargs)
        except Exception as error:  # the database is away: a failed attempt like any other
            return self._failed(error, consumer, kwargs)
        max_starts = settings.STRANGLER["JOBS"].max_starts
        if starts > max_starts:
            # Every earlier start since it last finished ended with its worker gone: running
            # it again would only take down another one. The count stays, so a copy of the
            # message is turned away too, until `strangler jobs retry` clears it.
            return self._dead_letter(
                f"WorkerLost: killed its worker {starts - 1} times (a crash, out of memory, SIGKILL or the "
                f"hard time limit); not started again past STRANGLER_JOBS_MAX_STARTS={max_starts}",
                consumer, kwargs, attempts=self.request.retries + starts - 1)
        try:
            result = self.run(*args, **kwargs)
        except (Retry, Reject, Ignore):
            self._finished(kwargs, consumer)
            raise
        except Exception as error:
            self._finished(kwargs, consumer)
            return self._failed(error, consumer, kwargs)
        self._finished(kwargs, consumer)
        metrics.record_consumed(consumer)
        return result

    def _message_key(self, kwargs: dict[str, Any]) -> str:
        return str(kwargs.get("event_id") or self.request.id)

    def _count_start(self, kwargs: dict[str, Any]) -> int:
        from monolith.outbox.services import job_start_record

        return job_start_record(task_name=self.name, message_key=self._message_key(kwargs))

    def _finished(self, kwargs: dict[str, Any], consumer: str) -> None:
        """This start came back, whatever its outcome: it did not take its worker down."""
        from monolith.outbox.services import job_start_clear

        try:
            job_start_clear(task_name=self.name, message_key=self._message_key(kwargs))
        except Exception:
            # The job itself is over; a stale count only brings its limit one start nearer.
            log.warning("%s: could not clear the job's start count", consumer, exc_info=True)

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
        self._dead_letter(reason, consumer, kwargs, attempts=retries + 1, error=error)

    def _dead_letter(self, reason: str, consumer: str, kwargs: dict[str, Any], *, attempts: int,
                     error: Exception | None = None) -> None:
        from monolith.outbox.services import dead_letter_record

        jobs = settings.STRANGLER["JOBS"]
        queue = (self.request.delivery_info or {}).get("routing_key") or ""
        try:
            dead_letter_record(
                task_name=self.name, queue=queue, consumer=consumer, message_key=self._message_key(kwargs),
                kwargs=kwargs, error=reason, attempts=attempts,
                traceback="".join(traceback.format_exception(error)) if error else "")
        except Exception as write_error:
            # The job must not vanish because the table is unreachable: go round again.
            log.exception("%s: could not write the dead letter; the job goes back to the queue", consumer)
            try:
                self.retry(exc=error or write_error, countdown=jobs.retry_max_seconds,
                           max_retries=self.request.retries + 1)
            except Reject:
                raise Reject(reason, requeue=True) from None
        metrics.record_dead_letter(consumer)
        log.error("%s: gave up after %d attempts (%s); kept as a dead letter, "
                  "`strangler jobs retry` sends it again", consumer, attempts, reason)


def subscriber_task(*, name: str, **options: Any) -> Callable:
    """Declare an idempotent subscriber task (takes the event envelope as keyword arguments)."""
    return shared_task(name=name, base=SubscriberTask, **options)
