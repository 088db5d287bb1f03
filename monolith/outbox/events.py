"""Domain events: small immutable facts, named in the past tense.

The publisher does not know who listens; `monolith.outbox.subscribers` does.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

__all__ = [
    "DomainEvent",
    "OrderCancelled",
    "OrderPlaced",
    "ProductChanged",
    "ProductDeleted",
    "UserSignedUp",
    "event_from_payload",
]


@dataclass(frozen=True)
class DomainEvent:
    aggregate_type: ClassVar[str] = ""

    @property
    def aggregate_id(self) -> str:
        raise NotImplementedError

    @property
    def event_type(self) -> str:
        return type(self).__name__

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UserSignedUp(DomainEvent):
    aggregate_type: ClassVar[str] = "user"
    user_id: int
    email: str
    name: str

    @property
    def aggregate_id(self) -> str:
        return str(self.user_id)


@dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    aggregate_type: ClassVar[str] = "order"
    order_id: int
    user_id: int
    total: str
    item_count: int

    @property
    def aggregate_id(self) -> str:
        return str(self.order_id)


@dataclass(frozen=True)
class OrderCancelled(DomainEvent):
    aggregate_type: ClassVar[str] = "order"
    order_id: int
    user_id: int

    @property
    def aggregate_id(self) -> str:
        return str(self.order_id)


@dataclass(frozen=True)
class ProductChanged(DomainEvent):
    """A product's full state after a change; `origin` says which side wrote it."""

    aggregate_type: ClassVar[str] = "product"
    product_id: int
    product: dict
    version: int
    origin: str = "monolith"

    @property
    def aggregate_id(self) -> str:
        return str(self.product_id)


@dataclass(frozen=True)
class ProductDeleted(DomainEvent):
    aggregate_type: ClassVar[str] = "product"
    product_id: int
    version: int
    origin: str = "monolith"

    @property
    def aggregate_id(self) -> str:
        return str(self.product_id)


_EVENT_TYPES = {cls.__name__: cls for cls in DomainEvent.__subclasses__()}


def event_from_payload(event_type: str, payload: dict[str, Any]) -> DomainEvent:
    """Rebuild an event from its stored payload, ignoring fields it does not know."""
    cls = _EVENT_TYPES[event_type]
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in payload.items() if k in names})
