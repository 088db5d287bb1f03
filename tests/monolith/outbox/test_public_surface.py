"""The outbox's public names, pinned: changing them is a decision, not an accident."""
import importlib

import pytest

SURFACE = {
    "consumer": {"SubscriberTask", "retry_delay", "subscriber_task"},
    "errors": {"BrokerUnavailable", "DeadLetterNotFound", "JobsError", "ProfileError", "RelayAlreadyRunning"},
    "metrics": {"CONTENT_TYPE", "exposition", "record_consumed", "record_dead_letter", "record_duplicate",
                "record_failure", "record_publish_failure", "record_published", "record_retry", "serve",
                "use_multiprocess"},
    "profile": {"broker_description", "check_profile", "is_embedded", "profile_problems"},
    "publisher": {"CeleryPublisher", "InMemoryPublisher", "OutboundMessage", "Publisher"},
    "relay": {"message_for", "messages_for", "next_position", "publish_pending", "shares_the_table"},
    "relay_lock": {"RelayLock", "lock_path", "single_relay"},
    "runner": {"Backoff", "RelayOptions", "relay_thread", "run_relay"},
    "selectors": {"OutboxStats", "dead_letter_list", "outbox_stats"},
    "services": {"dead_letter_record", "dead_letter_retry", "dead_letter_retry_all", "event_record",
                 "inbox_claim"},
    "subscribers": {"RELAY_QUEUE", "Subscription", "all_queues", "subscriptions_for"},
    "tasks": {"relay_tick"},
    "wakeup": {"WakeListener", "parse_address", "relay_wake"},
}


@pytest.mark.parametrize("name", sorted(SURFACE))
def test_each_outbox_module_exports_exactly_its_public_names(name):
    module = importlib.import_module(f"monolith.outbox.{name}")

    assert set(module.__all__) == SURFACE[name]
    assert all(hasattr(module, export) for export in module.__all__)
