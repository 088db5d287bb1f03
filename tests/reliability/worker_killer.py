"""A side job that kills its own worker process while a switch file exists (a segfault, an OOM kill).

Imported by the worker under test only (`celery worker -I tests.reliability.worker_killer`).
Each start is written to `<switch>.starts` before the kill; once the switch is gone the
job does its work the idempotent way (inbox row plus effect) and notes it in `<switch>.done`.
"""
import os
import signal
from pathlib import Path

from monolith.outbox.consumer import subscriber_task

TASK = "tests.reliability.kill_own_worker"
SWITCH_ENV = "WORKER_KILLER_SWITCH"


def _note(path: Path, line: str) -> None:
    with path.open("a") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())


@subscriber_task(name=TASK)
def kill_own_worker(*, event_id: str, payload: dict, **envelope) -> None:
    from django.db import transaction

    from monolith.outbox.services import inbox_claim

    switch = Path(os.environ[SWITCH_ENV])
    if switch.exists():
        _note(switch.with_suffix(".starts"), event_id)
        os.kill(os.getpid(), signal.SIGKILL)
    with transaction.atomic():
        if inbox_claim(consumer="tests.worker_killer", event_id=event_id):
            _note(switch.with_suffix(".done"), event_id)
