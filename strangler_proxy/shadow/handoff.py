"""The wire between a proxy worker and its shadow sidecar: length-prefixed pickled tuples.

Both ends are this code base in processes of one proxy, joined by a socketpair nobody else
holds, so pickle is safe here and the cheapest encoding of a tuple of strings and bytes.

    worker -> sidecar
      ("config", ProxySettings, ShadowSettings, results store kind)      first, once
      ("route", RouteSpec, {backend name: BackendSpec})                  before a route's first exchange
      ("x", [(route id, MIRROR | RECORD, request fields, request headers,
              answer fields, answer headers), ...])                      shadowed exchanges
      ("counts", {(route, results counter, source): n})                  the worker's refusals
      ("drain", token)                                                   finish everything in flight
    sidecar -> worker
      ("metrics", TallyReport, backends down)                            counts since the last report
      ("drained", token)
"""
from __future__ import annotations

import pickle
import struct
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from strangler_proxy.mirror import MirroredRequest, MirroredResponse, WireHeaders
from strangler_proxy.routing.model import RouteSpec

__all__ = ["MIRROR", "RECORD", "FrameReader", "exchanges_frame", "exchanges_of", "frame"]

MIRROR = 1  # send it to the extracted backend and compare
RECORD = 2  # write it to a HAR file
_LENGTH = struct.Struct("<I")
_pack = _LENGTH.pack
_dumps = pickle.dumps
# Every field but the headers, whatever fields the snapshots grow: one C call each way.
_REQUEST_FIELDS = tuple(name for name in MirroredRequest.__slots__ if name != "headers")
_RESPONSE_FIELDS = tuple(name for name in MirroredResponse.__slots__ if name != "headers")
_request_fields = attrgetter(*_REQUEST_FIELDS)
_response_fields = attrgetter(*_RESPONSE_FIELDS)
MAX_FRAME = 256 * 1024 * 1024


def frame(message: tuple[Any, ...]) -> bytes:
    """Return one message as it goes on the wire."""
    payload = _dumps(message, 5)
    return _pack(len(payload)) + payload


def exchanges_frame(exchanges: Iterable[tuple[RouteSpec, int, MirroredRequest, MirroredResponse]]) -> bytes:
    """Return shadowed exchanges, (route, MIRROR | RECORD, request, answer) each, as one message on the wire."""
    payload = _dumps(("x", [(route.id, flags, _request_fields(request), _wire(request.headers),
                             _response_fields(primary), _wire(primary.headers))
                            for route, flags, request, primary in exchanges]), 5)
    return _pack(len(payload)) + payload


def exchanges_of(message: tuple[Any, ...]) -> list[tuple[str, int, MirroredRequest, MirroredResponse]]:
    """Return (route id, flags, request, primary answer) of each exchange of an "x" message."""
    return [(route, flags, MirroredRequest(headers=_unwire(request_headers), **dict(zip(_REQUEST_FIELDS, request))),
             MirroredResponse(headers=_unwire(answer_headers), **dict(zip(_RESPONSE_FIELDS, answer))))
            for route, flags, request, request_headers, answer, answer_headers in message[1]]


def _wire(headers: Sequence[tuple[str, str]]) -> bytes | tuple[tuple[Any, ...], ...]:
    """Return headers as plain data: WireHeaders as their wire form (a class costs pickle a lookup)."""
    if headers.__class__ is WireHeaders:
        return headers.wire  # type: ignore[attr-defined, no-any-return]
    return tuple(headers)


def _unwire(value: bytes | tuple[tuple[Any, ...], ...]) -> Sequence[tuple[str, str]]:
    # Head lines are bytes and raw headers triples; text headers are pairs.
    if value.__class__ is bytes or (value and len(value[0]) == 3):
        return WireHeaders(value)
    return value  # type: ignore[return-value]


class FrameReader:
    """Cut a byte stream into messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[Any, ...]]:
        """Take bytes as they arrive; return the messages completed by them."""
        buffer = self._buffer
        buffer += data
        messages = []
        start = 0
        end = len(buffer)
        with memoryview(buffer) as view:
            while end - start >= 4:
                (size,) = _LENGTH.unpack_from(view, start)
                if size > MAX_FRAME:
                    raise ValueError(f"shadow hand-off frame of {size} bytes")
                if end - start - 4 < size:
                    break
                messages.append(pickle.loads(view[start + 4:start + 4 + size]))
                start += 4 + size
        if start:
            del buffer[:start]
        return messages
