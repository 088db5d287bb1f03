"""`strangler compare|replay|report`: replays against fakes on loopback, exit codes, bad input, the gate."""
from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from strangler_proxy.cli import main
from strangler_proxy.diff import Comparison, Difference, Kind
from strangler_proxy.shadow.results import ResultsBatch
from strangler_proxy.shadow.results.sqlite import SqliteResults
from tests.strangler_proxy.shadow.conftest import DETAIL, LIST, SHADOW_ROUTES, plant


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.output


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backends, loop_thread) -> Path:
    """A route file naming the fake monolith and catalog (with planted differences); returns tmp_path."""
    plant(backends, loop_thread)
    parts = [f'[backends.{name}]\nurls = ["{b.url}"]\nhealth_path = "/healthz"\n' for name, b in backends.items()]
    routes = SHADOW_ROUTES.replace("{extra}", "[routes.gate]\nmin_compared = 5")
    (tmp_path / "strangler.toml").write_text("\n".join(parts) + routes)
    monkeypatch.setenv("STRANGLER_ROUTES", str(tmp_path / "strangler.toml"))
    monkeypatch.setenv("STRANGLER_STORE", str(tmp_path / "routes.sqlite3"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    return tmp_path


def har(path: Path, *requests: tuple[str, str], headers: list[dict] | None = None) -> Path:
    entries = [{"startedDateTime": "2025-03-01T12:00:00Z", "time": 1,
                "request": {"method": method, "url": f"https://shop.test{target}", "httpVersion": "HTTP/1.1",
                            "headers": headers or [], "queryString": [], "cookies": [], "headersSize": -1,
                            "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                             "cookies": [], "content": {"size": 0, "mimeType": "application/json"},
                             "redirectURL": "", "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}} for method, target in requests]
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                                        "entries": entries}}))
    return path


def test_a_replay_where_only_noise_differs_passes_with_exit_0(env, backends) -> None:
    result = run("replay", str(har(env / "ok.har", *[("GET", DETAIL)] * 6)), "--route", "catalog-read")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("PASS catalog-read: 6 compared: 0 matched, 0 mismatched, 6 noise only")
    assert len([h for h in backends["monolith"].hits if h.headers.get("X-Strangler-Replay") == "1"]) == 12


def test_a_replay_above_the_threshold_fails_with_exit_1_and_junit_lists_each_mismatch(env) -> None:
    junit = env / "out" / "replay.xml"
    result = run("replay", str(har(env / "bad.har", *[("GET", LIST)] * 4, ("GET", DETAIL))), "--route",
                 "catalog-read", "--junit", str(junit), "--max-mismatch-percent", "50")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("FAIL catalog-read: 5 compared: 0 matched, 4 mismatched, 1 noise only")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "4", "0")
    failure = suite.find("testcase/failure")
    assert "/results/*/price" in failure.get("message") and "/results/*/sku" in failure.get("message")


