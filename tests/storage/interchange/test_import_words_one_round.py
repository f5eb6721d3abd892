"""Issue 12 review, point 3: a row refused for its study ID has its other problems listed in the same Check,
so that a second Check never brings up a problem the first one could have named."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from storage.interchange.imports.importing import ImportOptions, import_file

from .test_import_flat_template import case_count, good_row, write_csv

DOSE = "course[1].drug[melphalan]"


def test_a_row_with_a_repeated_study_id_has_its_dose_cell_reported_in_the_first_round(
        empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(1) | {DOSE: "2 x 60 mg/m2", "height_cm": "150"}, good_row(2) | {DOSE: "1 x 40 mg/m2", "height_cm": "150"},
            good_row(1) | {DOSE: "2 × 60", "height_cm": "abc"}]
    report = import_file(empty_db, write_csv(tmp_path / "dup.csv", rows), ImportOptions(dry_run=True))
    listed = [(p.row, p.column, p.value) for p in report.problems]
    assert (3, "study_id", "S01") in listed  # the repeated study ID ...
    assert (3, DOSE, "2 × 60") in listed  # ... and, in the same round, the dose without a unit
    assert (3, "height_cm", "abc") in listed
    assert len(listed) == 3
    assert "also in row 1" in next(p.rule for p in report.problems if p.column == "study_id")
    assert case_count(empty_db) == 0


def test_a_row_whose_study_id_exists_already_has_its_other_cells_checked_too(
        demo_db: Database, tmp_path: Path) -> None:
    before = case_count(demo_db)
    rows = [good_row(1) | {"study_id": "P01", "weight_kg": "0"}]
    report = import_file(demo_db, write_csv(tmp_path / "old.csv", rows))
    listed = [(p.row, p.column, p.value) for p in report.problems]
    assert listed == [(1, "study_id", "P01"), (1, "weight_kg", "0")]
    assert "already exists in the database" in report.problems[0].rule
    assert "weight (kg) must be between 1 and 250 (got 0)" in report.problems[1].rule
    assert case_count(demo_db) == before
