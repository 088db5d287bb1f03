"""A contract is data: one request, the status and body shape every side must answer.

`run` sends a contract's request to one side and `problems` lists how the answer
breaks it; a failure names the side that broke it. The same contracts run against
the monolith and the extracted service.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.contract.shapes import ANY, mismatches

__all__ = ["Contract", "Side", "error", "problems", "run"]


def error(code: str, message: Any = ANY, details: Any = ANY) -> dict:
    """The one error shape."""
    return {"error": {"code": code, "message": message, "details": details}}


@dataclass(frozen=True)
class Contract:
    name: str
    method: str
    path: str
    status: int
    body: Any = ANY
    auth: str = "anonymous"                 # anonymous | staff | customer | other_customer | bad_token
    json: Any = None
    raw: bytes | None = None                # a body sent as is, with `content_type`
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    owner: bool = True                      # does the answering side own this context's writes?
    note: str = ""

    @property
    def reads_only(self) -> bool:
        return self.method in ("GET", "HEAD", "OPTIONS") and self.owner

    def __str__(self) -> str:
        return self.name


@dataclass
class Side:
    """One side of a contract: who it is, where it listens, how to make it own writes or not."""

    name: str
    base_url: str
    tokens: dict[str, str]
    set_owner: Any = None

    def own_writes(self, owner: bool) -> None:
        if self.set_owner is not None:
            self.set_owner(owner)


def run(contract: Contract, side: Side) -> httpx.Response:
    headers = dict(contract.headers)
    if contract.auth != "anonymous":
        headers["Authorization"] = f"Bearer {side.tokens[contract.auth]}"
    content = None
    if contract.json is not None:
        content = json.dumps(contract.json).encode()
        headers.setdefault("Content-Type", "application/json")
    elif contract.raw is not None:
        content = contract.raw
    if contract.content_type:
        headers["Content-Type"] = contract.content_type
    side.own_writes(contract.owner)
    with httpx.Client(base_url=side.base_url, follow_redirects=False, timeout=30) as client:
        return client.request(contract.method, contract.path, content=content, headers=headers)


def problems(contract: Contract, response: httpx.Response, *, base: str) -> list[str]:
    found = []
    if response.status_code != contract.status:
        found.append(f"status {response.status_code}, the contract says {contract.status}")
    for name, value in contract.response_headers.items():
        if response.headers.get(name) != value:
            found.append(f"header {name}: {response.headers.get(name)!r}, the contract says {value!r}")
    if contract.body is not ANY:
        try:
            body = response.json()
        except ValueError:
            return found + [f"body is not JSON: {response.text[:200]!r}"]
        found += mismatches(body, contract.body, base=base)
    return found
