"""A realistic, deterministic demo shop: same seed, same shop."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

__all__ = ["SeedSummary", "shop_seed"]

CATEGORIES = {
    "books": ["Guide to", "Notes on", "Stories of", "Handbook of", "Atlas of"],
    "kitchen": ["Cast-iron", "Ceramic", "Steel", "Bamboo", "Copper"],
    "garden": ["Weatherproof", "Folding", "Solar", "Raised", "Hanging"],
    "toys": ["Wooden", "Plush", "Magnetic", "Remote-control", "Puzzle"],
    "outdoor": ["Ultralight", "Waterproof", "Insulated", "Trail", "Compact"],
    "office": ["Ergonomic", "Recycled", "Refillable", "Adjustable", "Wireless"],
}
NOUNS = {
    "books": ["Bird Watching", "Sourdough", "Rivers", "Typography", "Chess", "Old Maps"],
    "kitchen": ["Skillet", "Teapot", "Knife Set", "Cutting Board", "Saucepan", "Mug"],
    "garden": ["Planter", "Hose Reel", "Lantern", "Bench", "Trowel", "Bird Feeder"],
    "toys": ["Train Set", "Bear", "Blocks", "Racing Car", "Kite", "Robot"],
    "outdoor": ["Tent", "Backpack", "Jacket", "Water Bottle", "Sleeping Bag", "Headlamp"],
    "office": ["Chair", "Notebook", "Pen", "Desk Lamp", "Keyboard", "Monitor Stand"],
}
FIRST = ["Ada", "Linus", "Grace", "Alan", "Barbara", "Ken", "Margaret", "Dennis", "Frances",
         "Edsger", "Radia", "Tim", "Katherine", "Donald", "Hedy", "John", "Sophie", "Guido"]
LAST = ["Lovelace", "Hopper", "Turing", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen",
        "Dijkstra", "Perlman", "Lee", "Johnson", "Knuth", "Lamarr", "Backus", "Wilson", "Rossum"]
DEMO_PASSWORD = "demo-password-1"


@dataclass(frozen=True)
class SeedSummary:
    categories: int
    products: int
    users: int
    orders: int
    postings: int
    notices: int
    created: bool


def shop_seed(*, seed: int = 7, products: int = 300, users: int = 40, orders: int = 60) -> SeedSummary:
    """Fill an empty shop; on a shop that already has products, change nothing."""
    from monolith.accounts.models import User
    from monolith.board.models import Notice, Posting
    from monolith.catalog.models import Category, Product
    from monolith.coupons.models import Coupon
    from monolith.orders.models import Order, OrderItem

    if Product.objects.exists():
        return SeedSummary(Category.objects.count(), Product.objects.count(), User.objects.count(),
                           Order.objects.count(), Posting.objects.count(), Notice.objects.count(), False)
    rng = random.Random(seed)
    base_time = timezone.make_aware(dt.datetime(2026, 1, 5, 9, 0))
    # One hash for every demo account: hashing is deliberately slow.
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        categories = [Category.objects.create(name=slug.title(), slug=slug) for slug in CATEGORIES]
        rows = []
        for i in range(products):
            category = categories[i % len(categories)]
            name = f"{rng.choice(CATEGORIES[category.slug])} {rng.choice(NOUNS[category.slug])} {i + 1}"
            rows.append(Product(
                name=name, category=category,
                description=f"{name}: a dependable pick from our {category.name.lower()} range.",
                price=Decimal(rng.randrange(199, 25000)) / 100, stock=rng.randrange(0, 200),
            ))
        Product.objects.bulk_create(rows)
        staff = User(email="staff@example.com", username="staff@example.com", name="Shop Staff",
                     is_staff=True, password=password_hash)
        staff.save()
        people = []
        for i in range(users):
            name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
            email = f"user{i + 1}@example.com"
            people.append(User(email=email, username=email, name=name, password=password_hash))
        User.objects.bulk_create(people)
        people = list(User.objects.filter(is_staff=False).order_by("id"))
        Coupon.objects.bulk_create([
            Coupon(user=u, code=f"WELCOME-SEED{u.pk:04d}", kind=Coupon.WELCOME, percent_off=10)
            for u in people
        ])
        all_products = list(Product.objects.order_by("id"))
        for _ in range(orders):
            user = rng.choice(people)
            picks = rng.sample(all_products, rng.randrange(1, 4))
            order = Order.objects.create(user=user, subtotal=0, total=0)
            subtotal = Decimal(0)
            for product in picks:
                quantity = rng.randrange(1, 3)
                line_total = product.price * quantity
                OrderItem.objects.create(order=order, product_id=product.pk, product_name=product.name,
                                         unit_price=product.price, quantity=quantity, line_total=line_total)
                subtotal += line_total
            order.subtotal = order.total = subtotal
            order.save()
        for i in range(30):
            Posting.objects.create(author=rng.choice(people), title=f"Posting {i + 1}: swap or sell?",
                                   body="Anyone interested? Details inside.")
        for i in range(5):
            Notice.objects.create(title=f"Shop notice {i + 1}", body="Opening hours change next week.",
                                  published_at=base_time + dt.timedelta(days=i))
    return SeedSummary(len(categories), products, users + 1, orders, 30, 5, True)
