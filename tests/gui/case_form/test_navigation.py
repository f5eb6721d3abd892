"""Finding your way: the section navigator with its counts, banner links to fields, a refused save said."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from gui.case_form.form import CaseForm
from storage.database import Database
from storage.record.models import Case


@pytest.fixture
def form(qtbot, demo_db: Database) -> CaseForm:  # type: ignore[no-untyped-def]
    widget = CaseForm(demo_db, QUndoStack(), lambda _cid: None)
    qtbot.addWidget(widget)
    widget.resize(1000, 760)
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


def _index(form: CaseForm, title: str) -> int:
    return [s.title for s in form.sections].index(title)


def test_navigator_shows_every_section_with_its_state(form: CaseForm, demo_db: Database) -> None:
    _load(form, demo_db, "P05")
    nav = form.navigator
    assert nav.count() == len(form.sections) == 11
    assert nav.state_text(_index(form, "Identification")) == "✓ complete"
    form.outcome.fields["death.death_date"].setText("2010-01-01")  # before birth and salvage
    form.outcome.fields["death.cause"].set_value(None)
    form.validate()
    outcome = _index(form, "Outcome and follow-up")
    assert nav.state_text(outcome).startswith("⚠ ")
    assert "problem" in nav.state_text(outcome)
    form.outcome.fields["death.death_date"].setText("")
    form.validate()
    # a dead patient without the date and cause of death: two items missing, no rule broken
    assert nav.state_text(outcome) == "2 missing"


def test_keyboard_jumps_between_sections(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _load(form, demo_db, "P05")
    form.focus_first_field()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert form.current_section() == 1
    assert form.sections[1].isAncestorOf(QApplication.focusWidget())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert form.current_section() == 3  # Alt+4: the salvage courses
    assert form.courses.isAncestorOf(QApplication.focusWidget())
    bar = form.scroll_area.verticalScrollBar()
    assert bar.value() == min(form.courses.y(), bar.maximum())
    page = form.scroll_area.widget()
    assert page.y() == -bar.value()  # the page itself moved, not only the scroll bar
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert form.current_section() == 2


def test_a_click_in_the_navigator_jumps(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _load(form, demo_db, "P05")
    nav = form.navigator
    outcome = _index(form, "Outcome and follow-up")
    rect = nav.visualItemRect(nav.item(outcome))
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert form.outcome.isAncestorOf(QApplication.focusWidget())


def test_banner_lists_problems_as_links_that_jump_to_the_field(form: CaseForm, demo_db: Database) -> None:
    _load(form, demo_db, "P05")
    form.outcome.fields["death.death_date"].setText("2010-01-01")
    assert form.save() is False
    banner = form.banner
    assert banner.isVisibleTo(form)
    assert "Not saved:" in banner.text()
    paths = [path for path, _text in banner.links]
    assert "death.death_date" in paths
    text = dict(banner.links)["death.death_date"]
    assert text.startswith("Outcome and follow-up › Date of death: ")
    assert "href='death.death_date'" in banner.text()
    form.identification.fields["study_id"].setFocus()
    banner.linkActivated.emit("death.death_date")  # what a click on the link does
    assert QApplication.focusWidget() is form.outcome.fields["death.death_date"]
    # the refused save is said at the button too, not only in a status bar
    assert form.save_button.text() == "Not saved"


def test_a_link_to_a_drug_cell_selects_its_course_and_cell(form: CaseForm, demo_db: Database) -> None:
    _load(form, demo_db, "P05")
    form.jump_to("courses[0].drugs[2].unit")
    drugs = form.courses.drugs.table
    assert (drugs.currentRow(), drugs.currentColumn()) == (2, 2)
    assert drugs.hasFocus()


def test_a_row_being_filled_is_not_marked_until_it_is_left(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    _load(form, demo_db, "P05")
    table = form.response.tables["assessments"]
    table.table.setFocus()
    qtbot.keyClick(table.table, Qt.Key.Key_Insert)
    row = table.table.rowCount() - 1
    # a marrow before salvage: its date is typed first, its timing ("before salvage") comes next
    table.table.item(row, 0).setText("2017-01-02")
    problems = form.validate()
    assert any(p.startswith(f"assessments[{row}]") for p in problems)  # the rule sees it ...
    assert table.error.text() == ""  # ... but the row is not marked while it is being filled
    assert f"assessments[{row}]" not in " ".join(p for p, _t in form.banner.links)
    form.identification.fields["study_id"].setFocus()  # the row is left
    problems = form.validate()
    assert f"assessment {row + 1}" in table.error.text()


def test_the_wheel_over_a_table_scrolls_the_page_never_the_table_sideways(qtbot, form: CaseForm,  # type: ignore[no-untyped-def]
                                                                          demo_db: Database) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    _load(form, demo_db, "P05")
    table = form.response.tables["assessments"].table
    form.scroll_area.ensureWidgetVisible(table)
    centre = QPointF(table.viewport().rect().center())
    event = QWheelEvent(centre, QPointF(table.viewport().mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(table.viewport(), event)
    # Left to the form's scroll area (a real wheel event goes on to it; a synthetic one stops here).
    assert not event.isAccepted()
    assert table.horizontalScrollBar().value() == 0 and table.verticalScrollBar().value() == 0
    assert table.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width()  # every column, the date first, in view


def test_decimal_comma_in_a_field_and_in_a_table_cell(form: CaseForm, demo_db: Database) -> None:
    case_id = _load(form, demo_db, "P05")
    courses = form.courses.courses.table
    courses.item(0, 2).setText("110")
    courses.item(0, 3).setText("19,5")  # weight, the German way
    assert courses.item(0, 4).text() == "0.77 m²"
    assert form.save()
    from storage.record.case_documents import load_document

    with demo_db.session() as s:
        assert load_document(s, case_id)["courses"][0]["weight_kg"] == 19.5
