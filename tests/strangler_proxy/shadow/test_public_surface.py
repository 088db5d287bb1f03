"""The shadow's and the replay's public names are exported on purpose; errors are StranglerErrors."""
from __future__ import annotations

import importlib

import pytest

from strangler_proxy.errors import StoreUnavailable, StranglerError
from strangler_proxy.replay.errors import InputFileError, ReplayError, ReplayTargetError
from strangler_proxy.shadow.errors import ResultsUnavailable

SURFACE = {
    "strangler_proxy.shadow.comparing_mirror": ["DRY_RUN_HEADER", "SHADOW_HEADER", "ComparingMirror", "Recorder"],
    "strangler_proxy.shadow.config": ["ShadowSettings"],
    "strangler_proxy.shadow.admission": ["BODY_TOO_LARGE", "DIRECTION_UNKNOWN", "FALLBACK", "NO_BACKEND", "SAMPLED_OUT",
                                         "UNSAFE_METHOD", "Refusal",
                                         "admit"],
    "strangler_proxy.shadow.handoff": ["MIRROR", "RECORD", "FrameReader", "exchanges_frame", "exchanges_of", "frame"],
    "strangler_proxy.shadow.metrics": ["ShadowCounters", "ShadowMetrics", "ShadowTally", "TallyReport"],
    "strangler_proxy.shadow.sidecar": ["Sidecar", "main"],
    "strangler_proxy.shadow.sidecar_mirror": ["SidecarMirror"],
    "strangler_proxy.shadow.policy": ["ROUTE_TABLES", "GatePolicy", "ShadowPolicy", "shadow_policy_parse"],
    "strangler_proxy.shadow.gate": ["GateVerdict", "gate_evidence", "gate_evidence_from", "gate_verdict"],
    "strangler_proxy.shadow.results": ["FieldResult", "ResultsBatch", "ResultsStore", "RouteData", "RouteResults",
                                       "Sample", "open_results", "results_path", "signature_of", "summarise"],
    "strangler_proxy.replay.har": ["HarEntry", "read_har", "write_har"],
    "strangler_proxy.replay.runner": ["CaseResult", "ReplayOptions", "ReplayReport", "ReplayTarget", "replay",
                                      "replay_target"],
}


@pytest.mark.parametrize("module", sorted(SURFACE))
def test_the_public_surface_is_pinned(module: str) -> None:
    loaded = importlib.import_module(module)
    assert sorted(loaded.__all__) == sorted(SURFACE[module])
    assert all(hasattr(loaded, name) for name in loaded.__all__)


def test_every_error_is_a_strangler_error_so_the_cli_prints_one_line() -> None:
    assert issubclass(ResultsUnavailable, StoreUnavailable)
    for error in (InputFileError, ReplayError, ReplayTargetError):
        assert issubclass(error, StranglerError)
    assert str(InputFileError("x.har", "log.entries[3].request.url", "missing")) == \
        "x.har: log.entries[3].request.url: missing"


def test_loading_the_route_table_does_not_load_the_mirror() -> None:
    import subprocess
    import sys

    code = ("import sys; import strangler_proxy.routing.table; "
            "print('strangler_proxy.shadow.comparing_mirror' in sys.modules, 'aiohttp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
