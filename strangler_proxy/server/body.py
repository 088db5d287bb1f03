"""A request body on its way upstream: streamed, with the size limit enforced as it flows.

Bodies are streamed chunk by chunk. A declared Content-Length over the limit is refused at
once (413) without reading; a chunked body is counted as it passes and cut off at the limit.
When the request may need to be sent twice (fallback to the monolith) or captured for the
shadow hook, up to `keep` bytes are buffered first; a body that does not fit keeps streaming
and is simply not replayable.
"""
from __future__ import annotations

from collections.abc import AsyncIterator

from strangler_proxy.errors import BodyTooLarge
from strangler_proxy.server.request import Request

__all__ = ["NO_REQUEST_BODY", "RequestBody", "continue_if_expected"]


def continue_if_expected(request: Request) -> None:
    """Answer `Expect: 100-continue` once the body is wanted (after the size check)."""
    expect = request.header(b"expect")
    if expect is not None and request.version >= (1, 1) and expect.lower() == "100-continue":
        request.send_continue()


class RequestBody:
    """Prepare a request's body for forwarding."""

    __slots__ = ("_request", "limit", "payload", "replayable", "exceeded")

    def __init__(self, request: Request, *, limit: int) -> None:
        self._request = request
        self.limit = limit
        self.payload: bytes | AsyncIterator[bytes] | None = None
        self.replayable = True
        self.exceeded = False

    def too_large(self) -> BodyTooLarge:
        """Mark the body as over the limit and return the error to raise."""
        self.exceeded = True
        return BodyTooLarge(f"the request body is larger than the limit of {self.limit} bytes",
                            details={"limit": self.limit})

    async def prepare(self, *, keep: int = 0) -> None:
        """Set `payload`: None, bytes (when it fits in `keep`) or a stream."""
        request = self._request
        declared = request.content_length
        if declared is not None and declared > self.limit:
            raise self.too_large()
        if not request.body_exists:
            return
        continue_if_expected(request)
        keep = min(keep, self.limit)
        if declared is not None and declared <= keep:
            self.payload = await request.read()
            return
        if keep <= 0:
            self.payload = self._stream(b"")
            self.replayable = False
            return
        buffered = bytearray()
        content = request.content
        while len(buffered) <= keep:
            chunk = await content.readany()
            if not chunk:
                self.payload = bytes(buffered)
                return
            buffered += chunk
            if len(buffered) > self.limit:
                raise self.too_large()
        self.payload = self._stream(bytes(buffered))
        self.replayable = False

    async def _stream(self, head: bytes) -> AsyncIterator[bytes]:
        total = len(head)
        if head:
            yield head
        content = self._request.content
        while True:
            chunk = await content.readany()
            if not chunk:
                return
            total += len(chunk)
            if total > self.limit:
                raise self.too_large()
            yield chunk

    @property
    def captured(self) -> bytes | None:
        """Return the body if it is in memory (for the shadow hook), else None."""
        if self.payload is None:
            return b""
        return self.payload if isinstance(self.payload, bytes) else None


class _NoRequestBody:
    """What a request without a body needs from RequestBody, shared by all of them."""

    __slots__ = ()
    payload = None
    replayable = True
    exceeded = False
    captured = b""


NO_REQUEST_BODY: RequestBody = _NoRequestBody()  # type: ignore[assignment]
