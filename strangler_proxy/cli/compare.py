"""`strangler compare|replay|report`: shadow results, rules learned from noise, replays that gate CI.

    strangler compare                       per-route results of the live shadow, with the gate
    strangler compare --suggest-rules       ignore rules learned from noise, TOML ready to paste
    strangler compare --requests FILE --route R    a quick check: each listed request to both sides
    strangler compare --reset --route R --reason TEXT   forget a route's results (evidence starts over)
    strangler replay FILE.har... --route R  recorded traffic to both sides; exit 1 above the threshold
    strangler report [--html FILE]          per route: fields real and noise, examples, as text or HTML

A replay (and `compare --requests`) adds its results to the route's results as the `replay`
source, beside the live shadow's: the cut-over gate counts both, reports tell them apart.
`--no-record` leaves the results store alone; so does a run against a --monolith or
--extracted URL of its own, unless `--record` is given.

Exit codes: 0 fine, 1 a replay or check above its mismatch threshold (or nothing compared),
2 bad input (one line on stderr).
"""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from strangler_proxy.cli._shared import (
    CommandFailed,
    echo_json,
    failures_as_messages,
    open_table,
    settings_from_env,
)
from strangler_proxy.replay.errors import InputFileError
from strangler_proxy.replay.har import read_har
from strangler_proxy.replay.junit import write_junit
from strangler_proxy.replay.model import ReplayRequest
from strangler_proxy.replay.requests_file import read_requests
from strangler_proxy.replay.runner import ReplayOptions, ReplayReport, replay, replay_target
from strangler_proxy.routing.model import RouteTable
from strangler_proxy.shadow.config import ShadowSettings
from strangler_proxy.shadow.report import route_reports
from strangler_proxy.shadow.report_html import render_html
from strangler_proxy.shadow.report_text import detail_lines, summary_lines, table
from strangler_proxy.shadow.results import open_results
from strangler_proxy.shadow.results.base import ResultsStore
from strangler_proxy.shadow.results.model import REPLAY

__all__ = ["register"]

_log = logging.getLogger("strangler.shadow")


def _replay_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options `replay` and `compare --requests` share."""
    options = [
        click.option("--route", "route_ids", multiple=True,
                     help="Route to compare (repeatable for `compare`; exactly one to replay)."),
        click.option("--concurrency", type=click.IntRange(1, 512), default=8, show_default=True,
                     help="Requests in flight at once."),
        click.option("--noise-percent", type=click.FloatRange(0, 100), default=100.0, show_default=True,
                     help="Share of safe requests sent to the monolith twice, to learn noise."),
        click.option("--include-unsafe", is_flag=True,
                     help="Also send POST, PUT, PATCH, DELETE (to both sides: use test data)."),
        click.option("--timeout", type=click.FloatRange(0.001, 600), default=30.0, show_default=True,
                     help="Seconds to wait for each answer."),
        click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
                     help="Header to add or replace on every request, e.g. a test user's Authorization."),
        click.option("--monolith", default=None, help="Monolith base URL [the route file's first instance]."),
        click.option("--extracted", default=None, help="Extracted base URL [the route's backend, first instance]."),
        click.option("--host", default=None, metavar="HOST[:PORT]",
                     help="Host header both sides get when a request names none [the monolith URL's host]; "
                          "--header 'Host: ...' sets it for every request."),
        click.option("--record/--no-record", "record", default=None,
                     help="Add the results to the route's evidence for the cut-over gate, as the `replay` source "
                          "[record, unless --monolith or --extracted is given]."),
        click.option("--max-mismatch-percent", type=click.FloatRange(0, 100), default=None,
                     help="Fail above this share of mismatches [the route's gate, else 0.1]."),
        click.option("--junit", "junit_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Write the verdict as JUnit XML here."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command("compare")
@_replay_options
@click.option("--requests", "requests_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Send the requests listed in this file to both sides instead of reading the shadow's results.")
@click.option("--suggest-rules", is_flag=True, help="Print ignore rules learned from noise, ready to paste.")
@click.option("--reset", is_flag=True, help="Forget the results of the --route(s): the gate's evidence starts over.")
@click.option("--reason", default=None, help="Why, with --reset (logged).")
def compare(route_ids: tuple[str, ...], requests_file: Path | None, suggest_rules: bool, reset: bool,
            reason: str | None, as_json: bool, **replay_options: Any) -> None:
    """Show the live shadow's results per route, or check a list of requests against both sides."""
    with failures_as_messages():
        settings = settings_from_env()
        table_ = open_table(settings)
        _check_routes(table_, route_ids)
        if requests_file is not None:
            if len(route_ids) != 1:
                raise CommandFailed("--requests needs exactly one --route")
            requests = read_requests(requests_file)
            _run_replay(settings, table_, route_ids[0], requests, as_json=as_json, **replay_options)
            return
        shadow = ShadowSettings.from_env()
        results = _results(settings)
        try:
            if reset:
                if not route_ids or not (reason or "").strip():
                    raise CommandFailed("--reset needs --route and --reason")
                for route_id in route_ids:
                    results.reset(route_id)
                    _log.warning("shadow results of %s reset from the CLI: %s", route_id, reason)
                click.echo(f"results of {', '.join(route_ids)} reset")
                return
            reports = route_reports(table_, results, shadow, routes=route_ids or None)
        finally:
            results.close()
    if suggest_rules:
        _print_suggestions(reports, as_json)
        return
    if as_json:
        echo_json({"routes": [r.to_dict(with_samples=False) for r in reports]})
        return
    if not reports:
        click.echo("no route has an extracted backend, and there are no results yet")
        return
    for line in summary_lines(reports):
        click.echo(line)


