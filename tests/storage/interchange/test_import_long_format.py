"""The long format imports as it exports: every record of every case, all sheets together, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from storage.database import Database, create_database
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case, DrugAdministration, Relapse
from storage.safety.audit import case_history
from tests.storage.interchange.test_import_mapping_refusals import content_hash


def export_long(db: Database, out: Path) -> Path:
    with db.session() as session:
        export_database(session, out, ExportOptions(fmt="xlsx" if out.suffix == ".xlsx" else "csv", long=True))
    return out


def sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path, read_only=True)
    try:
        return {n: list(book[n].iter_rows(values_only=True)) for n in book.sheetnames if n != "about"}
    finally:
        book.close()


def tables(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8-sig") for p in sorted(folder.glob("*.csv"))}


def test_demo_long_xlsx_round_trips_identically(demo_db: Database, tmp_path: Path) -> None:
    first = export_long(demo_db, tmp_path / "first.xlsx")
    target = create_database(tmp_path / "new.db")
    report = import_file(target, first)
    assert report.written and len(report.created) == 8, [str(p) for p in report.problems]
    second = export_long(target, tmp_path / "second.xlsx")
    target.close()
    assert sheets(first) == sheets(second)
    assert len(sheets(first)["drug_administrations"]) == 28  # header + all 27 drugs, IT and further drugs too


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_demo_long_csv_folder_and_zip_round_trip_identically(demo_db: Database, tmp_path: Path, packed: bool) -> None:
    first = export_long(demo_db, tmp_path / "first")
    source: Path = first
    if packed:
        source = tmp_path / "first.zip"
        with zipfile.ZipFile(source, "w") as archive:
            for file in first.iterdir():
                archive.write(file, f"export/{file.name}")
    target = create_database(tmp_path / "new.db")
    assert import_file(target, source).written
    second = export_long(target, tmp_path / "second")
    target.close()
    assert tables(first) == tables(second) and len(tables(first)) == 13


def _edit_csv(path: Path, edit: dict[tuple[int, str], str] | None = None, add: list[dict[str, str]] | None = None,
              ) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0]) if rows else []
    if not header:
        with path.open(encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh))
    for (row, column), value in (edit or {}).items():
        rows[row - 1][column] = value
    rows += [{h: "" for h in header} | extra for extra in add or []]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def refused(db: Database, source: Path) -> list[str]:
    before = content_hash(db.path)
    report = import_file(db, source, ImportOptions(update_existing=True))
    assert not report.written and report.problems
    assert content_hash(db.path) == before
    return [str(p) for p in report.problems]


def test_a_drug_row_for_a_study_id_in_neither_file_nor_database_is_refused(demo_db: Database, tmp_path: Path) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    _edit_csv(folder / "drug_administrations.csv", add=[{"study_id": "P99", "course_number": "1", "drug": "melphalan"}])
    assert refused(demo_db, folder) == ["sheet drug_administrations, row 28, column study_id, value 'P99': study ID "
                                        "P99 is neither in the cases sheet nor in the database"]


def test_a_drug_row_for_a_course_the_case_lacks_is_refused(demo_db: Database, tmp_path: Path) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    _edit_csv(folder / "drug_administrations.csv", add=[{"study_id": "P03", "course_number": "2", "drug": "melphalan"}])
    assert refused(demo_db, folder) == ["sheet drug_administrations, row 28, column course_number, value '2': study ID "
                                        "P03 has no salvage course 2 (neither in the salvage_courses sheet nor in the "
                                        "database)"]


def test_one_bad_cell_in_one_sheet_keeps_every_sheet_out(empty_db: Database, demo_db: Database,
                                                         tmp_path: Path) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    _edit_csv(folder / "complications.csv", {(2, "grade"): "7"})
    before = content_hash(empty_db.path)
    report = import_file(empty_db, folder)
    assert [str(p) for p in report.problems] == ["sheet complications, row 2, column grade: CTCAE grade must be "
                                                 "between 1 and 5 (got 7)"]
    assert not report.written and content_hash(empty_db.path) == before


def test_an_unknown_sheet_or_column_is_named(demo_db: Database, tmp_path: Path) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    shutil.copy(folder / "relapses.csv", folder / "rezidive.csv")
    _edit_csv(folder / "transplants.csv")
    (folder / "deaths.csv").write_text((folder / "deaths.csv").read_text("utf-8-sig").replace("cause_detail",
                                                                                              "autopsy", 1), "utf-8")
    problems = refused(demo_db, folder)
    assert "sheet deaths, column autopsy: unknown column: not a field of deaths" in problems
    assert any(p.startswith("sheet rezidive: unknown sheet rezidive") for p in problems)


def test_update_existing_changes_and_adds_records_each_in_the_audit_trail(demo_db: Database, tmp_path: Path) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    with (folder / "drug_administrations.csv").open(encoding="utf-8-sig") as fh:
        drugs = list(csv.DictReader(fh))
    row = next(i for i, d in enumerate(drugs, start=1) if d["study_id"] == "P04" and d["drug"] == "melphalan")
    _edit_csv(folder / "drug_administrations.csv", {(row, "dose"): "30"})
    _edit_csv(folder / "relapses.csv", add=[{"study_id": "P06", "relapse_date": "2019-01-07", "site": "CNS"}])
    report = import_file(demo_db, folder, ImportOptions(update_existing=True))
    assert report.written and len(report.updated) == 8, [str(p) for p in report.problems]
    with demo_db.session() as session:
        melphalan = session.scalars(select(DrugAdministration).where(DrugAdministration.drug == "melphalan")).all()
        assert sorted(d.dose for d in melphalan if d.course.case.study_id == "P04") == [30.0]
        relapses = session.scalars(select(Relapse).join(Case).where(Case.study_id == "P06")).all()
        assert [(r.relapse_date, r.site) for r in relapses] == [(dt.date(2019, 1, 7), "CNS")]
        changes = [(e.action, e.table_name, e.field, e.old_value, e.new_value) for e in case_history(session, "P04")
                   if e.reason and e.reason.startswith("import of")]
        assert changes == [("update", "drug_administrations", "dose", "33.0", "30.0")]
        added = [e for e in case_history(session, "P06") if e.action == "create" and e.table_name == "relapses"]
        assert len(added) == 1 and "CNS" in (added[0].new_value or "")
    entries = audit_entries(demo_db)
    again = import_file(demo_db, folder, ImportOptions(update_existing=True))  # the same file again changes nothing
    assert again.written and audit_entries(demo_db) == entries


def audit_entries(db: Database) -> int:
    from sqlalchemy import func

    from storage.record.tables import audit_log

    with db.session() as session:
        return session.scalar(select(func.count()).select_from(audit_log)) or 0


def test_a_row_without_its_required_field_is_named(demo_db: Database, empty_db: Database, tmp_path: Path) -> None:
    folder = export_long(demo_db, tmp_path / "long")
    _edit_csv(folder / "complications.csv", {(1, "term"): ""})
    before = content_hash(empty_db.path)
    report = import_file(empty_db, folder)
    assert [str(p) for p in report.problems] == ["sheet complications, row 1, column term: a row of complications "
                                                 "needs its term"]
    assert content_hash(empty_db.path) == before
