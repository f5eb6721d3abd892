"""The import dialog's Import writes what its Check found, without reading the file again, unless something
changed in between: then it checks again, and a problem that came in is refused with nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import Database, create_database
from storage.record.models import Case, DrugAdministration
from tests.storage.interchange.test_import_checked_plan import count_reads
from tests.storage.interchange.test_import_long_format import _edit_csv, export_long, sheets
from tests.storage.interchange.test_import_mapping_refusals import content_hash

pytest.importorskip("pytestqt")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    from storage.interchange.imports import long_import

    return count_reads(monkeypatch, long_import, "read_long")


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        return (session.scalar(select(func.count(Case.id))) or 0,
                session.scalar(select(func.count(DrugAdministration.id))) or 0)


def run(qtbot, dialog, button) -> None:  # type: ignore[no-untyped-def]
    dialog.report = None
    button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)


def test_check_then_import_writes_the_checked_workbook_without_reading_it_again(
        qtbot, demo_db: Database, tmp_path: Path, reads: list[Path]) -> None:
    from gui.data.exchange_dialogs import ImportDialog

    book = export_long(demo_db, tmp_path / "long.xlsx")
    target = create_database(tmp_path / "target.db")
    dialog = ImportDialog(target, path=book)
    qtbot.addWidget(dialog)
    run(qtbot, dialog, dialog.check_button)
    assert dialog.report.ok and dialog.import_button.isEnabled() and counts(target) == (0, 0)
    assert dialog.checked is not None and reads == [book]
    run(qtbot, dialog, dialog.import_button)
    assert dialog.report.written and dialog.report.checked_again is None and dialog.imported
    assert reads == [book] and dialog.checked is None  # read once, by the Check
    assert counts(target) == counts(demo_db) and counts(target)[1] > 0
    assert dialog.summary.text().startswith(f"Imported {counts(demo_db)[0]} new cases and 0 updated cases")
    assert sheets(export_long(target, tmp_path / "again.xlsx")) == sheets(book)  # the same cases, every record
    target.close()


def test_a_file_changed_between_check_and_import_is_checked_again_and_refused(
        qtbot, demo_db: Database, tmp_path: Path, reads: list[Path]) -> None:
    from gui.data.exchange_dialogs import ImportDialog

    folder = export_long(demo_db, tmp_path / "long")
    target = create_database(tmp_path / "target.db")
    dialog = ImportDialog(target, path=folder)
    qtbot.addWidget(dialog)
    run(qtbot, dialog, dialog.check_button)
    assert dialog.report.ok and dialog.import_button.isEnabled()
    _edit_csv(folder / "drug_administrations.csv", add=[{"study_id": "Q99", "course_number": "1",
                                                          "drug": "melphalan", "dose": "40", "unit": "mg/m2"}])
    before = content_hash(target.path)
    run(qtbot, dialog, dialog.import_button)
    assert not dialog.report.written and len(reads) == 2  # read again
    assert dialog.summary.text().startswith("Checked again before importing, as the file changed since the check.")
    assert any("Q99" in dialog.problems.item(i).text() for i in range(dialog.problems.count()))
    assert not dialog.import_button.isEnabled() and content_hash(target.path) == before and counts(target) == (0, 0)
    target.close()


def test_a_flat_file_checked_then_imported_is_read_once(qtbot, empty_db: Database, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from gui.data.exchange_dialogs import ImportDialog
    from storage.interchange.imports import importing

    path = tmp_path / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["study_id", "sex", "salvage_start"]] +
                                 [[f"G{i}", "f", f"2019-01-0{i}"] for i in range(1, 9)])
    dialog = ImportDialog(empty_db, path=path)
    qtbot.addWidget(dialog)
    calls = count_reads(monkeypatch, importing, "open_table")  # (the Check reads it a row at a time)
    run(qtbot, dialog, dialog.check_button)
    run(qtbot, dialog, dialog.import_button)
    assert dialog.report.written and dialog.report.checked_again is None and calls == [path]
    assert counts(empty_db) == (8, 0)


def test_closing_the_dialog_after_a_check_frees_its_plan(qtbot, demo_db: Database, tmp_path: Path) -> None:
    import gc

    from gui.data.exchange_dialogs import ImportDialog

    folder = export_long(demo_db, tmp_path / "long")
    target = create_database(tmp_path / "target.db")
    dialog = ImportDialog(target, path=folder)
    qtbot.addWidget(dialog)
    run(qtbot, dialog, dialog.check_button)
    kept = dialog.checked
    assert kept is not None and kept.plan is not None and kept.plan.new and gc.get_freeze_count() > 0
    dialog.reject()
    qtbot.waitUntil(lambda: kept.plan is None and gc.get_freeze_count() == 0, timeout=10_000)
    assert dialog.checked is None and counts(target) == (0, 0)
    target.close()
