"""Doses you can trust: exact units, the catalogue by typing, warnings next to the row, totals explained."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from gui.case_form.form import CaseForm
from storage.database import Database
from storage.record.case_documents import load_document
from storage.record.dosing import load_acknowledged
from storage.record.models import Case

UNIT, ROUTE, TOTAL = 2, 4, 6


@pytest.fixture
def form(qtbot, demo_db: Database) -> CaseForm:  # type: ignore[no-untyped-def]
    widget = CaseForm(demo_db, QUndoStack(), lambda _cid: None)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    return widget


def _load(form: CaseForm, db: Database, study_id: str) -> int:
    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.study_id == study_id))
    assert case_id is not None
    form.load(case_id)
    return case_id


def _keys(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a keyboard does: each key goes to the widget that has the focus at that moment."""
    for char in text:
        qtbot.keyClicks(QApplication.focusWidget(), char)


def _type_into(qtbot, table, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    table.setFocus()
    table.setCurrentCell(row, column)
    _keys(qtbot, text)  # the first key opens the cell's editor, the rest go into it
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_typing_mg_in_the_unit_gives_mg(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _load(form, demo_db, "P05")
    drugs = form.courses.drugs.table
    row = next(r for r in range(drugs.rowCount()) if drugs.item(r, ROUTE).text() == "IT")
    _type_into(qtbot, drugs, row, UNIT, "mg/m2")
    assert drugs.item(row, UNIT).text() == "mg/m²"
    _type_into(qtbot, drugs, row, UNIT, "mg")
    assert drugs.item(row, UNIT).text() == "mg"
    assert form.courses.drugs.row_data(row)["unit"] == "mg"
    # Enter moved on to the next cell, as Tab does
    assert drugs.currentColumn() == UNIT + 1


def test_text_that_is_no_unit_is_refused_never_guessed(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _load(form, demo_db, "P05")
    drugs = form.courses.drugs.table
    _type_into(qtbot, drugs, 0, UNIT, "m")
    problems = form.validate()
    assert problems["courses[0].drugs[0].unit"] == ["'m' is not one of: mg/m², g/m², mg/kg, mg"]
    assert form.save() is False


def test_intrathecal_dose_per_m2_is_warned_next_to_the_row(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    case_id = _load(form, demo_db, "P05")
    drugs = form.courses.drugs.table
    row = next(r for r in range(drugs.rowCount())
               if drugs.item(r, ROUTE).text() == "IT" and drugs.item(r, 0).text() == "cytarabine")
    _type_into(qtbot, drugs, row, UNIT, "mg/m2")
    warning = form.courses.dose_warning
    assert warning.isVisibleTo(form)
    assert f"drug {row + 1} (cytarabine): Unit: mg/m² intrathecally" in warning.text()
    assert drugs.item(row, TOTAL).text().startswith("⚠ ")
    # A warning never blocks the save; acknowledged, it is kept with the case and goes away.
    drugs.setCurrentCell(row, 0)
    form.courses.acknowledge_current()
    assert "intrathecally" not in warning.text()
    assert not drugs.item(row, TOTAL).text().startswith("⚠ ")
    assert form.save()
    with demo_db.session() as s:
        assert any("intrathecally" in key for key in load_acknowledged(s, case_id))
        doc = load_document(s, case_id)
    assert doc["courses"][0]["drugs"][row]["unit"] == "mg/m2"


def test_a_catalogue_drug_is_picked_by_typing_with_its_unit_and_route(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _load(form, demo_db, "P05")
    table = form.courses.drugs
    table.table.setFocus()
    qtbot.keyClick(table.table, Qt.Key.Key_Insert)  # a new row, by keyboard
    row = table.table.rowCount() - 1
    assert table.table.currentRow() == row
    _keys(qtbot, "daratumumab (intravenous, mg/kg)")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    values = table.row_data(row)
    assert (values["drug"], values["unit"], values["route"]) == ("daratumumab", "mg/kg", "IV")
    assert "daratumumab (intravenous, mg/kg)" in form.courses._drug_choices()


def test_per_m2_without_height_and_weight_is_warned(form: CaseForm, demo_db: Database) -> None:
    _load(form, demo_db, "P05")
    courses = form.courses.courses.table
    courses.item(0, 2).setText("")  # height
    text = form.courses.dose_warning.text()
    assert "a dose per m² needs the course's height and weight" in text
    assert "needs height and weight (BSA)" in form.courses.drugs.table.item(0, TOTAL).text()


def test_delete_removes_a_drug_and_ctrl_z_brings_it_back(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _load(form, demo_db, "P05")
    table = form.courses.drugs
    before = table.rows()[0]
    table.table.setFocus()
    table.table.setCurrentCell(1, 0)
    qtbot.keyClick(table.table, Qt.Key.Key_Delete)
    assert table.table.rowCount() == len(before) - 1
    qtbot.keyClick(table.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert table.rows()[0] == before


def test_a_new_drug_is_added_to_the_study_s_catalogue(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    from storage.record.dosing import find_drug, load_catalogue

    _load(form, demo_db, "P05")
    table = form.courses.drugs
    table.table.setFocus()
    qtbot.keyClick(table.table, Qt.Key.Key_Insert)
    row = table.table.rowCount() - 1
    table.table.item(row, 0).setText("thiotepa")
    _type_into(qtbot, table.table, row, UNIT, "mg/kg")
    _type_into(qtbot, table.table, row, ROUTE, "IV")
    table.table.setCurrentCell(row, 0)
    assert form.courses.add_to_catalogue.isVisibleTo(form)
    form.courses.add_to_catalogue.click()
    with demo_db.session() as s:
        entry = find_drug(load_catalogue(s), "thiotepa")
    assert entry is not None and (entry.unit, entry.route) == ("mg/kg", "IV")
    assert "thiotepa (intravenous, mg/kg)" in form.courses._drug_choices()
    assert not form.courses.add_to_catalogue.isVisibleTo(form)
