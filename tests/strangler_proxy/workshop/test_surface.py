"""The workshop package's public names are exported on purpose; this pins them."""
import importlib

import pytest

SURFACE = {
    "strangler_proxy.workshop": {"MODULES", "CheckResult", "Item", "Module", "Workshop", "check_module", "module_get",
                                 "reset_module", "solve_module", "workshop_from_env"},
    "strangler_proxy.workshop.errors": {"PlantConflict", "ReferenceMissing", "StepFailed", "UnknownModule",
                                        "WorkshopError"},
    "strangler_proxy.workshop.plants": {"Hunk", "Plant", "PlantState", "plant_read"},
    "strangler_proxy.workshop.registry": {"MODULES", "Module", "module_get"},
    "strangler_proxy.workshop.result": {"CheckResult", "Item"},
}


@pytest.mark.parametrize("module", sorted(SURFACE))
def test_each_public_module_exports_exactly_its_surface(module):
    loaded = importlib.import_module(module)

    assert set(loaded.__all__) == SURFACE[module]
    assert all(hasattr(loaded, name) for name in loaded.__all__)


def test_every_workshop_error_is_a_strangler_error_so_the_cli_prints_one_line():
    from strangler_proxy.errors import StranglerError
    from strangler_proxy.workshop import errors

    assert all(issubclass(getattr(errors, name), StranglerError) for name in errors.__all__)
