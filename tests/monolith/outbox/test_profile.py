"""The start-up check: no retry delay or run may reach Redis's visibility timeout."""
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import given, strategies as st

from monolith.outbox.profile import broker_description, profile_problems

ROOT = Path(__file__).resolve().parents[3]
REDIS = "redis://127.0.0.1:6379/0"


def _jobs(**changes):
    return dataclasses.replace(django_settings.STRANGLER["JOBS"], **changes)


def _problems(*, retry_max=600.0, time_limit=90.0, soft=60.0, visibility=3600.0, broker=REDIS, **jobs):
    return profile_problems(broker_url=broker, transport_options={"visibility_timeout": visibility},
                            jobs=_jobs(retry_max_seconds=retry_max, **jobs), soft_time_limit=soft,
                            time_limit=time_limit)


def test_the_default_profile_is_safe():
    assert _problems() == []


@given(retry_max=st.floats(min_value=0.01, max_value=1e5), time_limit=st.floats(min_value=0.02, max_value=1e5),
       visibility=st.floats(min_value=0.01, max_value=2e5))
def test_a_profile_is_refused_exactly_when_a_retry_and_a_run_can_reach_the_visibility_timeout(
        retry_max, time_limit, visibility):
    problems = _problems(retry_max=retry_max, time_limit=time_limit, soft=time_limit / 2, visibility=visibility)

    assert bool(problems) == (retry_max + time_limit >= visibility)


def test_the_refusal_names_the_variables_to_change():
    [problem] = _problems(retry_max=4000)

    for name in ("STRANGLER_JOBS_RETRY_MAX_SECONDS", "STRANGLER_JOBS_TIME_LIMIT_SECONDS",
                 "STRANGLER_BROKER_VISIBILITY_TIMEOUT_SECONDS"):
        assert name in problem


def test_the_embedded_broker_has_no_visibility_timeout_to_check():
    assert _problems(retry_max=10_000, broker="filesystem://") == []


@pytest.mark.parametrize("changes,fragment", [
    ({"time_limit": None, "soft": None}, "needs a task time limit"),
    ({"soft": 90.0, "time_limit": 90.0}, "soft time limit"),
    ({"max_retries": -1}, "STRANGLER_JOBS_MAX_RETRIES"),
    ({"max_starts": 0}, "STRANGLER_JOBS_MAX_STARTS must be at least 1"),
    ({"prune_interval_seconds": -1}, "STRANGLER_JOBS_PRUNE_INTERVAL_SECONDS"),
    ({"retention_days": 0.01}, "STRANGLER_JOBS_RETENTION_DAYS (0.01) would prune inbox rows while duplicates"),
])
def test_other_unsafe_profiles_are_refused(changes, fragment):
    assert any(fragment in p for p in _problems(**changes))


def test_the_broker_line_says_which_broker_and_hides_credentials():
    class App:
        class conf:
            broker_url = "redis://:secret@cache.internal:6379/0"
            broker_transport_options = {}

    assert broker_description(App) == "broker: Redis at cache.internal:6379/0"
    App.conf.broker_url = "filesystem://"
    App.conf.broker_transport_options = {"data_folder_in": "/srv/broker/queue"}
    assert broker_description(App).startswith("broker: embedded filesystem transport in /srv/broker/queue")


def _unsafe_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRANGLER_", "DJANGO_", "CELERY_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "monolith.settings.local", "STRANGLER_VAR_DIR": str(tmp_path),
                "REDIS_URL": "redis://127.0.0.1:9/0", "STRANGLER_JOBS_RETRY_MAX_SECONDS": "4000",
                "PYTHONPATH": str(ROOT)})
    return env


def test_a_worker_with_an_unsafe_profile_refuses_to_start(tmp_path):
    result = subprocess.run([sys.executable, "-m", "celery", "-A", "monolith.celery", "worker", "-P", "solo"],
                            cwd=ROOT, env=_unsafe_env(tmp_path), capture_output=True, text=True, timeout=120)

    assert result.returncode == 2
    assert "celery worker: unsafe Celery profile: a retried job can wait 4000 s" in result.stderr


def test_a_relay_with_an_unsafe_profile_refuses_to_start(tmp_path):
    env = _unsafe_env(tmp_path)
    subprocess.run([sys.executable, "-m", "monolith", "migrate", "-v0"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)

    result = subprocess.run([sys.executable, "-m", "monolith", "run_relay"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("CommandError: unsafe Celery profile: a retried job can wait 4000 s")


def test_django_checks_warn_about_an_unsafe_profile(jobs_settings):
    from monolith.outbox.checks import celery_profile_check

    jobs_settings(retry_max_seconds=10_000_000)
    from monolith.celery import app

    if not (app.conf.broker_url or "").startswith("redis"):
        pytest.fail("this test needs the Redis broker: set STRANGLER_TEST_REDIS_URL")
    [message] = celery_profile_check()
    assert message.id == "outbox.W001" and "unsafe Celery profile" in message.msg
