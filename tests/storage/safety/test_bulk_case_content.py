"""verify checks every value of a bulk-imported case: the import records a keyed hash of what it wrote, and a
value changed, a record added or removed by SQL no longer gives it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import create_database, open_database
from storage.generated.demo import write_demo
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.safety.verification import verify_database


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    """The demo exported as the flat template and imported into a new database (the bulk path)."""
    demo = write_demo(tmp_path / "demo.db")
    with demo.session() as session:
        export_database(session, tmp_path / "cases.csv", ExportOptions(fmt="csv"))
    demo.close()
    target = tmp_path / "study.db"
    db = create_database(target)
    try:
        report = import_file(db, tmp_path / "cases.csv", ImportOptions())
        assert report.written and len(report.created) == 8, report.summary()
    finally:
        db.close()
    return target


def _sql(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


def test_an_imported_study_passes_and_says_what_it_checked(imported: Path) -> None:
    report = verify_database(imported)
    assert report.problems == []
    assert "Bulk-imported cases: 8 hold exactly what the import wrote" in report.facts


@pytest.mark.parametrize("statement", [
    "UPDATE identities SET name = 'Someone Else' WHERE id = 1",
    "UPDATE identities SET birth_date = '1990-01-01' WHERE id = 2",
    "UPDATE response_assessments SET response = 'CR' WHERE id = (SELECT min(id) FROM response_assessments "
    "WHERE response != 'CR')",
    "UPDATE cases SET relapse_number = coalesce(relapse_number, 0) + 1 WHERE id = 2",
    "DELETE FROM deaths WHERE id = (SELECT min(id) FROM deaths)",
    "UPDATE salvage_courses SET weight_kg = coalesce(weight_kg, 50) + 1 WHERE id = 1",
    "INSERT INTO relapses (case_id, relapse_date, site) VALUES (1, '2020-01-01', 'bone marrow')",
])
def test_a_value_changed_by_sql_in_an_imported_case_is_found(imported: Path, statement: str) -> None:
    _sql(imported, statement)
    problems = " | ".join(verify_database(imported).problems)
    assert "bulk-imported case(s) no longer hold what the import wrote" in problems or \
        "have no audit entry that created them" in problems


def test_a_case_edited_in_casebook_since_is_counted_apart(imported: Path) -> None:
    from sqlalchemy import select

    from storage.record.models import Case

    db = open_database(imported, backup=False)
    try:
        with db.session() as session:
            session.scalars(select(Case).where(Case.study_id == "P04")).one().subtype = "AML, corrected from the source document"
    finally:
        db.close()
    report = verify_database(imported)
    assert report.problems == []
    assert "Bulk-imported cases: 7 hold exactly what the import wrote; 1 edited in Casebook since" in " ".join(
        report.facts)
