"""Dialogs start in the last folder used or in Documents, never in the program folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from gui.widgets import file_dialogs
from storage.database import Database


@pytest.fixture
def store(tmp_path: Path) -> QSettings:
    store = QSettings(str(tmp_path / "dialogs.ini"), QSettings.Format.IniFormat)
    file_dialogs.use_store(store)
    return store


def test_first_dialog_starts_in_documents_never_the_program_folder(store: QSettings, monkeypatch,  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(file_dialogs, "documents_folder", lambda: documents)
    assert file_dialogs.start_folder() == documents
    store.setValue(file_dialogs.KEY, str(Path.cwd()))  # the program folder, left by an old version
    assert file_dialogs.start_folder() == documents
    assert file_dialogs.start_path("export.csv") == str(documents / "export.csv")


def test_the_last_folder_used_is_the_next_start(store: QSettings, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    file_dialogs.remember(exports / "cases.xlsx")
    assert file_dialogs.start_folder() == exports


def test_the_window_s_dialogs_start_there(qtbot, monkeypatch, demo_db: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = MainWindow(demo_db, settings)
    qtbot.addWidget(window)
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(file_dialogs, "documents_folder", lambda: documents)
    seen: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, start, _f: (seen.append(start), ("", ""))[1])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda _p, _t, start, _f: (seen.append(start), ("", ""))[1])
    window.new_database()
    window.open_database_dialog()
    assert seen == [str(documents / "casebook.db"), str(documents)]
    chosen = tmp_path / "studies"
    chosen.mkdir()
    file_dialogs.remember(chosen / "new.db")
    window.open_database_dialog()
    assert seen[-1] == str(chosen)
    assert settings.get("last_folder") == str(chosen)  # a per-user setting, beside the window's
