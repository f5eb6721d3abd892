"""The main window on a real database file: list, form, undo, filter, delete, tabs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMenu, QMessageBox
from sqlalchemy import func, select

from gui.case_list import table_model as m
from gui.data.change_reasons import DeleteCaseDialog
from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from storage.database import Database
from storage.record.case_documents import load_document
from storage.record.models import Case


@pytest.fixture
def window(qtbot, monkeypatch, demo_db: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    # A question nobody answers would block the test run: unless a test says otherwise, discard.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(demo_db, settings)
    qtbot.addWidget(win)
    win.show()
    return win


def _study_ids_shown(win: MainWindow) -> list[str]:
    proxy = win.case_list.proxy
    return [proxy.data(proxy.index(r, m.STUDY_ID)) for r in range(proxy.rowCount())]


def _count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def test_title_names_the_database_and_unsaved_edits(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.windowTitle() == "Casebook — demo.db[*]"
    assert not window.isWindowModified()
    window.case_list.select_case(window.case_list.model.summary(3).case_id)
    assert window.form is not None and window.form.case_id is not None
    qtbot.keyClicks(window.form.identification.fields["study_id"], "x")
    qtbot.waitUntil(window.isWindowModified)


def test_lists_the_eight_demo_cases(window: MainWindow) -> None:
    assert _study_ids_shown(window) == [f"P0{i}" for i in range(1, 9)]
    assert window.case_list.count_label.text() == "8 cases"


def test_type_to_filter(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.find_action.trigger()
    qtbot.keyClicks(window.case_list.filter_edit, "pro-B")
    qtbot.waitUntil(lambda: _study_ids_shown(window) == ["P02", "P06"])
    assert window.case_list.count_label.text() == "2 of 8 cases shown"


def test_create_a_case_through_the_form(qtbot, window: MainWindow, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    case_id = window.new_case("P09")
    assert case_id is not None and window.form is not None
    assert window.form.case_id == case_id
    assert "P09" in _study_ids_shown(window)
    fields = {p: f for s in window.form.sections for p, f in s.fields.items()}
    fields["sex"].set_value("m")
    qtbot.keyClicks(fields["subtype"], "cALL")
    fields["diagnosis"].set_value("ALL")
    fields["diagnosis"].edited.emit()
    qtbot.keyClicks(fields["identity.birth_date"], "02.05.2010")
    window.form.courses.courses.add_row({"course_number": 1, "start_date": "2020-03-01"})
    window.form.courses.drugs.add_row({"drug": "melphalan", "dose": 40.0, "unit": "mg/m2", "doses": 1, "route": "IV"})
    window.save_case_action.trigger()
    with demo_db.session() as s:
        doc = load_document(s, case_id)
    assert (doc["sex"], doc["diagnosis"], doc["subtype"]) == ("m", "ALL", "cALL")
    assert doc["identity"]["birth_date"] == "2010-05-02"
    assert doc["courses"][0]["drugs"][0]["drug"] == "melphalan"
    row = window.case_list.model.row_of_case(case_id)
    assert row is not None
    assert window.case_list.model.data(window.case_list.model.index(row, m.AGE)) == "9.8"
    assert not window.isWindowModified()


def test_new_case_refuses_a_duplicate_study_id(monkeypatch, window: MainWindow, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    assert window.new_case("P04") is None
    assert warnings == ["Study ID P04 already exists; choose another."]
    assert _count(demo_db) == 8


def test_undo_and_redo_an_edit_and_the_database_follows(qtbot, window: MainWindow, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    summary = next(s for s in window.case_list.model.summaries() if s.study_id == "P04")
    window.show_case(summary.case_id)
    assert window.form is not None
    qtbot.keyClicks(window.form.identification.fields["identity.hospital_number"], "-X")
    window.save_case_action.trigger()
    with demo_db.session() as s:
        assert load_document(s, summary.case_id)["identity"]["hospital_number"] == "DEMO-0004-X"
    window.undo_action.trigger()
    with demo_db.session() as s:
        assert load_document(s, summary.case_id)["identity"]["hospital_number"] == "DEMO-0004"
    assert window.form.identification.fields["identity.hospital_number"].text() == "DEMO-0004"
    window.redo_action.trigger()
    with demo_db.session() as s:
        assert load_document(s, summary.case_id)["identity"]["hospital_number"] == "DEMO-0004-X"
    assert window.form.identification.fields["identity.hospital_number"].text() == "DEMO-0004-X"


def test_delete_asks_and_undo_brings_the_case_back(monkeypatch, window: MainWindow, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    summary = next(s for s in window.case_list.model.summaries() if s.study_id == "P05")
    window.show_case(summary.case_id)
    questions: list[str] = []

    def confirm(dialog: DeleteCaseDialog) -> int:
        questions.append(dialog.findChildren(QLabel)[0].text())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(DeleteCaseDialog, "exec", confirm)
    window.delete_case_action.trigger()
    assert questions and questions[0].startswith("Delete case P05")
    assert _count(demo_db) == 7
    assert "P05" not in _study_ids_shown(window)
    assert window.form is not None and window.form.case_id != summary.case_id  # the next case, or none
    window.undo_action.trigger()
    assert _count(demo_db) == 8
    assert "P05" in _study_ids_shown(window)
    assert window.undo_action.isEnabled() is False


def test_other_tabs_load_when_first_shown(window: MainWindow) -> None:
    assert isinstance(window.tabs.widget(1), QLabel)  # nothing imported before it is shown
    window.tabs.setCurrentIndex(1)
    assert window.tabs.tabText(1) == "Timeline"
    assert window.tabs.currentIndex() == 1
    window.tabs.setCurrentIndex(2)
    assert window.tabs.tabText(2) == "Analysis"


def test_geometry_and_recent_files_persist(window: MainWindow, settings: Settings, demo_db: Database) -> None:
    window.close()
    assert settings.get("recent_files") == [str(demo_db.path)]
    assert not settings.get("geometry").isEmpty()


def test_a_saved_edit_shows_in_the_list_row(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    summary = next(s for s in window.case_list.model.summaries() if s.study_id == "P08")
    window.show_case(summary.case_id)
    assert window.form is not None
    fields = {p: f for s in window.form.sections for p, f in s.fields.items()}
    fields["subtype"].clear()
    qtbot.keyClicks(fields["subtype"], "AML M2")
    window.save_case_action.trigger()
    row = window.case_list.model.row_of_case(summary.case_id)
    assert row is not None
    tip = window.case_list.model.data(window.case_list.model.index(row, m.DIAGNOSIS), Qt.ItemDataRole.ToolTipRole)
    assert tip == "acute myeloid leukemia — subtype AML M2"
    assert window.case_list.current_case_id() == summary.case_id


def test_a_new_case_opens_in_the_form_under_its_study_id(window: MainWindow) -> None:
    window.new_case("P09")
    assert window.form is not None
    assert window.form.title.text() == "Case P09"
    assert window.form.identification.fields["study_id"].text() == "P09"
    assert window.case_list.count_label.text() == "9 cases"


def test_a_shown_tab_is_refreshed_when_cases_change(window: MainWindow) -> None:
    window.tabs.setCurrentIndex(1)
    tab = window.tabs.widget(1)
    if isinstance(tab, QLabel):
        pytest.skip("the timeline is not part of this build")
    calls: list[bool] = []
    tab.refresh = lambda: calls.append(True)  # type: ignore[method-assign]
    window.tabs.setCurrentIndex(0)
    window.new_case("P09")
    assert calls == []  # not while hidden: refreshed when next shown
    window.tabs.setCurrentIndex(1)
    assert calls == [True]


def test_an_undo_the_rules_now_refuse_is_explained_and_changes_nothing(
    monkeypatch, qtbot, window: MainWindow, demo_db: Database  # type: ignore[no-untyped-def]
) -> None:
    """Rename P04 to P10; then an import adds a new P04; undoing the rename would duplicate P04."""
    from storage.record.case_documents import empty_document, save_document

    p04 = next(s for s in window.case_list.model.summaries() if s.study_id == "P04")
    window.show_case(p04.case_id)
    assert window.form is not None
    field = window.form.identification.fields["study_id"]
    field.clear()
    qtbot.keyClicks(field, "P10")
    window.save_case_action.trigger()
    with demo_db.session() as s:  # another way in, outside the undo history
        save_document(s, empty_document("P04"))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    window.undo()
    qtbot.waitUntil(lambda: bool(warnings))
    assert "study ID P04 already exists" in warnings[0]
    assert window.undo_stack.count() == 0  # the step left the history
    assert sorted(_study_ids_shown(window)) == ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P10"]
    assert _count(demo_db) == 9


def test_data_dialogs_have_menu_entries_when_present(window: MainWindow) -> None:
    import importlib.util

    labels = {a.text() for menu in window.menuBar().findChildren(QMenu) for a in menu.actions()}
    if importlib.util.find_spec("gui.data.exchange_dialogs"):
        assert {"&Import cases…", "&Export cases…"} <= labels
    if importlib.util.find_spec("gui.data.backup_dialogs"):
        assert "Restore from &backup…" in labels
    assert {"&Undo", "&Redo", "New case", "&Save case", "&Filter cases"} <= labels


def test_the_window_holds_the_database_lock_until_it_closes(window: MainWindow, demo_db: Database) -> None:
    lock_file = demo_db.path.with_name(demo_db.path.name + ".lock")
    from gui.shell.opening import take_lock

    window.set_database(demo_db, take_lock(demo_db))
    if window.lock is None:
        pytest.skip("no lock module in this build")
    assert lock_file.exists()
    window.close()
    assert not lock_file.exists()


def test_a_read_only_database_says_so_and_refuses_edits(qtbot, window: MainWindow, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("storage.safety.lock")
    from storage.safety.lock import make_read_only

    make_read_only(demo_db.engine)
    window.set_database(demo_db)
    assert window.windowTitle() == "Casebook — demo.db (read-only)[*]"
    assert not window.new_case_action.isEnabled() and not window.delete_case_action.isEnabled()
    summary = next(s for s in window.case_list.model.summaries() if s.study_id == "P04")
    window.show_case(summary.case_id)
    assert window.form is not None
    qtbot.keyClicks(window.form.identification.fields["identity.name"], "x")
    assert window.form.save() is False
    assert "read-only" in window.form.banner.text()


def test_the_form_of_a_deleted_case_is_emptied(monkeypatch, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    summary = next(s for s in window.case_list.model.summaries() if s.study_id == "P08")  # the last row
    window.show_case(summary.case_id)
    monkeypatch.setattr(DeleteCaseDialog, "exec", lambda _d: QDialog.DialogCode.Accepted)
    window.delete_case_action.trigger()
    assert window.form is not None
    if window.form.case_id is None:
        assert window.form.identification.fields["study_id"].text() == ""
        assert window.form.title.text() == "No case selected"
    else:  # the list moved on to a neighbour
        assert window.form.identification.fields["study_id"].text() != "P08"


def test_ctrl_z_right_after_new_case_undoes_it(qtbot, demo_db, settings) -> None:  # type: ignore[no-untyped-def]
    """The focus is in the (untouched) study ID field then; the field has nothing of its own to undo."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from gui.shell.main_window import MainWindow

    window = MainWindow(demo_db, settings)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    window.new_case("P09")
    field = window.form.identification.fields["study_id"]  # type: ignore[union-attr]
    assert QApplication.focusWidget() is field
    assert window.case_list.model.rowCount() == 9
    qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.case_list.model.rowCount() == 8
    qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.case_list.model.rowCount() == 9
    qtbot.keyClicks(field, "x")  # now the field has typing of its own: Ctrl+Z takes that back first
    qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == "P09" and window.case_list.model.rowCount() == 9


