"""A row with an unreadable cell still has the rest of its cells checked by the rules."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from storage.interchange.imports.importing import ImportOptions, import_file

from .test_import_flat_template import case_count, good_row, write_csv


def test_a_rule_broken_in_a_row_with_an_unreadable_cell_is_reported_too(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(1) | {"height_cm": "abc", "weight_kg": "0"}]
    report = import_file(empty_db, write_csv(tmp_path / "hw.csv", rows))
    assert [(p.row, p.column, p.value) for p in report.problems] == [(1, "height_cm", "abc"), (1, "weight_kg", "0")]
    assert "weight (kg) must be between 1 and 250 (got 0)" in report.problems[1].rule
    assert case_count(empty_db) == 0


def test_an_unreadable_cell_is_not_reported_again_by_a_rule(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(1) | {"death_date": "2019-02-30", "death_cause": "disease", "last_follow_up_status": "",
                           "relapse_date": "2018-01-01"}]
    report = import_file(empty_db, write_csv(tmp_path / "d.csv", rows))
    assert [(p.column, p.value) for p in report.problems] == [("death_date", "2019-02-30"),
                                                              ("relapse_date", "2018-01-01")]
    assert "before day 1 of salvage" in report.problems[1].rule


def test_a_refused_update_cell_and_a_broken_rule_in_the_same_row_are_both_reported(
        demo_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("study_id,best_response,prior_regimens\nP01,NR,99\n", encoding="utf-8")
    report = import_file(demo_db, path, ImportOptions(update_existing=True))
    assert [(p.column, p.value) for p in report.problems] == [("best_response", "NR"), ("prior_regimens", "99")]
