"""Point 15 of issue 14 in the window: undo and redo recorded as such; after a freeze a save asks for a reason."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from gui.data import change_reasons
from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from storage.database import Database
from storage.record.case_documents import load_document
from storage.safety.freeze import freeze_dataset


@pytest.fixture
def window(qtbot, monkeypatch, demo_db: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(demo_db, settings)
    qtbot.addWidget(win)
    win.show()
    return win


def _reasons(path: Path) -> list[str | None]:
    conn = sqlite3.connect(path)
    rows = [r[0] for r in conn.execute("SELECT reason FROM audit_log WHERE action = 'update' ORDER BY id")]
    conn.close()
    return rows


def _edit_hospital_number(qtbot, window: MainWindow, study_id: str) -> int:  # type: ignore[no-untyped-def]
    summary = next(s for s in window.case_list.model.summaries() if s.study_id == study_id)
    window.show_case(summary.case_id)
    assert window.form is not None
    qtbot.keyClicks(window.form.identification.fields["identity.hospital_number"], "-X")
    window.save_case_action.trigger()
    return summary.case_id


def test_undo_and_redo_are_marked_in_the_trail(qtbot, window: MainWindow, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _edit_hospital_number(qtbot, window, "P04")
    window.undo_action.trigger()
    window.redo_action.trigger()
    assert _reasons(demo_db.path)[-3:] == [None, "undo", "redo"]


def test_after_a_freeze_the_save_asks_for_a_reason_and_records_it(qtbot, monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                  demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    shown: list[change_reasons.ReasonDialog] = []

    def answer(dialog: change_reasons.ReasonDialog) -> int:
        shown.append(dialog)
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        assert not ok.isEnabled()  # required: OK waits for a reason
        dialog.reason.setText("corrected from the discharge letter")
        assert ok.isEnabled()
        dialog.grab().save(str(tmp_path / "reason_dialog.png"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(change_reasons.ReasonDialog, "exec", answer)
    case_id = _edit_hospital_number(qtbot, window, "P04")
    assert len(shown) == 1
    with demo_db.session() as s:
        assert load_document(s, case_id)["identity"]["hospital_number"] == "DEMO-0004-X"
    assert _reasons(demo_db.path)[-1] == "corrected from the discharge letter"


def test_after_a_freeze_a_cancelled_reason_saves_nothing(qtbot, monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                         demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    monkeypatch.setattr(change_reasons.ReasonDialog, "exec", lambda _d: QDialog.DialogCode.Rejected)
    case_id = _edit_hospital_number(qtbot, window, "P04")
    with demo_db.session() as s:
        assert load_document(s, case_id)["identity"]["hospital_number"] == "DEMO-0004"