def test_a_deleted_drug_row_comes_back_by_the_window_s_undo_and_is_saved(qtbot, demo_db, settings) -> None:  # type: ignore[no-untyped-def]
    """Delete in the drug table is a step of the window's history (Edit ▸ Undo), not only the table's."""
    from PySide6.QtWidgets import QApplication

    window = MainWindow(demo_db, settings)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    with demo_db.session() as s:
        case_id = s.scalars(select(Case.id).where(Case.study_id == "P05")).one()
        stored = load_document(s, case_id)
    window.show_case(case_id)
    form = window.form
    assert form is not None
    drugs = form.courses.drugs
    before = drugs.rows()[0]
    assert len(before) >= 2
    drugs.table.setFocus()
    drugs.table.setCurrentCell(1, 0)
    qtbot.keyClick(drugs.table, Qt.Key.Key_Delete)
    assert drugs.rows()[0] == before[:1] + before[2:]
    assert window.undo_action.isEnabled() and "Remove drug 2" in window.undo_action.text()
    # The window's Undo, with the focus elsewhere in the window (the case list), no question asked.
    window.case_list.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert drugs.rows()[0] == before
    window.redo_action.trigger()  # redo removes it again; undo once more by the menu action
    assert len(drugs.rows()[0]) == len(before) - 1
    window.undo_action.trigger()
    assert drugs.rows()[0] == before
    # Saving keeps the row; the history holds no step of the form's rows after the save.
    drugs.table.item(0, 5).setText("test edit")  # an edit of the first drug's dose reason, so that the save writes
    assert form.save()
    with demo_db.session() as s:
        saved = load_document(s, case_id)
    saved_drugs, stored_drugs = saved["courses"][0]["drugs"], stored["courses"][0]["drugs"]
    assert len(saved_drugs) == len(stored_drugs)
    assert saved_drugs[0]["dose_modification"] == "test edit"
    assert saved_drugs[1:] == stored_drugs[1:]  # the row deleted and brought back, every value
    assert window.undo_action.text().startswith("&Undo Edit case")


def test_a_frame_added_after_show_is_fitted_to_the_screen(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """A real window manager frames the window after it is shown (its moves arrive then): the window is
    fitted again, so nothing ends up off the screen (found under Xvfb with openbox at 1366×768)."""
    from gui.widgets.screen_fit import available_area

    area = available_area(window)
    window.move(area.right() - 50, area.bottom() - 50)  # as if the frame had pushed it off the screen
    qtbot.wait(50)
    assert area.contains(window.frameGeometry())


def test_enter_on_a_case_goes_into_its_form_and_ctrl_tab_switches_tabs(qtbot, demo_db, settings) -> None:  # type: ignore[no-untyped-def]
    """Found driving a real window with xdotool: from the list, neither Enter nor Ctrl+Tab did anything."""
    from PySide6.QtWidgets import QApplication

    window = MainWindow(demo_db, settings)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    view = window.case_list.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert window.form is not None and window.form.isAncestorOf(QApplication.focusWidget())
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Timeline"
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Backtab,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentIndex() == 0
