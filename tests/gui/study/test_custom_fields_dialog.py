"""Tools ▸ Custom fields…: define a field, fill it in the form, group the analysis by it, undo."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

import main
from gui.shell.main_window import MainWindow
from gui.study.custom_fields_dialog import CustomFieldsDialog, FieldEditor, refresh_window
from storage.database import Database
from storage.record.case_documents import load_document
from storage.record.models import Case, CustomField

MRD = "MRD method at relapse"


def _case_id(db: Database, study_id: str) -> int:
    with db.session() as s:
        cid = s.scalar(select(Case.id).where(Case.study_id == study_id))
    assert cid is not None
    return cid


@pytest.fixture
def window(qtbot, demo_db: Database, settings) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(demo_db, settings)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def dialog(qtbot, window: MainWindow) -> CustomFieldsDialog:  # type: ignore[no-untyped-def]
    assert window.db is not None
    d = CustomFieldsDialog(window.db, window.push, lambda: refresh_window(window), window)
    qtbot.addWidget(d)
    return d


def _type_new_field(dialog: CustomFieldsDialog, name: str, kind: str, choices: str = "") -> FieldEditor:
    editor = FieldEditor("Add a custom field", dialog.add, dialog)
    editor.name_edit.setText(name)
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData(kind))
    editor.choices_edit.setPlainText(choices)
    editor.accept()
    return editor


def _choose(combo, text: str) -> None:  # type: ignore[no-untyped-def]
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_the_tools_menu_opens_the_dialog(monkeypatch, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    shown: list[CustomFieldsDialog] = []
    monkeypatch.setattr(CustomFieldsDialog, "exec", lambda self: shown.append(self) or 0)
    tools = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tools")
    action = next(a for a in tools.actions() if a.text() == "&Custom fields…")
    assert action.isEnabled()
    action.trigger()
    assert len(shown) == 1 and shown[0].windowTitle() == "Custom fields"


def test_add_a_choice_field_fill_it_in_the_form_and_group_the_analysis_by_it(
    qtbot, capsys, window: MainWindow, dialog: CustomFieldsDialog, demo_db: Database  # type: ignore[no-untyped-def]
) -> None:
    p04 = _case_id(demo_db, "P04")
    window.show_case(p04)
    editor = _type_new_field(dialog, MRD, "choice", "flow cytometry\nPCR\nNGS")
    assert editor.result() == QFieldAccepted
    assert [dialog.table.item(0, c).text() for c in range(4)] == [MRD, "choice", "flow cytometry, PCR, NGS", "0"]
    assert window.form is not None
    combo = window.form.custom.fields[f"custom.{MRD}"]  # the open form shows the new field at once
    assert [combo.itemText(i) for i in range(combo.count())] == ["", "flow cytometry", "PCR", "NGS"]
    _choose(combo, "PCR")
    window.save_case()
    window.show_case(_case_id(demo_db, "P01"))
    _choose(window.form.custom.fields[f"custom.{MRD}"], "flow cytometry")
    window.save_case()
    with demo_db.session() as s:
        assert load_document(s, p04)["custom"] == {MRD: "PCR"}
    dialog.reload()
    assert dialog.table.item(0, 3).text() == "2"

    capsys.readouterr()
    assert main.main(["analyze", "--db", str(demo_db.path), "--endpoint", "os", "--group-by", MRD, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    groups = {g["label"]: g["n"] for g in out["groups"]}
    assert groups == {"flow cytometry": 1, "PCR": 1}  # P01 and P04; cases with no value are left out
    assert out["logrank"] is not None


def test_a_refused_name_is_explained_in_the_editor_and_nothing_is_added(
    dialog: CustomFieldsDialog, demo_db: Database
) -> None:
    editor = _type_new_field(dialog, "best_response", "text")
    assert editor.error.isVisibleTo(editor)
    assert "'best_response' is a built-in field of the analysis" in editor.error.text()
    editor = _type_new_field(dialog, MRD, "choice", "")
    assert f"The choice field '{MRD}' needs at least one choice" in editor.error.text()
    assert editor.result() != QFieldAccepted
    with demo_db.session() as s:
        assert s.scalars(select(CustomField)).all() == []


def test_removing_a_choice_in_use_is_refused_naming_how_many_cases_use_it(
    window: MainWindow, dialog: CustomFieldsDialog, demo_db: Database
) -> None:
    _type_new_field(dialog, MRD, "choice", "flow cytometry\nPCR")
    window.show_case(_case_id(demo_db, "P04"))
    _choose(window.form.custom.fields[f"custom.{MRD}"], "PCR")  # type: ignore[union-attr]
    window.save_case()
    assert dialog.edit_choices(MRD, "flow cytometry\nNGS") == (
        f"Cannot remove a choice of '{MRD}' that cases use: 'PCR' is used by 1 case. Change those cases first.")
    assert dialog.edit_choices(MRD, "flow cytometry\nPCR\nNGS") is None
    combo = window.form.custom.fields[f"custom.{MRD}"]  # type: ignore[union-attr]
    assert combo.findText("NGS") > 0 and combo.currentText() == "PCR"
    window.undo()
    assert window.form.custom.fields[f"custom.{MRD}"].findText("NGS") < 0  # type: ignore[union-attr]


def test_delete_asks_naming_the_values_and_undo_brings_them_back(
    monkeypatch, window: MainWindow, dialog: CustomFieldsDialog, demo_db: Database  # type: ignore[no-untyped-def]
) -> None:
    _type_new_field(dialog, MRD, "choice", "flow cytometry\nPCR")
    p04 = _case_id(demo_db, "P04")
    window.show_case(p04)
    _choose(window.form.custom.fields[f"custom.{MRD}"], "PCR")  # type: ignore[union-attr]
    window.save_case()
    asked: list[str] = []

    def answer(reply):  # type: ignore[no-untyped-def]
        return lambda _parent, _title, text, *_a: asked.append(text) or reply

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert dialog.delete(MRD) is False
    assert f"Delete the custom field '{MRD}'?\n1 case holds a value of it; that value will be deleted too." in asked[0]
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert dialog.delete(MRD) is True
    assert dialog.table.rowCount() == 0
    assert f"custom.{MRD}" not in window.form.custom.fields  # type: ignore[union-attr]
    with demo_db.session() as s:
        assert load_document(s, p04)["custom"] == {}
    window.undo()
    with demo_db.session() as s:
        assert load_document(s, p04)["custom"] == {MRD: "PCR"}
    assert window.form.custom.fields[f"custom.{MRD}"].currentText() == "PCR"  # type: ignore[union-attr]


def test_rename_and_add_are_undone_in_order(window: MainWindow, dialog: CustomFieldsDialog, demo_db: Database) -> None:
    _type_new_field(dialog, "MRD method", "choice", "flow cytometry\nPCR")
    assert dialog.rename("MRD method", MRD) is None
    assert window.undo_stack.undoText() == f"Rename custom field MRD method to {MRD}"
    window.undo()
    window.undo()
    with demo_db.session() as s:
        assert s.scalars(select(CustomField.name)).all() == []
    window.redo()
    window.redo()
    with demo_db.session() as s:
        assert s.scalars(select(CustomField.name)).all() == [MRD]


QFieldAccepted = 1  # QDialog.DialogCode.Accepted as result()
