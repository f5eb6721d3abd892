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


# --- the reason offered with every save and deletion (the form's Save row, the deletion's confirmation) ------

def _entries_after(path: Path, last_id: int) -> list[tuple[str, str, str | None]]:
    """(action, table, reason) of every record entry written after entry last_id."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT action, table_name, reason FROM audit_log WHERE id > ? AND action != 'event' "
                        "ORDER BY id", (last_id,)).fetchall()
    conn.close()
    return rows


def _last_id(path: Path) -> int:
    conn = sqlite3.connect(path)
    found = conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
    conn.close()
    return int(found)


def _dump_hash(path: Path) -> str:
    """SHA-256 over every row of every table, the audit trail included."""
    import hashlib

    conn = sqlite3.connect(path)
    digest = hashlib.sha256("\n".join(conn.iterdump()).encode("utf-8")).hexdigest()
    conn.close()
    return digest


def _show(window: MainWindow, study_id: str) -> int:
    summary = next(s for s in window.case_list.model.summaries() if s.study_id == study_id)
    window.show_case(summary.case_id)
    return summary.case_id


def test_a_reason_typed_in_the_form_is_on_every_entry_of_that_save_only(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                          demo_db: Database) -> None:
    _show(window, "P04")
    form = window.form
    assert form is not None and form.save_row.reason.isVisibleTo(form)
    assert form.save_row.reason.placeholderText().startswith("optional")
    before = _last_id(demo_db.path)
    qtbot.keyClicks(form.identification.fields["identity.hospital_number"], "-X")
    qtbot.keyClicks(form.identification.fields["identity.name"], "x")
    qtbot.keyClicks(form.save_row.reason, "  corrected from the   source document ")
    window.save_case_action.trigger()
    first = _entries_after(demo_db.path, before)
    assert [(a, t) for a, t, _r in first] == [("update", "identities"), ("update", "identities")]
    assert {r for _a, _t, r in first} == {"corrected from the source document"}
    assert form.save_row.reason.text() == ""  # cleared after the save
    middle = _last_id(demo_db.path)
    qtbot.keyClicks(form.identification.fields["identity.hospital_number"], "Y")
    window.save_case_action.trigger()
    second = _entries_after(demo_db.path, middle)
    assert second == [("update", "identities", None)]
    steps = _last_id(demo_db.path)
    window.undo_action.trigger()  # undo and redo keep being marked, the redo with the edit's reason
    window.undo_action.trigger()
    window.redo_action.trigger()
    reasons = [r for _a, _t, r in _entries_after(demo_db.path, steps)]
    assert reasons == ["undo", "undo", "undo", "redo: corrected from the source document",
                       "redo: corrected from the source document"]


def test_no_reason_is_offered_without_a_saved_case(window: MainWindow) -> None:
    assert window.form is not None
    window.form.clear()
    assert not window.form.save_row.reason.isVisibleTo(window.form)


def test_a_deletion_records_the_reason_given_in_its_confirmation(monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                 demo_db: Database) -> None:
    _show(window, "P05")

    def confirm(dialog: change_reasons.DeleteCaseDialog) -> int:
        assert dialog.delete_button.isEnabled()  # optional: deleting needs no reason
        dialog.reason.setText("duplicate of P02")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(change_reasons.DeleteCaseDialog, "exec", confirm)
    before = _last_id(demo_db.path)
    window.delete_case_action.trigger()
    deleted = _entries_after(demo_db.path, before)
    assert len(deleted) > 5 and {a for a, _t, _r in deleted} == {"delete"}  # the case and each of its records
    assert {t for _a, t, _r in deleted} >= {"cases", "identities", "salvage_courses"}
    assert {r for _a, _t, r in deleted} == {"duplicate of P02"}
    window.undo_action.trigger()
    steps = _last_id(demo_db.path)
    window.redo_action.trigger()
    redone = _entries_after(demo_db.path, steps)
    assert len(redone) == len(deleted)
    assert {r for _a, _t, r in redone} == {"redo: duplicate of P02"}


def test_a_required_reason_left_empty_saves_nothing(qtbot, monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                    demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    _show(window, "P04")
    form = window.form
    assert form is not None
    assert form.save_row.reason_label.text() == "Reason for change (required):"
    asked: list[str] = []
    monkeypatch.setattr(change_reasons.ReasonDialog, "exec", lambda d: asked.append("asked") or 0)
    qtbot.keyClicks(form.identification.fields["identity.hospital_number"], "-X")
    before = _dump_hash(demo_db.path)
    assert form.save() is False
    assert asked == ["asked"]  # the field was empty: the dialog asked, and was cancelled
    assert _dump_hash(demo_db.path) == before  # nothing saved, nothing audited
    assert "reason" in form.banner.text()
    qtbot.keyClicks(form.save_row.reason, "query 12 of the monitor")
    assert form.save() is True
    assert asked == ["asked"]  # the reason in the form was enough
    assert _reasons(demo_db.path)[-1] == "query 12 of the monitor"


def test_a_required_reason_for_a_deletion_cannot_be_left_empty(monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                               demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    _show(window, "P05")
    states: list[bool] = []

    def cancel_empty(dialog: change_reasons.DeleteCaseDialog) -> int:
        states.append(dialog.delete_button.isEnabled())
        dialog.reason.setText("consent withdrawn")
        states.append(dialog.delete_button.isEnabled())
        dialog.reason.setText("   ")
        states.append(dialog.delete_button.isEnabled())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(change_reasons.DeleteCaseDialog, "exec", cancel_empty)
    before = _dump_hash(demo_db.path)
    assert window.delete_case() is False
    assert states == [False, True, False]
    assert _dump_hash(demo_db.path) == before


# --- undo and redo after a freeze (the physician's review): asked before the step, cancel keeps it ----------

def test_after_a_freeze_an_undo_asks_first_and_a_cancel_keeps_the_step(qtbot, monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                        demo_db: Database) -> None:
    case_id = _show(window, "P04")
    form = window.form
    assert form is not None
    qtbot.keyClicks(form.identification.fields["identity.hospital_number"], "-X")
    window.save_case_action.trigger()
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    asked: list[str] = []

    def cancel(dialog: change_reasons.ReasonDialog) -> int:
        asked.append(dialog.findChildren(change_reasons.QLabel)[0].text())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(change_reasons.ReasonDialog, "exec", cancel)
    before = _dump_hash(demo_db.path)
    window.undo_action.trigger()
    assert asked and asked[0].startswith("Undo: Edit case P04") and "The data were frozen on" in asked[0]
    assert _dump_hash(demo_db.path) == before  # nothing changed
    assert window.undo_stack.canUndo() and window.undo_stack.index() == 1  # the step is still there

    def answer(dialog: change_reasons.ReasonDialog) -> int:
        dialog.reason.setText("entered in the wrong case")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(change_reasons.ReasonDialog, "exec", answer)
    window.undo_action.trigger()
    with demo_db.session() as s:
        assert load_document(s, case_id)["identity"]["hospital_number"] == "DEMO-0004"
    assert _reasons(demo_db.path)[-1] == "undo: entered in the wrong case"


def test_after_a_freeze_undoing_a_deletion_asks_for_a_reason(qtbot, monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                              demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    monkeypatch.setattr(change_reasons.DeleteCaseDialog, "exec",
                        lambda d: (d.reason.setText("duplicate of P03"), QDialog.DialogCode.Accepted)[1])
    _show(window, "P04")
    window.delete_case_action.trigger()
    assert "P04" not in [s.study_id for s in window.case_list.model.summaries()]
    asked: list[str] = []

    def answer(dialog: change_reasons.ReasonDialog) -> int:
        asked.append(dialog.findChildren(change_reasons.QLabel)[0].text())
        dialog.reason.setText("not a duplicate after all")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(change_reasons.ReasonDialog, "exec", answer)
    before = _last_id(demo_db.path)
    window.undo_action.trigger()
    assert asked and asked[0].startswith("Undo: Delete case P04")
    entries = _entries_after(demo_db.path, before)
    assert entries and {r for _a, _t, r in entries} == {"undo: not a duplicate after all"}
    assert "P04" in [s.study_id for s in window.case_list.model.summaries()]


def test_the_delete_dialog_and_the_refusal_say_why_a_reason_is_needed(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                       demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    dialog = change_reasons.DeleteCaseDialog(window, "P04", True, "the data were frozen on 02.12.2026 (F1-20261202)")
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(change_reasons.QLabel))
    assert "required: the data were frozen on 02.12.2026" in texts


def test_the_study_setting_is_chosen_in_the_tools_menu(qtbot, monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                        demo_db: Database) -> None:
    from storage.safety.reasons import reason_policy, reason_required

    _show(window, "P04")
    assert window.form is not None and not window.form.save_row.required  # no freeze yet: optional

    def choose_always(dialog: change_reasons.ReasonPolicyDialog) -> int:
        assert dialog.choices["after_freeze"].isChecked()  # the default
        dialog.choices["always"].setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(change_reasons.ReasonPolicyDialog, "exec", choose_always)
    action = next(a for a in window.findChildren(type(window.undo_action)) if a.text() == "&Reasons for changes…")
    action.trigger()
    with demo_db.session() as session:
        assert reason_policy(session) == "always" and reason_required(session)
    assert window.form.save_row.required and "(required)" in window.form.save_row.reason_label.text()


def test_the_case_history_shows_the_reason_and_marks_an_undo(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                             demo_db: Database) -> None:
    from gui.data.audit_view import COLUMNS, CaseHistoryDialog

    _show(window, "P04")
    form = window.form
    assert form is not None
    qtbot.keyClicks(form.identification.fields["identity.hospital_number"], "-X")
    qtbot.keyClicks(form.save_row.reason, "corrected from the source document")
    window.save_case_action.trigger()
    window.undo_action.trigger()
    assert window.statusBar().currentMessage() == "Undone: Edit case P04"
    dialog = CaseHistoryDialog(demo_db, "P04")
    qtbot.addWidget(dialog)
    model = dialog.model
    assert COLUMNS.index("Reason") == 3  # beside What, in view at 980 px
    assert model.data(model.index(0, 2)) == "changed (undo)" and model.data(model.index(0, 3)) == "undo"
    assert model.data(model.index(1, 2)) == "changed"
    assert model.data(model.index(1, 3)) == "corrected from the source document"
