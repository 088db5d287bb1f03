"""The outbox's public names, pinned: changing them is a decision, not an accident."""
import importlib

import pytest

SURFACE = {
    "consumer": {"SubscriberTask", "retry_delay", "subscriber_task"},
    "errors": {"BrokerUnavailable", "DeadLetterNotFound", "JobsError", "ProfileError", "RelayAlreadyRunning",
               "RetentionTooShort"},
    "metrics": {"CONTENT_TYPE", "exposition", "record_consumed", "record_dead_letter", "record_duplicate",
                "record_failure", "record_publish_failure", "record_published", "record_retry", "serve",
                "use_multiprocess"},
    "profile": {"broker_description", "check_profile", "duplicate_window_seconds", "is_embedded",
                "profile_problems"},
    "publisher": {"CeleryPublisher", "InMemoryPublisher", "OutboundMessage", "Publisher"},
    "relay": {"message_for", "messages_for", "next_position", "publish_pending", "shares_the_table"},
    "relay_lock": {"RelayLock", "lock_path", "single_relay"},
    "runner": {"Backoff", "RelayOptions", "relay_thread", "run_relay"},
    "selectors": {"OutboxStats", "dead_letter_list", "outbox_stats"},
    "services": {"OutboxPruned", "dead_letter_record", "dead_letter_retry", "dead_letter_retry_all",
                 "event_record", "inbox_claim", "job_start_clear", "job_start_record", "outbox_prune"},
    "subscribers": {"RELAY_QUEUE", "Subscription", "all_queues", "subscriptions_for"},
    "tasks": {"prune_tick", "relay_tick"},
    "wakeup": {"WakeListener", "parse_address", "relay_wake"},
}


@pytest.mark.parametrize("name", sorted(SURFACE))
def test_each_outbox_module_exports_exactly_its_public_names(name):
    module = importlib.import_module(f"monolith.outbox.{name}")

    assert set(module.__all__) == SURFACE[name]
    assert all(hasattr(module, export) for export in module.__all__)
