"""Waking the relay when an event commits: one UDP datagram, fire and forget.

The writer must never wait on the relay or the broker, so the nudge is a
non-blocking datagram that may be lost; the relay also polls, so a lost nudge
costs at most one poll interval. STRANGLER_RELAY_WAKE=host:port, or "off".
"""
from __future__ import annotations

import logging
import select
import socket
import threading

from django.conf import settings

__all__ = ["WakeListener", "parse_address", "relay_wake"]

log = logging.getLogger(__name__)

_sender: socket.socket | None = None
_sender_lock = threading.Lock()


def parse_address(value: str) -> tuple[str, int] | None:
    """`host:port` as a tuple; None for "off" or an empty value."""
    value = (value or "").strip()
    if value.lower() in {"", "off", "none", "0"}:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"STRANGLER_RELAY_WAKE must be host:port or off, not {value!r}")
    return host, int(port)


def _address() -> tuple[str, int] | None:
    return parse_address(settings.STRANGLER["JOBS"].relay_wake_address)


def relay_wake() -> None:
    """Nudge the relay; never blocks, never raises."""
    global _sender
    try:
        address = _address()
        if address is None:
            return
        if _sender is None:
            with _sender_lock:
                if _sender is None:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    sock.setblocking(False)
                    _sender = sock
        _sender.sendto(b"w", address)
    except (OSError, ValueError):  # nobody listening, buffer full, bad address: polling covers it
        pass


class WakeListener:
    """The relay's end: wait for a nudge or a timeout, whichever comes first."""

    def __init__(self, address: tuple[str, int] | None) -> None:
        self.sock: socket.socket | None = None
        if address is None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):  # several relays (PostgreSQL) share the address
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind(address)
        except OSError as error:
            sock.close()
            log.warning("relay: cannot listen for wake-ups on %s:%s (%s); polling only", *address, error)
            return
        sock.setblocking(False)
        self.sock = sock

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds; True if woken. Drains queued nudges."""
        if self.sock is None:
            threading.Event().wait(timeout)
            return False
        ready, _, _ = select.select([self.sock], [], [], timeout)
        woken = bool(ready)
        while True:
            try:
                self.sock.recv(64)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
        return woken

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
