"""The import/export/history/restore dialogs driven headless (pytest-qt).

Kept here with the import tests they mirror; they need Qt, which storage itself never imports.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from storage.database import Database
from storage.record.models import Case
from storage.safety.backup import backup_database
from storage.safety.lock import acquire_lock

pytest.importorskip("pytestqt")


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _cases(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(Case.id))) or 0


def test_import_dialog_previews_problems_and_imports_only_a_clean_file(qtbot, empty_db: Database,
                                                                      tmp_path: Path) -> None:
    from gui.data.exchange_dialogs import PROBLEM_COLOUR, ImportDialog

    rows = [["study_id", "sex", "salvage_start"]] + [[f"G{i}", "f", f"2019-01-0{i}"] for i in range(1, 9)]
    rows[7][2] = "2019-31-01"
    dialog = ImportDialog(empty_db, path=_csv(tmp_path / "bad.csv", rows))
    qtbot.addWidget(dialog)
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    model = dialog.model
    assert model.rowCount() == 8 and dialog.problems.count() == 1, [str(p) for p in dialog.report.problems]
    assert model.data(model.index(6, 2), Qt.ItemDataRole.BackgroundRole).color() == PROBLEM_COLOUR
    assert "not a valid date" in model.data(model.index(6, 2), Qt.ItemDataRole.ToolTipRole)
    assert not dialog.import_button.isEnabled() and _cases(empty_db) == 0

    rows[7][2] = "2019-01-31"
    dialog.path_edit.setText(str(_csv(tmp_path / "good.csv", rows)))
    dialog.report = None
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.import_button.isEnabled() and _cases(empty_db) == 0
    dialog.report = None
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.written, timeout=10_000)
    assert dialog.imported and _cases(empty_db) == 8


def test_export_dialog_writes_the_chosen_format(qtbot, demo_db: Database, tmp_path: Path) -> None:
    from gui.data.exchange_dialogs import ExportDialog

    dialog = ExportDialog(demo_db)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("sav"))
    assert not dialog.long.isEnabled()
    dialog.deidentify.setChecked(True)
    dialog.out_edit.setText(str(tmp_path / "cohort.sav"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(dialog.result_paths), timeout=10_000)
    assert (tmp_path / "cohort.sav").exists() and "de-identified" in dialog.summary.text()


def test_case_history_dialog_shows_changes_and_filters_by_field(qtbot, demo_db: Database) -> None:
    from gui.data.audit_view import CaseHistoryDialog, verification_text

    with demo_db.session() as session:
        session.scalars(select(Case).where(Case.study_id == "P04")).one().subtype = "AML M2 t(8;21)"
    dialog = CaseHistoryDialog(demo_db, "P04", table_name="cases", field="subtype")
    qtbot.addWidget(dialog)
    model = dialog.model
    assert model.rowCount() == 2  # created, then changed
    assert model.data(model.index(0, 2)) == "changed" and model.data(model.index(0, 7)) == "AML M2 t(8;21)"
    assert model.data(model.index(0, 4)).startswith("Case (record") and model.data(model.index(0, 5)) == (
        "Subtype / immunophenotype")  # the clinic's words, not cases #4 / subtype
    assert dialog.field_box.currentText() == "Subtype / immunophenotype (Case)"
    dialog.field_box.setCurrentIndex(0)
    assert model.rowCount() > 10
    ok, text = verification_text(demo_db)
    assert ok and "hash chain is intact" in text


def test_restore_dialog_lists_backups_newest_first(qtbot, demo_db: Database) -> None:
    from gui.data.backup_dialogs import RestoreDialog

    first = backup_database(demo_db.path, "manual")
    second = backup_database(demo_db.path, "before-import")
    dialog = RestoreDialog(demo_db.path)
    qtbot.addWidget(dialog)
    assert [b.path for b in dialog.backups] == [second, first]
    assert dialog.chosen() is not None and dialog.chosen().path == second  # type: ignore[union-attr]


def test_open_with_lock_offers_read_only_when_another_window_holds_it(qtbot, demo_db: Database,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from gui.data.backup_dialogs import open_with_lock

    demo_db.close()
    opened = open_with_lock(None, demo_db.path)
    assert opened is not None and opened[1] is not None
    opened[0].close()
    opened[1].release()
    monkeypatch.setattr(QMessageBox, "exec", lambda self: self.clickedButton())
    monkeypatch.setattr(QMessageBox, "clickedButton",
                        lambda self: next(b for b in self.buttons() if b.text() == "Open read-only"))
    with acquire_lock(demo_db.path):
        second = open_with_lock(None, demo_db.path)
        assert second is not None and second[1] is None
        second[0].close()
