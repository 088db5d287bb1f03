"""The service's internal data endpoints, as the migration commands call them."""
from __future__ import annotations

from typing import Any

import httpx

from extracted.common.auth import internal_token
from extracted.common.migration.errors import ServiceRefused, ServiceUnavailable
from extracted.common.migration.spec import ContextSpec, TableSpec

__all__ = ["ServiceClient"]


class ServiceClient:
    """Talks to `base_url` + the context's internal prefix with a short-lived service token."""

    def __init__(self, *, base_url: str, context: ContextSpec, jwt_secret: str,
                 jwt_issuer: str = "strangler-monolith", timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self._prefix = context.internal_prefix
        self._secret, self._issuer = jwt_secret, jwt_issuer
        self._http = httpx.Client(base_url=self.base_url, transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=5.0))

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        token = internal_token(secret=self._secret, issuer=self._issuer, subject="strangler-data")
        try:
            response = self._http.request(method, f"{self._prefix}{path}", json=body,
                                          headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as error:
            raise ServiceUnavailable(
                f"the service at {self.base_url} did not answer: {error or type(error).__name__}"
            ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            error = (data or {}).get("error", {}) if isinstance(data, dict) else {}
            raise ServiceRefused(
                f"the service at {self.base_url} refused {method} {path}: "
                f"{response.status_code} {error.get('message') or response.reason_phrase}",
                status=response.status_code, code=error.get("code", ""),
            )
        return data

    def watermark(self, table: TableSpec) -> int:
        return int(self._call("GET", f"/backfill/{table.name}/")["last_id"])

    def reset(self, table: TableSpec) -> None:
        self._call("POST", f"/backfill/{table.name}/reset/")

    def push(self, table: TableSpec, *, after: int, rows: list[dict]) -> dict:
        """Apply one batch and move the watermark from `after` to the batch's last id, atomically."""
        return self._call("POST", f"/backfill/{table.name}/", {"after": after, "rows": rows})

    def bounds(self, table: TableSpec) -> tuple[int, int | None, int | None]:
        data = self._call("GET", f"/reconcile/{table.name}/")
        return data["count"], data["min_id"], data["max_id"]

    def range_checksums(self, table: TableSpec, *, start: int, end: int, size: int) -> list[dict]:
        return self._call("POST", f"/reconcile/{table.name}/ranges/",
                          {"start": start, "end": end, "size": size})["ranges"]

    def rows_between(self, table: TableSpec, *, start: int, end: int) -> list[dict]:
        return self._call("POST", f"/reconcile/{table.name}/rows/", {"start": start, "end": end})["rows"]

    def close(self) -> None:
        self._http.close()
