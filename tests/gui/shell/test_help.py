"""Help inside the program: F1 opens the shipped guide at the chapter of the tab in use; About for support."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.shell.help import GUIDE, AboutDialog, GuideDialog, chapters
from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from storage.database import Database


@pytest.fixture
def window(qtbot, monkeypatch, demo_db: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(demo_db, settings)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    return win


def _guide(window: MainWindow) -> GuideDialog:
    dialog = getattr(window, "_guide", None)
    assert isinstance(dialog, GuideDialog) and dialog.isVisible()
    return dialog


def test_the_guide_ships_every_chapter_the_issue_asks_for() -> None:
    titles = [title for _name, title in chapters()]
    assert titles[0] == "Entering a case"
    for topic in ("Import and export", "Analysis", "Back up and restore", "Statistical conventions"):
        assert topic in titles
    assert "30.4375" in (GUIDE / "05-conventions.md").read_text(encoding="utf-8")


def test_f1_in_the_form_opens_the_chapter_on_entering_a_case(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    p05 = next(s.case_id for s in window.case_list.model.summaries() if s.study_id == "P05")
    window.show_case(p05)
    assert window.form is not None
    window.form.focus_first_field()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F1)
    guide = _guide(window)
    assert guide.current_chapter() == "01-entering-a-case"
    assert "Doses you can trust" in guide.text.toPlainText()


def test_f1_on_the_analysis_tab_opens_the_analysis_chapter(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == "Analysis")
    window.tabs.setCurrentIndex(index)
    window.tabs.tabBar().setFocus()
    qtbot.keyClick(window.tabs.tabBar(), Qt.Key.Key_F1)
    assert _guide(window).current_chapter() == "04-analysis"


def test_about_shows_version_database_folders_and_libraries_copyably(window: MainWindow, demo_db: Database) -> None:
    dialog = window._about()
    assert isinstance(dialog, AboutDialog)
    text = dialog.details.toPlainText()
    assert text.startswith("Casebook 0.1.0")
    assert f"Database: {demo_db.path}" in text
    assert f"Backup folder: {demo_db.path.parent / 'backups'}" in text
    for name in ("Python 3.", "Qt 6.", "PySide6 6.", "SQLAlchemy 2.", "lifelines ", "matplotlib "):
        assert name in text
    dialog.copy()
    assert QGuiApplication.clipboard().text() == text
    dialog.close()
