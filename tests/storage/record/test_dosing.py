"""The drug catalogue, the exact unit match, the dose warnings and the explained total dose."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.database import create_database
from storage.record.dosing import (
    ARTICLE_DRUGS,
    CatalogueDrug,
    CatalogueError,
    add_to_catalogue,
    dose_warnings,
    find_drug,
    load_catalogue,
    match_route,
    match_unit,
    seed_catalogue,
    total_dose_explained,
)


def test_typing_mg_is_mg_never_mg_per_m2() -> None:
    assert match_unit("mg") == "mg"
    assert match_unit("MG") == "mg"
    assert match_unit("mg/m²") == "mg/m2"
    assert match_unit("mg/m2") == "mg/m2"
    assert match_unit("g/m2") == "g/m2"
    assert match_unit("m") is None  # a prefix is no unit
    assert match_route("it") == "IT" and match_route("intrathecal") == "IT" and match_route("i") is None


def test_total_dose_shows_its_computation() -> None:
    # Patient 5: melphalan 1 × 20 mg/m²; a child of 110 cm and 19.5 kg has a Mosteller BSA of 0.77 m².
    assert total_dose_explained(20, "mg/m2", 1, 110, 19.5) == "20 mg/m² × 1 × 0.77 m² = 15.4 mg"
    assert total_dose_explained(30, "mg", 1, None, None) == "30 mg × 1 = 30 mg"
    assert total_dose_explained(16, "mg/kg", 1, None, 50) == "16 mg/kg × 1 × 50 kg = 800 mg"
    assert total_dose_explained(1, "g/m2", 4, None, None) == "needs height and weight (BSA)"


def test_intrathecal_dose_per_m2_is_flagged() -> None:
    catalogue = list(ARTICLE_DRUGS)
    row = {"drug": "cytarabine", "dose": 30, "unit": "mg/m2", "doses": 1, "route": "IT"}
    warnings = dose_warnings(row, 110, 19.5, catalogue)
    assert any("intrathecally" in w for w in warnings)
    assert dose_warnings({**row, "unit": "mg"}, 110, 19.5, catalogue) == []


def test_per_m2_without_height_and_weight_is_flagged() -> None:
    row = {"drug": "melphalan", "dose": 20, "unit": "mg/m2", "doses": 1, "route": "IV"}
    assert dose_warnings(row, None, None, []) == [
        "Unit: a dose per m² needs the course's height and weight; no total dose computed"]


def test_dose_far_outside_the_usual_range_is_flagged() -> None:
    catalogue = list(ARTICLE_DRUGS)
    row = {"drug": "melphalan", "dose": 400, "unit": "mg/m2", "doses": 1, "route": "IV"}
    assert dose_warnings(row, 110, 19.5, catalogue) == [
        "Dose: 400 mg/m² is outside the usual 10–200 mg/m² of melphalan (intravenous)"]
    # cytarabine 100 mg/m² (patient 5, continuous infusion) is 0.1 g/m²: usual, no warning
    ok = {"drug": "cytarabine", "dose": 100, "unit": "mg/m2", "doses": 10, "route": "CI"}
    assert dose_warnings(ok, 110, 19.5, catalogue) == []


def test_catalogue_is_seeded_with_the_articles_drugs_and_extensible(tmp_path: Path) -> None:
    db = create_database(tmp_path / "c.db")
    with db.session() as s:
        names = {d.name for d in load_catalogue(s)}
        assert {"melphalan", "cytarabine", "prednisolone", "daratumumab", "venetoclax", "anti-CD19 antibody",
                "blinatumomab", "clofarabine", "cyclophosphamide", "etoposide"} <= names
        assert seed_catalogue(s) is True
    with db.session() as s:
        add_to_catalogue(s, CatalogueDrug("thiotepa", "mg/kg", "IV", 1, 10))
    with db.session() as s:
        catalogue = load_catalogue(s)
        assert find_drug(catalogue, "Thiotepa ") == CatalogueDrug("thiotepa", "mg/kg", "IV", 1, 10)
        assert find_drug(catalogue, "cytarabine", "IT").unit == "mg"  # type: ignore[union-attr]
        with pytest.raises(CatalogueError, match="Unit: must be one of"):
            add_to_catalogue(s, CatalogueDrug("x", "ml", "IV"))
    db.close()
