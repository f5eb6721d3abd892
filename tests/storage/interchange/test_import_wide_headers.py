"""A header with thousands of problems reports a few hundred; --add-fields names follow the custom-field
dialog's rule and thousands of new columns import in about a second, not quadratically."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from storage.generated.demo import write_demo
from storage.interchange.imports.import_plan import ImportOptions
from storage.interchange.imports.importing import import_file
from storage.interchange.table_files import SHOWN_PROBLEMS


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = write_demo(tmp_path / "demo.db")
    yield database
    database.close()


def test_a_header_of_thousands_of_unknown_columns_reports_a_few_hundred(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wide.csv"
    path.write_text("study_id," + ",".join(f"u{i}" for i in range(5000)) + "\nW1" + "," * 5000 + "\n", "utf-8")
    report = import_file(db, path, ImportOptions(dry_run=True))
    lines = report.problem_lines()
    assert len(lines) == SHOWN_PROBLEMS + 1 <= 301
    assert lines[-1] == f"and {5000 - SHOWN_PROBLEMS:,} more problems"


@pytest.mark.parametrize("name", ["age", "status", "custom:x", "a=b", "Sex_x" * 13])
def test_add_fields_refuses_the_names_the_custom_field_dialog_refuses(db, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "names.csv"
    quoted = f'"{name}"'
    path.write_text(f"study_id,{quoted}\nN1,1\n", "utf-8")
    report = import_file(db, path, ImportOptions(add_fields=True))
    assert not report.written and not report.new_fields
    assert [p.column for p in report.problems] == [name]
    assert "cannot be added as a custom field" in report.problems[0].rule


def test_eight_thousand_new_columns_import_in_well_under_a_few_seconds(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wide.csv"
    n = 8000
    path.write_text("study_id," + ",".join(f"c{i}" for i in range(n)) + "\n"
                    + "".join(f"W{r}," + ",".join("1" for _ in range(n)) + "\n" for r in range(3)), "utf-8")
    start = time.perf_counter()
    report = import_file(db, path, ImportOptions(add_fields=True))
    took = time.perf_counter() - start
    assert report.written and len(report.new_fields) == n and len(report.created) == 3
    assert took < 6
