"""The import dialog on the authors' own sheet: suggestions shown and changeable, values without a code listed
and chosen, the mapping saved by name and reused, messages in the dialog's words; the long format too."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.interchange.imports.column_mapping import load_mapping
from storage.record.models import Case, DrugAdministration
from tests.storage.interchange import german_sheet

pytest.importorskip("pytestqt")


def _cases(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(Case.id))) or 0


def _sheet(path: Path, sex_of_p03: str = "w") -> Path:
    rows = german_sheet.rows()
    rows[2][german_sheet.HEADER.index("Geschlecht")] = sex_of_p03
    with path.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(german_sheet.HEADER)
        writer.writerows(rows)
    return path


def _check(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.report = None
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)


def test_the_authors_sheet_through_the_dialog(qtbot, empty_db: Database, tmp_path: Path) -> None:
    from gui.data.import_dialog import ImportDialog

    dialog = ImportDialog(empty_db, path=_sheet(tmp_path / "sheet.csv", sex_of_p03="x"))
    qtbot.addWidget(dialog)
    _check(qtbot, dialog)
    panel = dialog.panel
    sex = panel.target_box("Geschlecht")
    assert sex is not None and sex.currentData() == "sex"
    assert panel.columns.item(3, 3).text() == "known synonym"
    assert [p.column for p in dialog.report.problems] == ["Geschlecht"] and not dialog.import_button.isEnabled()
    assert dialog.problems.item(0).text().endswith("choose one (or 'empty') in the value mapping above")
    assert "--" not in dialog.problems.item(0).text()
    assert (panel.value_table.rowCount(), panel.value_table.item(0, 1).text()) == (1, "x")
    assert panel.value_note.text().startswith("1 value in a coded column maps to no code")
    code = panel.value_table.cellWidget(0, 3)
    code.setCurrentIndex(code.findData("f"))
    assert panel.value_note.text().startswith("Every value in a coded column maps to a code")  # at once, as chosen
    for header, target in german_sheet.MAPPING.items():  # the numbered records as the investigator maps them
        box = panel.target_box(header)
        assert box is not None
        if box.currentData() != target:
            box.setEditText(target)
            box.lineEdit().editingFinished.emit()
    dialog.date_format.setCurrentIndex(dialog.date_format.findData("%d.%m.%Y"))
    _check(qtbot, dialog)
    assert dialog.report.ok, [str(p) for p in dialog.report.problems]
    dialog.store_mapping("Tübingen sheet", dialog.current_mapping())
    with empty_db.session() as session:
        saved = load_mapping(session, "Tübingen sheet")
    assert saved.columns["Melphalan Dosis"] == "course[1].drug[melphalan]" and saved.values == {"sex": {"x": "f"}}
    assert saved.date_format == "%d.%m.%Y" and saved.columns["Station"] == ""
    dialog.report = None
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.written, timeout=20_000)
    assert dialog.imported and _cases(empty_db) == 8
    with empty_db.session() as session:
        assert session.scalar(select(func.count(DrugAdministration.id))) == 27


def test_a_saved_mapping_is_offered_for_the_next_file(qtbot, empty_db: Database, tmp_path: Path) -> None:
    from gui.data.import_dialog import ImportDialog
    from storage.interchange.imports.column_mapping import ColumnMapping, save_mapping

    with empty_db.session() as session:
        save_mapping(session, "Tübingen sheet", ColumnMapping(dict(german_sheet.MAPPING), date_format="%d.%m.%Y"))
    dialog = ImportDialog(empty_db, path=_sheet(tmp_path / "next.csv"))
    qtbot.addWidget(dialog)
    dialog.saved.setCurrentIndex(dialog.saved.findData("Tübingen sheet"))
    _check(qtbot, dialog)
    assert dialog.report.ok, [str(p) for p in dialog.report.problems]
    assert dialog.panel.columns.item(0, 3).text() == "saved mapping"
    assert dialog.date_format.currentData() == "%d.%m.%Y"


def test_the_long_format_needs_no_mapping(qtbot, demo_db: Database, empty_db: Database, tmp_path: Path) -> None:
    from gui.data.import_dialog import ImportDialog

    with demo_db.session() as session:
        export_database(session, tmp_path / "long.xlsx", ExportOptions(fmt="xlsx", long=True))
    dialog = ImportDialog(empty_db, path=tmp_path / "long.xlsx")
    qtbot.addWidget(dialog)
    _check(qtbot, dialog)
    assert dialog.report.ok and "drug_administrations" in dialog.long_note.text()
    dialog.report = None
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.written, timeout=20_000)
    assert _cases(empty_db) == 8
