"""The case form, driven like a clinician would: read, type, get told a rule, save, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from gui.case_form.form import CaseForm
from gui.widgets.fields import DateField
from storage.database import Database
from storage.record.case_documents import load_document
from storage.record.models import Case


def _case_id(db: Database, study_id: str) -> int:
    with db.session() as s:
        cid = s.scalar(select(Case.id).where(Case.study_id == study_id))
    assert cid is not None
    return cid


@pytest.fixture
def form(qtbot, demo_db: Database) -> CaseForm:  # type: ignore[no-untyped-def]
    widget = CaseForm(demo_db, QUndoStack(), lambda _cid: None)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    return widget


def _field(form: CaseForm, path: str):  # type: ignore[no-untyped-def]
    for section in form.sections:
        if path in section.fields:
            return section.fields[path]
    raise KeyError(path)


def _error_text(form: CaseForm, path: str) -> str:
    for section in form.sections:
        if path in section.errors:
            error = section.errors[path]
            return error.text() if error.isVisibleTo(form) else ""
    raise KeyError(path)


def test_p04_reads_back_like_the_article(form: CaseForm, demo_db: Database) -> None:
    form.load(_case_id(demo_db, "P04"))
    assert _field(form, "study_id").text() == "P04"
    assert _field(form, "diagnosis").currentText() == "AML — acute myeloid leukemia"
    assert _field(form, "subtype").text() == "AML M2"
    assert _field(form, "disease_status").currentText() == "relapse"
    assert _field(form, "relapse_number").text() == "2"
    drugs = form.courses.drugs.table
    melphalan = [drugs.item(0, c).text() for c in range(5)]
    assert melphalan == ["melphalan", "33", "mg/m²", "2", "IV"]
    assert "second relapse" in form.endpoints_line.text()
    assert form.outcome.os_label.text() == (
        "Overall survival — P04: event (death) on 2019-01-16, 12.0 months after time zero"
    )
    assert not form.is_dirty()


def test_impossible_death_date_is_named_next_to_the_field_and_not_saved(
    qtbot, form: CaseForm, demo_db: Database  # type: ignore[no-untyped-def]
) -> None:
    cid = _case_id(demo_db, "P04")
    form.load(cid)
    with demo_db.session() as s:
        before = load_document(s, cid)
    death = _field(form, "death.death_date")
    death.clear()
    qtbot.keyClicks(death, "01.01.2017")  # German style, before day 1 of salvage (2018-01-15)
    assert form.save() is False
    message = _error_text(form, "death.death_date")
    assert "date of death (2017-01-01) is before day 1 of salvage (2018-01-15)" in message
    assert form.save_button.isEnabled()
    with demo_db.session() as s:
        assert load_document(s, cid) == before  # the database is unchanged


def test_unreadable_date_is_refused_with_the_expected_format(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    form.load(_case_id(demo_db, "P04"))
    field = _field(form, "last_follow_up")
    field.clear()
    qtbot.keyClicks(field, "16/01/2019")
    assert form.save() is False
    assert "type 2019-03-14 or 14.03.2019" in _error_text(form, "last_follow_up")


def test_german_date_is_shown_in_iso(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    form.load(_case_id(demo_db, "P02"))
    field: DateField = _field(form, "last_follow_up")
    field.clear()
    qtbot.keyClicks(field, "14.03.2021")
    field.editingFinished.emit()
    assert field.text() == "2021-03-14"


def test_bsa_and_total_dose_follow_height_and_weight(form: CaseForm, demo_db: Database) -> None:
    form.load(_case_id(demo_db, "P04"))
    courses = form.courses.courses.table
    courses.item(0, 2).setText("150")  # height cm
    courses.item(0, 3).setText("40")  # weight kg
    assert courses.item(0, 4).text() == "1.29 m²"  # sqrt(150 * 40 / 3600)
    drugs = form.courses.drugs.table
    assert drugs.item(0, 6).text() == "33 mg/m² × 2 × 1.29 m² = 85.1 mg"  # melphalan, with its computation
    assert drugs.item(1, 6).text() == "1 g/m² × 4 × 1.29 m² = 5.2 g"  # cytarabine


def test_rule_on_a_table_cell_marks_the_cell_and_names_the_row(form: CaseForm, demo_db: Database) -> None:
    form.load(_case_id(demo_db, "P04"))
    table = form.sections[6].tables["complications"]
    table.table.item(0, 1).setText("7")  # CTCAE grade
    problems = form.validate()
    assert problems["complications[0].grade"] == ["CTCAE grade must be between 1 and 5 (got 7)"]
    assert "complication 1, CTCAE grade: CTCAE grade must be between 1 and 5" in table.error.text()
    assert table.table.item(0, 1).toolTip() == "CTCAE grade must be between 1 and 5 (got 7)"


def test_leaving_with_unsaved_changes_asks(monkeypatch, qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _case_id(demo_db, "P04")
    form.load(cid)
    qtbot.keyClicks(_field(form, "subtype"), " (FAB)")
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def fake(*args, **kwargs):  # type: ignore[no-untyped-def]
            asked.append(args[2])
            return button
        return fake

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert form.maybe_leave() is False
    assert "Case P04 has changes that are not saved" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Save))
    assert form.maybe_leave() is True
    with demo_db.session() as s:
        assert load_document(s, cid)["subtype"] == "AML M2 (FAB)"
    assert form.undo_stack.count() == 1


def test_tab_order_follows_the_form(form: CaseForm, demo_db: Database) -> None:
    form.load(_case_id(demo_db, "P04"))
    order = []
    widget = _field(form, "study_id")
    for _ in range(6):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            widget = widget.nextInFocusChain()
    expected = [_field(form, p) for p in ("study_id", "sex", "identity.name", "identity.hospital_number",
                                           "identity.birth_date", "diagnosis")]
    assert order == expected


def test_switching_cases_shows_each_case_s_own_drugs(form: CaseForm, demo_db: Database) -> None:
    form.load(_case_id(demo_db, "P04"))
    form.load(_case_id(demo_db, "P01"))
    drugs = form.courses.drugs.table
    assert [drugs.item(r, 0).text() for r in range(drugs.rowCount())] == [
        "melphalan", "cytarabine", "cytarabine", "anti-CD19 antibody"]
    assert not form.is_dirty()


def test_drugs_stay_with_their_course(form: CaseForm, demo_db: Database) -> None:
    cid = _case_id(demo_db, "P04")
    form.load(cid)
    form.courses.courses.add_row({"course_number": 2, "start_date": "2018-02-20"})  # selects course 2
    form.courses.drugs.add_row({"drug": "fludarabine", "dose": 30.0, "unit": "mg/m2", "doses": 5, "route": "IV"})
    form.courses.courses.table.setCurrentCell(0, 0)
    assert form.courses.drugs.table.item(0, 0).text() == "melphalan"
    assert form.save()
    with demo_db.session() as s:
        courses = load_document(s, cid)["courses"]
    assert [[d["drug"] for d in c["drugs"]] for c in courses] == [["melphalan", "cytarabine"], ["fludarabine"]]


def test_a_study_id_another_case_has_is_refused_at_the_field(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _case_id(demo_db, "P04")
    form.load(cid)
    field = _field(form, "study_id")
    field.clear()
    qtbot.keyClicks(field, "P05")
    assert form.save() is False
    assert "study ID P05 already exists" in _error_text(form, "study_id")
    with demo_db.session() as s:
        assert load_document(s, cid)["study_id"] == "P04"


def test_custom_fields_are_filled_in_the_form(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    from storage.record.models import CustomField

    with demo_db.session() as s:
        s.add(CustomField(name="FLT3-ITD", kind="choice", choices="positive\nnegative"))
        s.add(CustomField(name="Ferritin", kind="number"))
    widget = CaseForm(demo_db, QUndoStack(), lambda _cid: None)
    qtbot.addWidget(widget)
    cid = _case_id(demo_db, "P08")
    widget.load(cid)
    _field(widget, "custom.FLT3-ITD").set_value("negative")
    qtbot.keyClicks(_field(widget, "custom.Ferritin"), "1200,5")
    assert widget.save()
    with demo_db.session() as s:
        assert load_document(s, cid)["custom"] == {"FLT3-ITD": "negative", "Ferritin": "1200.5"}


def test_a_cell_still_being_typed_is_saved_too(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QLineEdit

    cid = _case_id(demo_db, "P04")
    form.load(cid)
    table = form.sections[1].tables["findings"].table
    form.activateWindow()
    table.setFocus()
    table.setCurrentCell(1, 0)
    table.editItem(table.item(1, 0))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.setText("KIT D816V mutation")
    assert form.save()
    with demo_db.session() as s:
        assert load_document(s, cid)["findings"][1]["finding"] == "KIT D816V mutation"


def test_the_form_lists_what_is_missing(form: CaseForm, demo_db: Database) -> None:
    form.load(_case_id(demo_db, "P02"))  # alive, last seen years ago
    assert form.quality_line.isVisibleTo(form)
    assert "last follow-up is more than six months old" in form.quality_line.text()
    form.load(_case_id(demo_db, "P04"))
    assert not form.quality_line.isVisibleTo(form)


# From the article's Table 1/2 (published_cohort.csv): sex, immunophenotype, status at salvage,
# melphalan (doses x mg/m²), best response, donor of the HSCT after salvage, OS in months.
PUBLISHED = [
    ("P01", "female", "cALL", "third relapse", (1, 40), "CR", "mismatched family donor (haploidentical)", 42),
    ("P02", "male", "pro-B-ALL", "primary refractory", (1, 60), "CR", "matched unrelated donor", 75),
    ("P03", "female", None, "primary refractory", (2, 60), "CR", "mismatched family donor (haploidentical)", 4),
    ("P04", "female", "AML M2", "second relapse", (2, 33), "CR", "mismatched family donor (haploidentical)", 12),
    ("P05", "male", "ALL", "third relapse", (1, 20), "NR", None, 2),
    ("P06", "female", "pro-B-ALL", "primary refractory", (1, 40), "NR", None, 50),
    ("P07", "male", None, "first relapse", (1, 40), "CR", "mismatched family donor (haploidentical)", 3),
    ("P08", "female", "AML M2 with Auer rods", "first relapse", (1, 40), "NR", None, 2),
]


@pytest.mark.parametrize("study_id, sex, subtype, status, melphalan, best, donor, os_months", PUBLISHED)
def test_every_case_reads_like_the_article(  # type: ignore[no-untyped-def]
    form: CaseForm, demo_db: Database, study_id, sex, subtype, status, melphalan, best, donor, os_months
) -> None:
    form.load(_case_id(demo_db, study_id))
    assert _field(form, "sex").currentText() == sex
    if subtype is not None:
        assert _field(form, "subtype").text() == subtype
    assert status in form.endpoints_line.text()
    drugs = form.courses.drugs.table
    row = next(r for r in range(drugs.rowCount()) if drugs.item(r, 0).text() == "melphalan")
    assert (drugs.item(row, 3).text(), drugs.item(row, 1).text(), drugs.item(row, 2).text()) == (
        str(melphalan[0]), str(melphalan[1]), "mg/m²")
    assert form.response.derived_best.text().startswith(best)  # type: ignore[attr-defined]
    transplants = form.sections[5].tables["transplants"].table
    first_donor = transplants.item(0, 1).text() if transplants.rowCount() else None
    assert first_donor == donor
    assert f"OS {os_months:.1f} mo" in form.endpoints_line.text()


def test_shortcuts_of_the_common_actions(qtbot, demo_db: Database, settings) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QKeySequence

    from gui.shell.main_window import MainWindow

    window = MainWindow(demo_db, settings)
    qtbot.addWidget(window)
    keys = {
        window.new_case_action: "Ctrl+N", window.save_case_action: "Ctrl+S", window.undo_action: "Ctrl+Z",
        window.redo_action: "Ctrl+Shift+Z", window.find_action: "Ctrl+F",
    }
    for action, key in keys.items():
        assert QKeySequence(key) in action.shortcuts(), action.text()


def test_bsa_updates_while_the_height_is_still_being_typed(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QLineEdit

    form.load(_case_id(demo_db, "P04"))
    courses = form.courses.courses.table
    courses.item(0, 3).setText("40")  # weight first
    form.activateWindow()
    courses.setFocus()
    courses.setCurrentCell(0, 2)
    courses.editItem(courses.item(0, 2))
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "150")  # not committed with Enter yet
    assert courses.item(0, 4).text() == "1.29 m²"


def test_a_german_date_typed_in_a_table_cell_shows_in_iso(form: CaseForm, demo_db: Database) -> None:
    form.load(_case_id(demo_db, "P04"))
    table = form.sections[6].tables["complications"].table
    table.item(0, 3).setText("22.01.2018")  # resolved on
    assert table.item(0, 3).text() == "2018-01-22"


def test_removing_a_course_removes_its_drugs_only(form: CaseForm, demo_db: Database) -> None:
    cid = _case_id(demo_db, "P04")
    form.load(cid)
    form.courses.courses.add_row({"course_number": 2, "start_date": "2018-02-20"})
    form.courses.drugs.add_row({"drug": "fludarabine", "dose": 30.0, "unit": "mg/m2", "doses": 5, "route": "IV"})
    form.courses.courses.table.setCurrentCell(0, 0)  # course 1 with melphalan and cytarabine
    form.courses.courses.remove_button.click()
    assert form.courses.drugs.table.item(0, 0).text() == "fludarabine"
    courses, _unreadable = form.courses.collect()
    assert [(c["course_number"], [d["drug"] for d in c["drugs"]]) for c in courses] == [(2, ["fludarabine"])]


def test_unreadable_drug_text_keeps_its_course_shown_and_says_why(form: CaseForm, demo_db: Database) -> None:
    """Switching courses would store only readable values: the switch is refused, naming the cell."""
    cid = _case_id(demo_db, "P04")
    form.load(cid)
    courses, drugs = form.courses.courses.table, form.courses.drugs.table
    form.courses.courses.add_row({"course_number": 2, "start_date": "2018-02-20"})  # shows course 2
    form.courses.drugs.add_row({"drug": "fludarabine", "unit": "mg/m2", "doses": 5, "route": "IV"})
    drugs.item(0, 1).setText("30 mg")  # the dose, with its unit typed in
    courses.setCurrentCell(0, 0)
    assert courses.currentRow() == 1
    assert drugs.item(0, 0).text() == "fludarabine" and drugs.item(0, 1).text() == "30 mg"
    message = form.courses.course_error.text()
    assert "Course 2 stays shown until its drugs can be read: drug 1, Dose: '30 mg' is not a number" in message
    form.validate()  # the form's own check keeps the message and marks the cell
    assert "'30 mg' is not a number" in form.courses.course_error.text()
    assert form.save() is False
    drugs.item(0, 1).setText("30")
    courses.setCurrentCell(0, 0)
    assert courses.currentRow() == 0 and drugs.item(0, 0).text() == "melphalan"
    assert not form.courses.course_error.isVisibleTo(form)
    assert form.save()
    with demo_db.session() as s:
        saved = load_document(s, cid)["courses"]
    assert [(d["drug"], d["dose"]) for d in saved[1]["drugs"]] == [("fludarabine", 30.0)]


def test_scrolling_over_a_choice_never_changes_it(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    """The wheel over a combo the pointer passes while the form scrolls must leave the value alone."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    form.load(_case_id(demo_db, "P04"))
    combo = _field(form, "best_response_override")
    centre = QPointF(combo.rect().center())
    wheel = QWheelEvent(centre, QPointF(combo.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(combo, wheel)
    assert combo.currentIndex() == 0
    assert not wheel.isAccepted()  # left to the form's scroll area
    assert not form.is_dirty()


def test_typing_after_add_course_fills_the_new_row(qtbot, form: CaseForm, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    form.load(_case_id(demo_db, "P04"))
    form.activateWindow()
    qtbot.mouseClick(form.courses.courses.add_button, Qt.MouseButton.LeftButton)
    table = form.courses.courses.table
    assert table.hasFocus() and (table.currentRow(), table.currentColumn()) == (1, 0)
    qtbot.keyClicks(table, "2")
    qtbot.keyClick(table.viewport().focusWidget() or table, Qt.Key.Key_Return)
    assert table.item(1, 0).text() == "2"


def test_the_first_field_is_scrolled_into_view(form: CaseForm, demo_db: Database) -> None:
    """A new case opens at its study ID, not half-way down where the previous case was left."""
    form.load(_case_id(demo_db, "P04"))
    bar = form.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())
    form.focus_first_field()
    assert bar.value() == 0
