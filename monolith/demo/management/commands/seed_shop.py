"""`python -m monolith seed_shop`: fill an empty shop with deterministic demo data."""
from django.core.management.base import BaseCommand

from monolith.demo.seed import DEMO_PASSWORD, shop_seed


class Command(BaseCommand):
    help = "Seed a realistic, deterministic demo shop (does nothing if products exist)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--products", type=int, default=300)
        parser.add_argument("--users", type=int, default=40)
        parser.add_argument("--orders", type=int, default=60)

    def handle(self, *args, seed, products, users, orders, **options):
        summary = shop_seed(seed=seed, products=products, users=users, orders=orders)
        verb = "Seeded" if summary.created else "Already seeded"
        self.stdout.write(
            f"{verb}: {summary.categories} categories, {summary.products} products, "
            f"{summary.users} users, {summary.orders} orders, {summary.postings} postings, "
            f"{summary.notices} notices. Log in as staff@example.com / user1@example.com "
            f"with password {DEMO_PASSWORD!r}."
        )
