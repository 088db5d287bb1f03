"""Recording live traffic to HAR files through the proxy: a sample, redacted, replayable."""
from __future__ import annotations

import json
from pathlib import Path

from strangler_proxy.replay.har import read_har
from strangler_proxy.replay.recorder import HarRecorder
from tests.strangler_proxy.shadow.conftest import DETAIL, LIST, plant

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def test_the_proxy_records_shadowed_traffic_to_har_with_secrets_redacted(shadow_proxy, backends, loop_thread,
                                                                         tmp_path: Path) -> None:
    plant(backends, loop_thread)
    recorder = HarRecorder(tmp_path / "har", entries_per_file=2)
    proxy = shadow_proxy(recorder=recorder, record_percent=100.0, backend_options="dry_run = true\n")
    proxy.get(LIST + "?page=2&access_token=abc123", {"Authorization": f"Bearer {JWT}",
                                                     "Cookie": "sessionid=s3cr3t-cookie"})
    proxy.get(DETAIL, {"X-Request-ID": "second"})
    proxy.request("POST", LIST, {"Content-Type": "application/json"},
                  json.dumps({"email": "a@b.c", "password": "hunter2-hunter2"}).encode())
    proxy.drain()
    loop_thread.run(recorder.flush(final=True))
    files = sorted((tmp_path / "har").rglob("*.har"))
    assert {f.parent.name for f in files} == {"catalog-read", "catalog-write"}
    text = "".join(f.read_text() for f in files)
    for secret in (JWT, "s3cr3t-cookie", "abc123", "hunter2-hunter2"):
        assert secret not in text
    document = json.loads(files[0].read_text())
    assert document["log"]["version"] == "1.2" and document["log"]["creator"]["name"] == "strangler"
    first = document["log"]["entries"][0]
    assert first["request"]["url"].startswith("http://proxy.test/api/v1/catalog/products/?page=2&access_token=")
    assert {h["name"]: h["value"] for h in first["request"]["headers"]}["Authorization"] == "[REDACTED]"
    assert first["response"]["status"] == 200 and '"generated_at"' in first["response"]["content"]["text"]
    requests = [r for f in files for r in read_har(f)]
    assert [r.method for r in requests] == ["GET", "GET", "POST"]
    assert json.loads(requests[2].body) == {"email": "a@b.c", "password": "[REDACTED]"}


def test_a_partial_file_waits_for_more_entries_until_it_is_old_enough(tmp_path: Path, loop_thread) -> None:
    from strangler_proxy.mirror import MirroredRequest, MirroredResponse
    from strangler_proxy.routing.table import parse_table

    now = [0.0]
    recorder = HarRecorder(tmp_path, entries_per_file=3, max_age_seconds=10, clock=lambda: now[0])
    route = parse_table('[backends.monolith]\nurls = ["http://127.0.0.1:1"]\n[[routes]]\nid = "r"\n'
                        'context = "c"\npaths = ["/x"]\n').route("r")
    exchange = (MirroredRequest("id", "GET", "/x", (), b""), MirroredResponse(200, (), b"{}"))
    for _ in range(4):
        recorder.add(route, *exchange)
    loop_thread.run(recorder.flush())
    assert [len(read_har(p)) for p in recorder.written] == [3]
    now[0] = 11.0
    loop_thread.run(recorder.flush())
    assert [len(read_har(p)) for p in recorder.written] == [3, 1]
    assert not list(tmp_path.rglob("*.tmp"))
