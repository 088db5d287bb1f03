"""The workshop's modules, in order: number, title, the page a learner follows, what it teaches."""
from __future__ import annotations

from dataclasses import dataclass

from strangler_proxy.workshop.errors import UnknownModule

__all__ = ["MODULES", "Module", "module_get"]


@dataclass(frozen=True)
class Module:
    """One numbered module of docs/workshop/."""

    number: int
    slug: str
    title: str
    goal: str

    @property
    def page(self) -> str:
        """Return its page, relative to the repository."""
        return f"docs/workshop/{self.number:02d}-{self.slug}.md"


MODULES: tuple[Module, ...] = (
    Module(1, "proxy-in-front", "Put the proxy in front of the monolith",
           "every /api/v1 endpoint is named by a route and answers through the proxy from the monolith"),
    Module(2, "shadow-the-catalog", "Shadow the catalog and read the diff report",
           "catalog-products-read is in shadow, with compared requests and a diff report"),
    Module(3, "fix-a-difference", "Fix a planted difference",
           "the catalog service answers product reads exactly as the monolith does"),
    Module(4, "canary-and-cut-over", "Canary and cut over",
           "catalog-products-read is extracted, after a canary step"),
    Module(5, "side-job-on-celery", "Split a side job off to Celery and kill a worker",
           "the welcome coupon is a side job; every sign-up gets one coupon and one message, none lost"),
    Module(6, "extract-coupons", "Extract coupons yourself",
           "extracted/coupons answers the coupons contract and the coupons route points at it"),
)


def module_get(number: int) -> Module:
    """Return module `number`; raise UnknownModule listing the ones there are."""
    for module in MODULES:
        if module.number == number:
            return module
    raise UnknownModule(f"there is no workshop module {number}: the modules are 1 to {len(MODULES)} "
                        "(`strangler workshop list`)")
