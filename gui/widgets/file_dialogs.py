"""File dialogs that start where people keep their files: the last folder used, else Documents.

Never the program folder (the working directory a shortcut starts Casebook in, or the installation):
a study file or an export saved there is lost at the next update, or lands on a shared drive.
The last folder is a per-user preference (QSettings), never patient data; the window hands its
settings store over with ``use_store`` so that tests keep theirs apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

KEY = "last_folder"
_store: QSettings | None = None


def use_store(store: QSettings) -> None:
    global _store
    _store = store


def _settings() -> QSettings:
    global _store
    if _store is None:
        _store = QSettings("Casebook", "Casebook")
    return _store


def program_folders() -> set[Path]:
    """Folders a dialog must never start in: where Casebook runs from."""
    folders = {Path.cwd().resolve(), Path(sys.executable).resolve().parent, Path(__file__).resolve().parents[2]}
    return folders


def documents_folder() -> Path:
    """The user's Documents folder (the home folder if the system names none)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path = Path(location) if location else Path.home()
    return path if path.is_dir() else Path.home()


def start_folder() -> Path:
    """The last folder used if it still exists and is not a program folder, else Documents."""
    last = str(_settings().value(KEY, "") or "")
    if last:
        folder = Path(last)
        if folder.is_dir() and folder.resolve() not in program_folders():
            return folder
    return documents_folder()


def remember(path: str | Path) -> None:
    """Keep the folder of a chosen file (or a chosen folder) as the next start folder."""
    chosen = Path(path)
    folder = chosen if chosen.is_dir() else chosen.parent
    if folder.resolve() not in program_folders():
        _settings().setValue(KEY, str(folder))


def start_path(suggested_name: str) -> str:
    """Where a save dialog starts: the start folder with the suggested file name."""
    return str(start_folder() / Path(suggested_name).name) if suggested_name else str(start_folder())


def save_file_name(parent: QWidget | None, title: str, suggested_name: str, filters: str) -> tuple[str, str]:
    """QFileDialog.getSaveFileName starting in the start folder; the chosen folder is remembered."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, start_path(suggested_name), filters)
    if path:
        remember(path)
    return path, chosen


def open_file_name(parent: QWidget | None, title: str, filters: str) -> tuple[str, str]:
    path, chosen = QFileDialog.getOpenFileName(parent, title, str(start_folder()), filters)
    if path:
        remember(path)
    return path, chosen


def existing_directory(parent: QWidget | None, title: str) -> str:
    path = QFileDialog.getExistingDirectory(parent, title, str(start_folder()))
    if path:
        remember(path)
    return path
