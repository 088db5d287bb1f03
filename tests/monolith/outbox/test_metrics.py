from datetime import timedelta

from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from monolith.outbox import metrics, relay
from monolith.outbox.models import OutboxEvent
from monolith.outbox.publisher import InMemoryPublisher


def _samples(body: bytes) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def test_metrics_show_the_outbox_lag_unsent_events_and_dead_letters(api, record_sign_up):
    event = record_sign_up()
    OutboxEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(hours=1))

    response = api.get("/metrics")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    samples = _samples(response.content)
    assert samples[("strangler_outbox_lag_seconds", ())] >= 3600
    assert samples[("strangler_outbox_unsent_events", ())] == 1
    assert samples[("strangler_jobs_dead_letters", ())] == 0


def test_the_lag_is_zero_once_everything_is_published(record_sign_up):
    record_sign_up()

    relay.publish_pending(publisher=InMemoryPublisher())

    samples = _samples(metrics.exposition())
    assert samples[("strangler_outbox_lag_seconds", ())] == 0
    assert samples[("strangler_outbox_unsent_events", ())] == 0


def test_published_events_are_counted_by_type(record_sign_up):
    before = _samples(metrics.exposition()).get(
        ("strangler_outbox_published_events_total", (("event_type", "UserSignedUp"),)), 0)
    record_sign_up()
    record_sign_up()

    relay.publish_pending(publisher=InMemoryPublisher())

    after = _samples(metrics.exposition())[("strangler_outbox_published_events_total",
                                            (("event_type", "UserSignedUp"),))]
    assert after - before == 2


def test_metrics_only_answer_get(api, db):
    assert api.post("/metrics").status_code == 405


def test_the_relay_process_serves_the_same_metrics_on_its_own_port(transactional_db):
    import socket
    import urllib.request

    from monolith.outbox.runner import RelayOptions, relay_thread
    from tests.helpers import wait_for

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    def scrape() -> bytes | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                return response.read()
        except OSError:
            return None

    options = RelayOptions.from_settings(metrics_port=port, poll_seconds=0.05, wake_address=None)
    with relay_thread(options):
        body = wait_for(scrape)

    assert ("strangler_outbox_lag_seconds", ()) in _samples(body)
