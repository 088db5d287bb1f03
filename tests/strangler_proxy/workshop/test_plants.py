"""Planted differences go in and come out exactly, and never over a file someone changed."""
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strangler_proxy.workshop.errors import PlantConflict
from strangler_proxy.workshop.plants import PlantState, plant_read
from strangler_proxy.workshop.resets import PLANTS

ROOT = Path(__file__).resolve().parents[3]
PLANT_FILES = sorted((ROOT / "docs" / "workshop" / "plants").glob("*.patch"))


def _copy(plant, root: Path) -> None:
    for path in plant.paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, root / path)


def test_every_plant_the_resets_use_is_kept_in_docs_workshop_plants():
    assert sorted(f"{name}.patch" for name in PLANTS.values()) == [p.name for p in PLANT_FILES]


@pytest.mark.parametrize("patch", PLANT_FILES, ids=lambda p: p.stem)
def test_each_plant_fits_the_repository_as_it_is_now(patch):
    plant = plant_read(patch)

    state = plant.state(ROOT)

    assert state is PlantState.CLEAN, (
        f"{patch.name} no longer fits {', '.join(plant.paths)} (someone changed those lines): make the same "
        "change on a copy of the current file and write the patch again with `git diff -U1`")


@pytest.mark.parametrize("patch", PLANT_FILES, ids=lambda p: p.stem)
def test_a_plant_goes_in_and_comes_out_leaving_every_file_as_it_was(patch, tmp_path):
    plant = plant_read(patch)
    _copy(plant, tmp_path)
    before = {path: (tmp_path / path).read_bytes() for path in plant.paths}

    applied, applied_again = plant.apply(tmp_path), plant.apply(tmp_path)
    planted = plant.state(tmp_path)
    reverted, reverted_again = plant.revert(tmp_path), plant.revert(tmp_path)

    assert (applied, applied_again, reverted, reverted_again) == (True, False, True, False)
    assert planted is PlantState.PLANTED
    assert {path: (tmp_path / path).read_bytes() for path in plant.paths} == before


def test_a_file_changed_where_a_plant_goes_is_refused_by_name_and_left_alone(tmp_path):
    plant = plant_read(ROOT / "docs" / "workshop" / "plants" / "catalog-price-as-a-number.patch")
    _copy(plant, tmp_path)
    target = tmp_path / plant.paths[0]
    target.write_text(target.read_text().replace("money_from_cents(product.price_cents)", "str(product.price)"))
    changed = target.read_bytes()

    with pytest.raises(PlantConflict) as refused:
        plant.apply(tmp_path)

    assert plant.state(tmp_path) is PlantState.CHANGED
    assert "extracted/catalog/serializers.py" in str(refused.value) and "git checkout" in str(refused.value)
    assert target.read_bytes() == changed


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=200)


@given(before=_text, after=_text)
def test_a_plant_reverted_gives_back_the_exact_text_whatever_surrounds_its_lines(tmp_path_factory, before, after):
    plant = plant_read(ROOT / "docs" / "workshop" / "plants" / "catalog-price-as-a-number.patch")
    [hunk] = plant.hunks
    if hunk.original in before + after or hunk.planted in before + after:
        return
    root = tmp_path_factory.mktemp("plant")
    text = f"{before}\n{hunk.original}{after}"
    (root / hunk.path).parent.mkdir(parents=True)
    (root / hunk.path).write_text(text, encoding="utf-8")

    plant.apply(root)
    plant.revert(root)

    assert (root / hunk.path).read_text(encoding="utf-8") == text


def test_a_file_that_is_no_patch_is_a_clear_error(tmp_path):
    from strangler_proxy.workshop.errors import ReferenceMissing

    (tmp_path / "x.patch").write_text("just words\n")

    with pytest.raises(ReferenceMissing, match="no patch hunks"):
        plant_read(tmp_path / "x.patch")
