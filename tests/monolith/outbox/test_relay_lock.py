import threading

import pytest
from django.db import connection

from monolith.outbox.errors import RelayAlreadyRunning
from monolith.outbox.publisher import InMemoryPublisher
from monolith.outbox.relay_lock import RelayLock, single_relay
from monolith.outbox.runner import Backoff, RelayOptions, run_relay


def test_one_relay_at_a_time_on_sqlite_and_any_number_on_postgresql(db):
    assert RelayLock().needed is (connection.vendor == "sqlite")


def test_only_one_relay_holds_the_lock_until_it_lets_go(db, one_relay_rules):
    first, second = RelayLock(), RelayLock()
    try:
        assert first.needed and first.acquire()
        assert second.acquire() is False
        assert first.holder().isdigit()
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()


def test_a_relay_refuses_to_start_while_another_holds_the_lock(db, one_relay_rules):
    with single_relay() as ours:
        assert ours
        with pytest.raises(RelayAlreadyRunning, match="SQLite allows one relay"):
            run_relay(RelayOptions.from_settings(once=True), publisher=InMemoryPublisher())
        with single_relay() as theirs:
            assert theirs is False


def test_a_standing_by_relay_gives_up_quietly_when_stopped(db, one_relay_rules):
    stop = threading.Event()
    stop.set()
    with single_relay():
        assert run_relay(RelayOptions.from_settings(wait_for_lock=True), stop=stop,
                         publisher=InMemoryPublisher()) == 0


def test_a_relay_run_once_publishes_everything_pending_and_returns(record_sign_up):
    for _ in range(3):
        record_sign_up()
    publisher = InMemoryPublisher()

    assert run_relay(RelayOptions.from_settings(once=True, batch_size=2), publisher=publisher) == 3
    assert len(publisher.sent) == 6


def test_relay_backoff_doubles_with_jitter_up_to_its_cap_and_resets():
    backoff = Backoff(start=0.1, cap=1.0)

    delays = [backoff.next() for _ in range(8)]
    backoff.reset()

    assert all(0.05 <= d <= 1.0 for d in delays) and delays[-1] >= 0.5
    assert backoff.next() <= 0.1