def test_a_replay_passes_under_a_generous_threshold_and_skips_other_routes(env) -> None:
    path = har(env / "mixed.har", ("GET", LIST), ("GET", DETAIL), ("GET", DETAIL), ("GET", "/api/v1/orders/"),
               ("POST", LIST))
    result = run("replay", str(path), "--route", "catalog-read", "--max-mismatch-percent", "40", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passed"] and data["skipped"] == 2
    assert [c["outcome"] for c in data["cases"]] == ["mismatched", "noise", "noise", "skipped", "skipped"]


def test_a_replay_against_a_side_that_is_down_fails(env, backends, loop_thread) -> None:
    loop_thread.run(backends["catalog"].stop())
    result = run("replay", str(har(env / "down.har", ("GET", DETAIL))), "--route", "catalog-read")
    assert result.exit_code == 1
    assert "1 without an answer" in result.stdout


@pytest.mark.parametrize("content, fragment", [
    ("{not json", "not a HAR file: not valid JSON"),
    ("[]", "(top level): must be an object"),
    ('{"log": {}}', "log.entries: missing"),
    ('{"log": {"entries": [{"request": {"method": "GET"}}]}}', "log.entries[0].request.url: missing"),
    ('{"log": {"entries": [{"request": {"method": "FETCH", "url": "/x"}}]}}', "unknown method 'FETCH'"),
    ('{"log": {"entries": [{"request": {"method": "GET", "url": "/x", "headers": [{"name": 1}]}}]}}',
     "log.entries[0].request.headers[0].name: must be a string"),
])
def test_a_malformed_har_file_is_one_line_and_exit_2(env, content: str, fragment: str) -> None:
    path = env / "broken.har"
    path.write_text(content)
    assert_one_line_error(run("replay", str(path), "--route", "catalog-read"), fragment)


def test_missing_files_unknown_routes_and_bad_headers_are_one_line_errors(env) -> None:
    assert_one_line_error(run("replay", str(env / "nope.har"), "--route", "catalog-read"), "no such file")
    ok = str(har(env / "ok.har", ("GET", DETAIL)))
    assert_one_line_error(run("replay", ok, "--route", "nope"), "unknown route(s) 'nope'")
    assert_one_line_error(run("replay", ok), "exactly one --route")
    assert_one_line_error(run("replay", ok, "--route", "catalog-read", "--header", "no-colon"), "expected 'Name: value'")


def test_compare_checks_a_list_of_requests_from_a_file(env) -> None:
    listed = env / "requests.txt"
    listed.write_text(f"# a quick check\n{DETAIL}\nGET {DETAIL}\n\nHEAD {DETAIL}\n")
    result = run("compare", "--requests", str(listed), "--route", "catalog-read")
    assert result.exit_code == 0, result.output
    assert "3 compared" in result.stdout
    listed.write_text(f'{LIST}\n{{"method": "GET", "path": "{DETAIL}", "headers": {{"Accept": "application/json"}}}}\n')
    assert run("compare", "--requests", str(listed), "--route", "catalog-read").exit_code == 1


@pytest.mark.parametrize("content, fragment", [
    ("GTE /x\n", "line 1: unknown method 'GTE'"),
    ("# only a comment\n", "no requests in the file"),
    ("GET x\n", "line 1: the path must start with '/'"),
    ('GET /a\n{"path": 3}\n', "line 2: 'path' is required"),
    ("{oops\n", "line 1: not valid JSON"),
    ("GET /a b c\n", "line 1: expected `METHOD /path` or `/path`"),
])
def test_a_bad_request_file_is_one_line_and_exit_2(env, content: str, fragment: str) -> None:
    listed = env / "requests.txt"
    listed.write_text(content)
    assert_one_line_error(run("compare", "--requests", str(listed), "--route", "catalog-read"), fragment)


def comparison(*fields: str) -> Comparison:
    return Comparison([Difference(Kind.VALUE_CHANGED, f.replace("*", "0"), f, 1, 2) for f in fields])


def shadow_results(env: Path, *, matched: int = 0, planted: int = 0, noise_probes: int = 0) -> None:
    """Write results as the proxy's workers would: beside the route store."""
    batch = ResultsBatch()
    for _ in range(matched):
        batch.compared("catalog-read", comparison("/generated_at"))
    for _ in range(planted):
        batch.compared("catalog-read", comparison("/generated_at", "/results/*/price"))
    for _ in range(noise_probes):
        batch.noise_probe("catalog-read", comparison("/generated_at"))
    store = SqliteResults(env / "routes.results.sqlite3")
    store.apply(batch)
    store.close()


def test_suggest_rules_prints_toml_that_pastes_under_the_route(env) -> None:
    shadow_results(env, matched=20, planted=10, noise_probes=20)
    result = run("compare", "--suggest-rules", "--route", "catalog-read")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# catalog-read: under its [routes.compare] table")
    assert tomllib.loads(result.stdout) == {"ignore": ["/generated_at"]}


def test_compare_shows_the_results_table_and_json(env) -> None:
    shadow_results(env, matched=20, planted=10, noise_probes=20)
    table = run("compare").stdout.splitlines()
    assert table[0].split()[:5] == ["ROUTE", "COMPARED", "MATCHED", "MISMATCHED", "NOISE"]
    row = next(line for line in table if line.startswith("catalog-read "))
    assert row.split()[1:5] == ["30", "0", "10", "20"]
    data = json.loads(run("compare", "--json", "--route", "catalog-read").stdout)
    [route] = data["routes"]
    assert route["gate"]["allowed"] is False and route["mismatched"] == 10


def test_flip_to_extracted_is_refused_without_evidence_and_forced_with_a_reason(env) -> None:
    refused = run("flip", "catalog-read", "extracted", "--reason", "looks fine")
    assert_one_line_error(refused, "too little shadow evidence: 0 compared (needs 5)")
    shadow_results(env, matched=3, planted=3, noise_probes=10)
    assert_one_line_error(run("flip", "catalog-read", "extracted", "--reason", "now?"),
                          "differs too often from the monolith: 6 compared (needs 5), 3 mismatched = 50%")
    assert run("flip", "catalog-read", "canary", "--percent", "5", "--reason", "not gated").exit_code == 0
    forced = run("flip", "catalog-read", "extracted", "--reason", "incident 42: monolith down", "--force")
    assert forced.exit_code == 0, forced.output
    [entry] = json.loads(run("history", "--route", "catalog-read", "--limit", "1", "--json").stdout)
    assert entry["after"]["mode"] == "extracted"
    assert entry["reason"].startswith("incident 42: monolith down [forced past the evidence gate: route")


def test_flip_to_extracted_is_allowed_once_the_evidence_is_there(env) -> None:
    shadow_results(env, matched=5, noise_probes=10)
    result = run("flip", "catalog-read", "extracted", "--reason", "evidence is in")
    assert result.exit_code == 0, result.output
    [entry] = json.loads(run("history", "--route", "catalog-read", "--limit", "1", "--json").stdout)
    assert entry["reason"] == "evidence is in"


def test_report_prints_fields_and_writes_html(env) -> None:
    shadow_results(env, matched=20, planted=10, noise_probes=20)
    text = run("report", "--route", "catalog-read").stdout
    labels = {line.split()[0]: line.split()[1] for line in text.splitlines() if line.startswith("  /")}
    assert labels == {"/results/*/price": "real", "/generated_at": "noise"}
    assert "example of /results/*/price" not in text  # these results were written without examples
    page = env / "report" / "shadow.html"
    result = run("report", "--html", str(page))
    assert result.exit_code == 0 and page.read_text().startswith("<!doctype html>")
    assert_one_line_error(run("report", "--html", str(env / "strangler.toml" / "x.html")), "cannot write")


def test_reset_forgets_a_routes_results_and_needs_a_reason(env) -> None:
    shadow_results(env, matched=5)
    assert_one_line_error(run("compare", "--reset", "--route", "catalog-read"), "--reset needs --route and --reason")
    assert run("compare", "--reset", "--route", "catalog-read", "--reason", "fixed the bug").exit_code == 0
    data = json.loads(run("compare", "--json", "--route", "catalog-read").stdout)
    assert data["routes"][0]["compared"] == 0


# --- replays as gate evidence -------------------------------------------------------------------

RESULTS_FILE = "routes.results.sqlite3"


def recorded(env: Path) -> dict:
    """The route's results as `strangler compare --json` shows them."""
    result = run("compare", "--json", "--route", "catalog-read")
    assert result.exit_code == 0, result.output
    [route] = json.loads(result.stdout)["routes"]
    return route


def test_a_replay_with_matching_answers_is_recorded_as_replay_evidence_and_opens_the_gate(env) -> None:
    result = run("replay", str(har(env / "ok.har", *[("GET", DETAIL)] * 6)), "--route", "catalog-read")
    assert result.exit_code == 0, result.output
    assert "source: replay; added to the evidence of catalog-read" in result.stdout
    route = recorded(env)
    assert (route["compared"], route["mismatched"], route["gate"]["allowed"]) == (6, 0, True)
    assert route["sources"] == [{"source": "replay", "direction": "extracted differs from monolith", "compared": 6,
                                 "matched": 0, "mismatched": 0, "noise": 6, "mismatch_rate": 0.0,
                                 "noise_probes": 6, "errors": 0}]
    row = next(line for line in run("compare").stdout.splitlines() if line.startswith("catalog-read "))
    assert row.endswith("replay 6")
    flipped = run("flip", "catalog-read", "extracted", "--reason", "the replay matched")
    assert flipped.exit_code == 0, flipped.output


def test_a_replay_with_mismatches_is_recorded_too_and_the_gate_refuses(env) -> None:
    shadow_results(env, matched=3, noise_probes=3)  # some live evidence already: both sources count
    result = run("replay", str(har(env / "bad.har", *[("GET", LIST)] * 6)), "--route", "catalog-read", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["recorded"] is True
    route = recorded(env)
    assert {s["source"]: (s["compared"], s["mismatched"]) for s in route["sources"]} == {"shadow": (3, 0),
                                                                                        "replay": (6, 6)}
    refused = run("flip", "catalog-read", "extracted", "--reason", "try")
    assert_one_line_error(refused, "differs too often from the monolith: 9 compared (needs 5), 6 mismatched")
    assert "; compared by source: shadow 3, replay 6" in refused.stderr
    report = run("report", "--route", "catalog-read", "--samples", "10").stdout
    assert "SOURCE" in report and "replay" in report
    assert "example of /results/*/price" in report  # the replay kept examples of its mismatches


def test_no_record_leaves_the_results_store_untouched(env) -> None:
    path = str(har(env / "ok.har", *[("GET", DETAIL)] * 6))
    quick = run("replay", path, "--route", "catalog-read", "--no-record")
    assert quick.exit_code == 0, quick.output
    assert "not recorded" in quick.stdout
    assert not (env / RESULTS_FILE).exists()
    listed = env / "requests.txt"
    listed.write_text(f"{DETAIL}\n")
    assert run("compare", "--requests", str(listed), "--route", "catalog-read", "--no-record").exit_code == 0
    assert not (env / RESULTS_FILE).exists()
    shadow_results(env, matched=2)
    before = recorded(env)
    assert run("replay", path, "--route", "catalog-read", "--no-record").exit_code == 0
    assert recorded(env) == before


def test_a_replay_against_a_url_of_ones_own_is_not_evidence_unless_asked(env, backends) -> None:
    path = str(har(env / "ok.har", *[("GET", DETAIL)] * 2))
    own = run("replay", path, "--route", "catalog-read", "--extracted", backends["catalog"].url, "--json")
    assert own.exit_code == 0, own.output
    assert json.loads(own.stdout)["recorded"] is False and not (env / RESULTS_FILE).exists()
    asked = run("replay", path, "--route", "catalog-read", "--extracted", backends["catalog"].url, "--record")
    assert asked.exit_code == 0 and recorded(env)["compared"] == 2


def test_compare_requests_records_as_the_replay_source(env) -> None:
    listed = env / "requests.txt"
    listed.write_text(f"{DETAIL}\n" * 3)
    assert run("compare", "--requests", str(listed), "--route", "catalog-read").exit_code == 0
    assert [s["source"] for s in recorded(env)["sources"]] == ["replay"]


@pytest.mark.parametrize("args, fragment", [
    (("replay", "{env}/nope.har", "--route", "catalog-read"), "no such file"),
    (("replay", "{ok}", "--route", "nope"), "unknown route(s) 'nope'"),
    (("replay", "{ok}", "--route", "catalog-read", "--header", "no-colon"), "expected 'Name: value'"),
    (("replay", "{ok}", "--route", "catalog-read", "--host", "a b"), "--host 'a b'"),
    (("compare", "--requests", "{env}/nope.txt", "--route", "catalog-read"), "cannot read"),
    (("compare", "--requests", "{ok}", "--route", "nope"), "unknown route(s) 'nope'"),
])
def test_bad_input_is_one_line_and_writes_no_evidence(env, backends, args: tuple[str, ...], fragment: str) -> None:
    ok = str(har(env / "ok.har", ("GET", DETAIL)))
    assert_one_line_error(run(*(a.format(env=env, ok=ok) for a in args)), fragment)
    assert not (env / RESULTS_FILE).exists()
    assert backends["monolith"].hits == [] and backends["catalog"].hits == []


# --- the same Host on both sides --------------------------------------------------------------------

@pytest.fixture
def echo_host(env, backends) -> Path:
    """Both fakes answer with the Host they received: the answers match only if both got the same."""
    async def echo(request, body: bytes):
        from aiohttp import web

        return web.json_response({"host": request.headers.get("Host"), "path": request.path})

    for backend in backends.values():
        backend.respond = echo
    return env


def hosts_seen(backends) -> set[str]:
    return {hit.headers.get("Host") for backend in backends.values() for hit in backend.hits}


def test_a_har_entrys_host_reaches_both_sides(echo_host, backends) -> None:
    by_header = har(echo_host / "h.har", ("GET", DETAIL), headers=[{"name": "Host", "value": "shop.example.com"}])
    result = run("replay", str(by_header), "--route", "catalog-read", "--no-record")
    assert result.exit_code == 0 and "1 matched" in result.stdout, result.output
    assert hosts_seen(backends) == {"shop.example.com"}
    for backend in backends.values():
        backend.requests.clear()
    by_url = har(echo_host / "u.har", ("GET", DETAIL))  # https://shop.test/... and no Host header
    assert run("replay", str(by_url), "--route", "catalog-read", "--no-record").exit_code == 0
    assert hosts_seen(backends) == {"shop.test"}


def test_a_request_file_without_a_host_sends_the_monolith_host_to_both_or_the_one_asked_for(echo_host,
                                                                                          backends) -> None:
    listed = echo_host / "requests.txt"
    listed.write_text(f"{DETAIL}\n")
    result = run("compare", "--requests", str(listed), "--route", "catalog-read", "--no-record")
    assert result.exit_code == 0 and "1 matched" in result.stdout, result.output
    assert hosts_seen(backends) == {backends["monolith"].url.removeprefix("http://")}
    for backend in backends.values():
        backend.requests.clear()
    assert run("compare", "--requests", str(listed), "--route", "catalog-read", "--no-record",
               "--host", "public.example.com").exit_code == 0
    assert hosts_seen(backends) == {"public.example.com"}


def test_a_request_files_host_wins_over_host_and_header_host_wins_over_both(echo_host, backends) -> None:
    listed = echo_host / "requests.txt"
    listed.write_text(f'{{"path": "{DETAIL}", "headers": {{"Host": "listed.example.com"}}}}\n')
    assert run("compare", "--requests", str(listed), "--route", "catalog-read", "--no-record",
               "--host", "public.example.com").exit_code == 0
    assert hosts_seen(backends) == {"listed.example.com"}
    for backend in backends.values():
        backend.requests.clear()
    assert run("compare", "--requests", str(listed), "--route", "catalog-read", "--no-record",
               "--header", "Host: forced.example.com").exit_code == 0
    assert hosts_seen(backends) == {"forced.example.com"}


@pytest.mark.parametrize("url, headers, host", [
    ("https://shop.test/p/", [], "shop.test"),
    ("https://user:secret@shop.test/p/", [], "shop.test"),
    ("https://shop.test/p/", [{"name": "Host", "value": "www.shop.test:8443"}], "www.shop.test:8443"),
    ("/p/", [{"name": ":authority", "value": "h2.shop.test"}], "h2.shop.test"),
    ("http://strangler.invalid/p/", [], None),  # the recorder's placeholder when it saw no host
    ("/p/", [], None),
])
def test_a_har_entry_names_its_host_by_header_authority_or_url(tmp_path: Path, url: str, headers: list,
                                                               host: str | None) -> None:
    from strangler_proxy.replay.har import read_har

    path = tmp_path / "one.har"
    path.write_text(json.dumps({"log": {"entries": [{"request": {"method": "GET", "url": url, "headers": headers}}]}}))
    [request] = read_har(path)
    assert request.host == host and all(name.lower() not in ("host", ":authority") for name, _ in request.headers)
