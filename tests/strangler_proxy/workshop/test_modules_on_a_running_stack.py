"""Every workshop module, in order, on one running stack: its check fails at its start and names
what is missing; after its reference solution the check passes. Then module 5's experiment:
a worker child killed mid-job loses nothing.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

# What each check must name as missing right after `strangler workshop reset N`.
MISSING_AT_START = {
    1: ["every accounts endpoint is named by a route", "no route names POST /api/v1/accounts/signup/"],
    2: ["catalog-products-read is in shadow", "the shadow compared at least 100 product reads"],
    3: ["the catalog service, started from your code, answers product reads like the monolith", "/price"],
    4: ["catalog-products-read is extracted", "the cut-over came right after a canary step"],
    5: ["the sign-up request no longer issues the welcome coupon", "subscribes to UserSignedUp", "someone signed up"],
    6: ["extracted/coupons offers create_app", "the route file has a `coupons` backend", "the coupons contract holds"],
}


@pytest.mark.parametrize("number", sorted(MISSING_AT_START))
def test_each_module_check_fails_at_its_start_naming_what_is_missing_and_passes_after_its_solution(
        learner_stack, number):
    reset = learner_stack.strangler("workshop", "reset", str(number))
    at_start = learner_stack.strangler("workshop", "check", str(number))
    at_start_json = json.loads(learner_stack.strangler("workshop", "check", str(number), "--json").stdout)
    solved = learner_stack.strangler("workshop", "solve", str(number))
    after = learner_stack.strangler("workshop", "check", str(number))

    assert reset.returncode == 0, reset.stderr
    assert at_start.returncode == 1, at_start.stdout + at_start.stderr
    missing_section = at_start.stdout.split("missing:", 1)[1]
    for fragment in MISSING_AT_START[number]:
        assert fragment in missing_section, f"{fragment!r} not named in:\n{at_start.stdout}"
    assert at_start_json["passed"] is False and any(not item["ok"] for item in at_start_json["items"])
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert after.returncode == 0, after.stdout + after.stderr
    assert f"module {number} done" in after.stdout


def test_a_worker_child_killed_mid_job_as_module_5_has_it_loses_no_welcome_job(learner_stack):
    held = subprocess.Popen([sys.executable, "-m", "strangler_proxy.cli", "workshop", "signup", "--hold", "8"],
                            cwd=learner_stack.root, env=learner_stack.env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        for line in held.stdout:
            lines.append(line)
            if "kill -9" in line:
                for pid in line.split("kill -9", 1)[1].split():
                    os.kill(int(pid), signal.SIGKILL)
                break
        output = "".join(lines) + held.communicate(timeout=120)[0]
    finally:
        if held.poll() is None:
            held.kill()
            held.wait()
    deadline = time.monotonic() + 30
    while "WorkerLostError" not in learner_stack.log_text() and time.monotonic() < deadline:
        time.sleep(0.5)

    assert any("kill -9" in line for line in lines), output
    assert held.returncode == 0, output
    assert "1 welcome coupon(s), 1 welcome message(s)" in output
    assert "WorkerLostError" in learner_stack.log_text()
    assert learner_stack.process.poll() is None, "the stack stopped: the worker's main process must survive"
