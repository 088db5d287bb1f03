"""The route table as immutable data: modes, backends, routes and a route's runtime state."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from strangler_proxy.shadow.policy import ShadowPolicy

__all__ = ["DEFAULT_ROUTE_ID", "MONOLITH", "SAFE_METHODS", "BackendSpec", "Mode", "RouteSpec", "RouteState", "RouteTable"]

MONOLITH = "monolith"
# The pseudo-route of requests no route names: they always go to the monolith.
DEFAULT_ROUTE_ID = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Mode(str, Enum):
    """Where a route's traffic goes, in the order a migration moves through them."""

    MONOLITH = "monolith"
    SHADOW = "shadow"
    CANARY = "canary"
    EXTRACTED = "extracted"
    RETIRED = "retired"

    def __str__(self) -> str:
        return self.value

    @property
    def needs_backend(self) -> bool:
        """Whether the mode sends (or mirrors) traffic to the route's extracted backend."""
        return self in (Mode.SHADOW, Mode.CANARY, Mode.EXTRACTED)


@dataclass(frozen=True, slots=True)
class RouteState:
    """A route's mode; `percent_bp` is the canary share in hundredths of a percent (0..10000)."""

    mode: Mode
    percent_bp: int = 0

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by the store, the audit log and the admin API."""
        from strangler_proxy.routing.canary import format_percent

        return {"mode": self.mode.value, "percent": format_percent(self.percent_bp)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RouteState:
        """Build a state from `as_dict` output."""
        from strangler_proxy.routing.canary import parse_percent

        return cls(Mode(str(data["mode"])), parse_percent(data.get("percent", 0)))


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """A named backend: one or more instances balanced round-robin."""

    name: str
    urls: tuple[str, ...]
    health_path: str | None = "/healthz"
    connect_timeout: float = 2.0
    read_timeout: float = 30.0
    health_interval: float = 5.0
    failure_threshold: int = 5
    reset_timeout: float = 10.0
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """One route of the table; `backend` is the extracted backend (None while only the monolith has it)."""

    id: str
    paths: tuple[str, ...]
    methods: frozenset[str] | None
    context: str
    backend: str | None
    initial: RouteState
    idempotent: bool = False
    body_limit: int | None = None
    shadow: ShadowPolicy | None = None  # [routes.compare/shadow/gate]; None: the defaults

    def allows(self, method: str) -> bool:
        """Whether the route claims this method."""
        return self.methods is None or method in self.methods


@dataclass(frozen=True, slots=True)
class RouteTable:
    """A validated route file: backends by name and routes in file order."""

    source: str
    backends: Mapping[str, BackendSpec]
    routes: tuple[RouteSpec, ...]
    digest: str = ""

    def route(self, route_id: str) -> RouteSpec | None:
        """Return the route with this id, if any."""
        for route in self.routes:
            if route.id == route_id:
                return route
        return None
