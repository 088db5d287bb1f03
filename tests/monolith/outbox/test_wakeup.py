import pytest

from monolith.outbox.wakeup import WakeListener, parse_address, relay_wake


@pytest.mark.parametrize("value,expected", [
    ("127.0.0.1:8790", ("127.0.0.1", 8790)),
    ("relay.internal:9000", ("relay.internal", 9000)),
    ("off", None), ("", None), ("OFF", None),
])
def test_the_wake_address_is_host_and_port_or_off(value, expected):
    assert parse_address(value) == expected


@pytest.mark.parametrize("value", ["8790", "localhost:", ":8790", "host:port"])
def test_a_malformed_wake_address_is_refused_with_its_variable_named(value):
    with pytest.raises(ValueError, match="STRANGLER_RELAY_WAKE"):
        parse_address(value)


def test_a_nudge_wakes_a_listening_relay(jobs_settings):
    listener = WakeListener(("127.0.0.1", 0))
    try:
        jobs_settings(relay_wake_address=f"127.0.0.1:{listener.sock.getsockname()[1]}")
        relay_wake()
        relay_wake()

        assert listener.wait(5.0) is True
        assert listener.wait(0.05) is False  # both nudges were drained
    finally:
        listener.close()


@pytest.mark.parametrize("address", ["127.0.0.1:9", "off", "not-an-address"])
def test_a_nudge_never_raises_whoever_listens(jobs_settings, address):
    jobs_settings(relay_wake_address=address)

    relay_wake()


def test_a_relay_that_cannot_listen_falls_back_to_polling():
    import socket

    # A socket without SO_REUSEPORT holds the port, so the relay cannot bind it.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        listener = WakeListener(blocker.getsockname())

        assert listener.sock is None
        assert listener.wait(0.01) is False
