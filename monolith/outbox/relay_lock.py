"""One relay at a time where the database cannot share the outbox (SQLite).

PostgreSQL relays coordinate through row locks (SKIP LOCKED) and need nothing here.
On SQLite a relay holds an exclusive lock on a file next to the database file: the
kernel releases it when the process dies, however it dies, so there is no lease
to expire and no stale owner to clean up.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from django.db import connection

from monolith.outbox.relay import shares_the_table

__all__ = ["RelayLock", "lock_path", "single_relay"]


def lock_path() -> Path:
    """The lock file: next to the SQLite database file it guards."""
    return Path(f"{connection.settings_dict['NAME']}.relay.lock")


class RelayLock:
    """The right to relay. `acquire()` never blocks."""

    def __init__(self) -> None:
        self.needed = not shares_the_table()
        self.path = lock_path() if self.needed else None
        self._fd: int | None = None

    def acquire(self) -> bool:
        if not self.needed or self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def holder(self) -> str:
        """The pid the holder wrote, for error messages."""
        try:
            return self.path.read_text().strip() or "unknown"
        except OSError:
            return "unknown"


@contextmanager
def single_relay() -> Iterator[bool]:
    """Hold the right to relay while inside; yields False at once if someone else holds it."""
    lock = RelayLock()
    held = lock.acquire()
    try:
        yield held
    finally:
        if held:
            lock.release()
