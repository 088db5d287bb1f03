"""No Redis configured: the stack runs on kombu's filesystem transport, and says so."""
from tests.reliability.conftest import wait_until


def test_without_redis_side_jobs_run_on_the_embedded_broker_which_every_process_announces(make_stack):
    stack = make_stack(redis_url=None)
    stack.start_web()
    relay = stack.start_relay()
    worker = stack.start_worker()

    assert stack.sign_up("offline@example.com") == 201
    wait_until(lambda: stack.count("coupons_coupon") == 1 and stack.count("notifications_message") == 1,
               what="welcome coupon and message")

    for process in (relay, worker):
        assert "broker: embedded filesystem transport in" in process.output()
    assert (stack.root / "broker" / "queue").is_dir()


def test_on_sqlite_a_second_relay_is_refused_with_a_clear_message(make_stack):
    stack = make_stack(redis_url=None)
    stack.start_relay()

    second = stack.monolith("run_relay")

    assert second.returncode != 0
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another relay (pid" in lines[0] and "SQLite allows one relay" in lines[0]
    via_cli = stack.strangler("jobs", "relay")
    assert via_cli.returncode == 2 and via_cli.stderr.startswith("strangler: another relay (pid")
