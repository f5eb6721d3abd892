"""View ▸ Dates shown as: 14.03.2019 or 2019-03-14 on every screen at once; typed either way; stored as ISO."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from gui.case_list import table_model as m
from gui.shell import view_menu
from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from gui.widgets import date_display
from gui.widgets.fields import DateField
from storage.database import Database
from storage.record.case_documents import load_document
from storage.record.models import Case

BY_LAST_FOLLOW_UP = ["P03", "P05", "P04", "P07", "P01", "P08", "P02", "P06"]  # 22.06.2017 … 02.12.2021


@pytest.fixture
def window(qtbot, monkeypatch, demo_db: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(demo_db, settings)
    qtbot.addWidget(win)
    win.show()
    return win


def _date_action(win: MainWindow, style: str) -> QAction:
    dates = win.view_menu.actions()[0].menu()
    assert dates is not None and dates.title() == "&Dates shown as"
    return next(a for a in dates.actions() if a.data() == style)


def _choose(win: MainWindow, style: str) -> None:
    _date_action(win, style).trigger()


def _case_id(db: Database, study_id: str) -> int:
    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.study_id == study_id))
    assert case_id is not None
    return case_id


def _last_follow_up_shown(win: MainWindow, study_id: str) -> str:
    model = win.case_list.model
    row = model.row_of_case(_case_id(win.db, study_id))  # type: ignore[arg-type]
    assert row is not None
    return str(model.data(model.index(row, m.LAST_FOLLOW_UP)))


def test_the_view_menu_offers_both_forms_and_iso_is_the_default_off_a_german_system(window: MainWindow) -> None:
    labels = [a.text() for a in window.view_menu.actions()[0].menu().actions()]  # type: ignore[union-attr]
    assert labels == ["14.03.2019 (dd.mm.yyyy)", "2019-03-14 (ISO, yyyy-mm-dd)"]
    assert _date_action(window, date_display.ISO).isChecked()
    assert _last_follow_up_shown(window, "P04") == "2019-01-16"


def test_a_german_system_shows_day_first_until_the_user_chooses(monkeypatch, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QLocale, "system", lambda: QLocale(QLocale.Language.German, QLocale.Country.Austria))
    assert date_display.system_style() == date_display.DAY_FIRST
    assert view_menu.chosen_date_style(settings) == date_display.DAY_FIRST
    settings.set("dates_shown_as", date_display.ISO)
    assert view_menu.chosen_date_style(settings) == date_display.ISO  # the user's choice wins
    monkeypatch.setattr(QLocale, "system", lambda: QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    settings.set("dates_shown_as", "")
    assert view_menu.chosen_date_style(settings) == date_display.ISO


def test_choosing_day_first_reshows_the_form_and_the_list_at_once(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                  demo_db: Database) -> None:
    window.show_case(_case_id(demo_db, "P04"))
    form = window.form
    assert form is not None
    assert form.outcome.fields["last_follow_up"].text() == "2019-01-16"
    _choose(window, date_display.DAY_FIRST)
    assert form.outcome.fields["last_follow_up"].text() == "16.01.2019"
    assert form.outcome.fields["death.death_date"].text() == "16.01.2019"
    assert form.identification.fields["identity.birth_date"].text().count(".") == 2
    assert form.courses.courses.table.item(0, 1).text() == "15.01.2018"  # day 1 of the salvage course
    assert form.outcome.os_label.text() == (
        "Overall survival — P04: event (death) on 16.01.2019, 12.0 months after time zero")
    assert _last_follow_up_shown(window, "P04") == "16.01.2019"
    model = window.case_list.model
    row = model.row_of_case(_case_id(demo_db, "P04"))
    assert "16.01.2019" in model.data(model.index(row, m.OS), Qt.ItemDataRole.ToolTipRole)  # type: ignore[arg-type]
    assert not form.is_dirty()  # re-shown, not edited
    assert window.settings.get("dates_shown_as") == date_display.DAY_FIRST
    with demo_db.session() as s:
        assert load_document(s, _case_id(demo_db, "P04"))["last_follow_up"] == "2019-01-16"  # stored as ISO


def test_switching_back_to_iso_reshows_every_date_in_iso(window: MainWindow, demo_db: Database) -> None:
    window.show_case(_case_id(demo_db, "P04"))
    form = window.form
    assert form is not None
    _choose(window, date_display.DAY_FIRST)
    _choose(window, date_display.ISO)
    assert form.outcome.fields["last_follow_up"].text() == "2019-01-16"
    assert form.courses.courses.table.item(0, 1).text() == "2018-01-15"
    assert "on 2019-01-16" in form.outcome.os_label.text()
    assert _last_follow_up_shown(window, "P04") == "2019-01-16"
    assert _date_action(window, date_display.ISO).isChecked()
    assert not _date_action(window, date_display.DAY_FIRST).isChecked()


def test_the_choice_is_kept_for_the_next_start(qtbot, monkeypatch, demo_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    path = str(tmp_path / "user.ini")
    first = MainWindow(demo_db, Settings(QSettings(path, QSettings.Format.IniFormat)))
    qtbot.addWidget(first)
    _choose(first, date_display.DAY_FIRST)
    first.settings.sync()
    date_display.set_style(date_display.ISO)  # as in a fresh process
    second = MainWindow(demo_db, Settings(QSettings(path, QSettings.Format.IniFormat)))
    qtbot.addWidget(second)
    assert date_display.current_style() == date_display.DAY_FIRST
    assert _date_action(second, date_display.DAY_FIRST).isChecked()


@pytest.mark.parametrize("style", [date_display.DAY_FIRST, date_display.ISO])
def test_a_date_field_reads_both_forms_whatever_is_chosen(qtbot, style: str) -> None:  # type: ignore[no-untyped-def]
    date_display.set_style(style)
    field = DateField()
    qtbot.addWidget(field)
    shown = "14.03.2019" if style == date_display.DAY_FIRST else "2019-03-14"
    for typed in ("2019-03-14", "14.03.2019", "4.3.2019"):
        field.clear()
        qtbot.keyClicks(field, typed)
        field.editingFinished.emit()
        expected = "2019-03-14" if typed != "4.3.2019" else "2019-03-04"
        assert field.value() == expected
    assert field.text() == ("04.03.2019" if style == date_display.DAY_FIRST else "2019-03-04")
    field.set_value("2019-03-14")
    assert field.text() == shown
    first = "DD.MM.YYYY" if style == date_display.DAY_FIRST else "YYYY-MM-DD"
    assert field.placeholderText().startswith(first) and field.toolTip() == f"Date: {field.placeholderText()}"


def test_a_date_field_keeps_text_that_is_no_date_when_the_form_changes(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = DateField()
    qtbot.addWidget(field)
    qtbot.keyClicks(field, "16/01/2019")
    date_display.set_style(date_display.DAY_FIRST)
    assert field.text() == "16/01/2019"
    assert field.placeholderText() == "DD.MM.YYYY or YYYY-MM-DD"
    with pytest.raises(ValueError, match="type 14.03.2019 or 2019-03-14"):
        field.value()


@pytest.mark.parametrize("style", [date_display.DAY_FIRST, date_display.ISO])
def test_the_list_sorts_last_follow_up_by_date_in_either_form(window: MainWindow, style: str) -> None:
    _choose(window, style)
    for order, expected in ((Qt.SortOrder.AscendingOrder, BY_LAST_FOLLOW_UP),
                            (Qt.SortOrder.DescendingOrder, BY_LAST_FOLLOW_UP[::-1])):
        window.case_list.view.sortByColumn(m.LAST_FOLLOW_UP, order)
        proxy = window.case_list.proxy
        assert [proxy.data(proxy.index(r, m.STUDY_ID)) for r in range(proxy.rowCount())] == expected
    shown = [window.case_list.proxy.data(window.case_list.proxy.index(r, m.LAST_FOLLOW_UP)) for r in (0, 7)]
    assert shown == (["02.12.2021", "22.06.2017"] if style == date_display.DAY_FIRST else ["2021-12-02", "2017-06-22"])


def test_the_filter_finds_a_case_by_its_date_as_shown(window: MainWindow) -> None:
    _choose(window, date_display.DAY_FIRST)
    window.case_list.proxy.set_filter_text("16.01.2019", wait=True)
    proxy = window.case_list.proxy
    assert [proxy.data(proxy.index(r, m.STUDY_ID)) for r in range(proxy.rowCount())] == ["P04"]


def test_the_case_history_and_the_backup_list_show_the_chosen_form(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    from gui.data.audit_view import CaseHistoryDialog
    from gui.data.backup_dialogs import FreezeDialog, RestoreDialog
    from storage.safety.backup import backup_database

    with demo_db.session() as session:
        session.scalars(select(Case).where(Case.study_id == "P02")).one().last_follow_up = dt.date(2021, 10, 1)
    backup_database(demo_db.path, "manual")
    date_display.set_style(date_display.DAY_FIRST)
    history = CaseHistoryDialog(demo_db, "P02", table_name="cases", field="last_follow_up")
    qtbot.addWidget(history)
    model = history.model
    assert model.data(model.index(0, 6)) == "14.09.2021" and model.data(model.index(0, 7)) == "01.10.2021"
    today = dt.date.today()
    assert model.data(model.index(0, 0)).startswith(f"{today:%d.%m.%Y} ")  # when: local time, day first
    restore = RestoreDialog(demo_db.path)
    qtbot.addWidget(restore)
    assert restore.list.item(0).text().startswith(f"{today:%d.%m.%Y} ")
    freeze = FreezeDialog()
    qtbot.addWidget(freeze)
    assert freeze.cut_off.text() == f"{today:%d.%m.%Y}"
    date_display.set_style(date_display.ISO)
    again = CaseHistoryDialog(demo_db, "P02", table_name="cases", field="last_follow_up")
    qtbot.addWidget(again)
    assert again.model.data(again.model.index(0, 7)) == "2021-10-01"


def test_dates_quoted_in_messages_follow_the_chosen_form() -> None:
    """Rule messages, endpoint explanations and audit values quote ISO dates; the screens re-write them."""
    date_display.set_style(date_display.DAY_FIRST)
    assert date_display.show_dates_in("last follow-up 2019-01-16 is old; 2019-02-30 is no date") == (
        "last follow-up 16.01.2019 is old; 2019-02-30 is no date")
    assert date_display.show_dates_in("hash 12019-01-160") == "hash 12019-01-160"  # not a date inside a number
    date_display.set_style(date_display.ISO)
    assert date_display.show_dates_in("last follow-up 2019-01-16") == "last follow-up 2019-01-16"