@click.command("replay")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_replay_options
def replay_command(files: tuple[Path, ...], route_ids: tuple[str, ...], as_json: bool, **replay_options: Any) -> None:
    """Send recorded requests (HAR files, or folders of them) to both sides and compare.

    Exits 1 when the mismatch rate is above the threshold, so a CI job can gate on it.
    """
    with failures_as_messages():
        if len(route_ids) != 1:
            raise CommandFailed("replay needs exactly one --route")
        settings = settings_from_env()
        table_ = open_table(settings)
        _check_routes(table_, route_ids)
        requests: list[ReplayRequest] = []
        for path in _har_files(files):
            requests.extend(read_har(path))
        _run_replay(settings, table_, route_ids[0], requests, as_json=as_json, **replay_options)


@click.command("report")
@click.option("--route", "route_ids", multiple=True, help="Only this route (repeatable).")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the HTML report (differences grouped by field, with examples) here.")
@click.option("--samples", type=click.IntRange(0, 10_000), default=200, show_default=True,
              help="Kept examples to read per route.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def report(route_ids: tuple[str, ...], html_path: Path | None, samples: int, as_json: bool) -> None:
    """Show per route which fields differ (real or noise), why requests were not compared, and examples."""
    with failures_as_messages():
        settings = settings_from_env()
        table_ = open_table(settings)
        _check_routes(table_, route_ids)
        results = _results(settings)
        try:
            reports = route_reports(table_, results, ShadowSettings.from_env(), routes=route_ids or None,
                                    samples=samples)
        finally:
            results.close()
        if html_path is not None:
            try:
                _write_atomically(html_path, render_html(reports).encode("utf-8"))
            except OSError as error:
                raise CommandFailed(f"cannot write {html_path}: {error.strerror}") from None
            click.echo(f"wrote {html_path}", err=True)
            return
    if as_json:
        echo_json({"routes": [r.to_dict() for r in reports]})
        return
    for index, item in enumerate(reports):
        if index:
            click.echo("")
        for line in detail_lines(item):
            click.echo(line)


def _run_replay(settings: Any, table_: RouteTable, route_id: str, requests: Sequence[ReplayRequest], *,
                as_json: bool, concurrency: int, noise_percent: float, include_unsafe: bool, timeout: float,
                headers: tuple[str, ...], monolith: str | None, extracted: str | None, host: str | None,
                record: bool | None, max_mismatch_percent: float | None, junit_path: Path | None) -> None:
    # Everything that can refuse the input is checked before the results store is opened.
    target = replay_target(table_, route_id, monolith=monolith, extracted=extracted)
    shadow = ShadowSettings.from_env()
    if max_mismatch_percent is None:
        gate = target.route.shadow.gate if target.route.shadow is not None else None
        max_mismatch_percent = gate.max_mismatch_percent if gate is not None and gate.max_mismatch_percent \
            is not None else shadow.gate_max_mismatch_percent
    if host is not None and (not host.strip() or any(c in host for c in " /\r\n")):
        raise CommandFailed(f"--host {host!r}: expected a host name with an optional port")
    options = ReplayOptions(concurrency=concurrency, noise_percent=noise_percent, include_unsafe=include_unsafe,
                            timeout=timeout, headers=tuple(_header(h) for h in headers),
                            max_mismatch_percent=max_mismatch_percent, host=host.strip() if host else None,
                            samples_per_signature=shadow.samples_per_signature,
                            sample_body_bytes=shadow.sample_body_bytes)
    if record is None:
        # Answers from a URL of one's own are not evidence about the route's real backends.
        record = monolith is None and extracted is None
    results = _results(settings) if record else None
    try:
        with tqdm(total=len(requests), unit="req", desc=route_id, file=sys.stderr, disable=None,
                  leave=False) as bar:
            outcome = replay(requests, target, options, progress=bar.update)
        if results is not None:
            results.apply(outcome.batch)
    finally:
        if results is not None:
            results.close()
    if junit_path is not None:
        try:
            write_junit(junit_path, outcome)
        except OSError as error:
            raise CommandFailed(f"cannot write {junit_path}: {error.strerror}") from None
    if as_json:
        echo_json(_report_json(outcome, recorded=record))
    else:
        _print_replay(outcome, recorded=record)
    if not outcome.passed:
        raise SystemExit(1)


def _print_replay(outcome: ReplayReport, *, recorded: bool) -> None:
    click.echo(outcome.verdict())
    if recorded:
        click.echo(f"  source: replay; added to the evidence of {outcome.route} the cut-over gate counts "
                   f"(strangler compare --route {outcome.route})")
    else:
        click.echo("  source: replay; not recorded: the gate does not count it")
    fields = outcome.results.fields
    if fields:
        for line in table(("FIELD", "LABEL", "VS EXTRACTED", "VS MONOLITH"),
                          [(f.field or "(whole body)", f.label, f.candidate, f.noise) for f in fields]):
            click.echo("  " + line)
    for case in [c for c in outcome.cases if c.outcome in ("mismatched", "error")][:10]:
        what = ", ".join(case.real_fields) if case.outcome == "mismatched" else case.reason
        click.echo(f"  {case.outcome}: {case.request.label}: {what}")


def _report_json(outcome: ReplayReport, *, recorded: bool) -> dict[str, Any]:
    return {"route": outcome.route, "source": REPLAY, "recorded": recorded, "passed": outcome.passed,
            "verdict": outcome.verdict(),
            "failure_percent": round(outcome.failure_percent, 6),
            "max_mismatch_percent": outcome.max_mismatch_percent, "errors": outcome.errors,
            "skipped": outcome.skipped, "results": outcome.results.to_dict(),
            "cases": [{"request": c.request.label, "source": c.request.source, "outcome": c.outcome,
                       "reason": c.reason, "real_fields": c.real_fields} for c in outcome.cases]}


def _print_suggestions(reports: Sequence[Any], as_json: bool) -> None:
    if as_json:
        echo_json({r.route: r.suggestion for r in reports})
        return
    printed = False
    for item in reports:
        if item.suggestion:
            click.echo(("\n" if printed else "") + item.suggestion)
            printed = True
        else:
            click.echo(f"# {item.route}: nothing learned as noise yet ({item.results.noise_probes} noise probes, "
                       f"{item.results.compared} comparisons)", err=True)


def _check_routes(table_: RouteTable, route_ids: Sequence[str]) -> None:
    unknown = [r for r in route_ids if table_.route(r) is None]
    if unknown:
        known = ", ".join(r.id for r in table_.routes) or "none"
        raise CommandFailed(f"unknown route(s) {', '.join(map(repr, unknown))} (known: {known})")


def _results(settings: Any) -> ResultsStore:
    from strangler_proxy.store import open_store

    store = open_store(settings)
    kind = store.kind
    store.close()
    return open_results(settings, kind)


def _har_files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob("*.har")))
        elif path.exists():
            found.append(path)
        else:
            raise InputFileError(str(path), "", "no such file or folder")
    if not found:
        raise InputFileError(", ".join(map(str, paths)), "", "no .har files found")
    return found


def _header(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition(":")
    if not sep or not name.strip() or any(c in raw for c in "\r\n"):
        raise CommandFailed(f"--header {raw!r}: expected 'Name: value'")
    return name.strip(), value.strip()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def register(main: click.Group) -> None:
    """Add `strangler compare`, `strangler replay` and `strangler report`."""
    for command in (compare, replay_command, report):
        main.add_command(command)
