"""`python -m monolith run_relay`: the outbox relay process."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from monolith.outbox import metrics
from monolith.outbox.errors import BrokerUnavailable, ProfileError, RelayAlreadyRunning
from monolith.outbox.runner import RelayOptions, run_relay


class Command(BaseCommand):
    help = "Publish unsent outbox events to every subscriber's queue until stopped."
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, help="Events per broker round trip.")
        parser.add_argument("--wait", action="store_true",
                            help="On SQLite, stand by until the running relay stops instead of refusing.")
        parser.add_argument("--once", action="store_true", help="Publish what is pending, then exit.")

    def handle(self, *args, batch_size: int | None = None, wait: bool = False, once: bool = False,
               **options) -> None:
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        metrics.use_multiprocess()
        try:
            total = run_relay(RelayOptions.from_settings(batch_size=batch_size, wait_for_lock=wait, once=once))
        except (ProfileError, RelayAlreadyRunning, BrokerUnavailable) as error:
            raise CommandError(str(error)) from None
        if once:
            self.stdout.write(f"published {total} events")
