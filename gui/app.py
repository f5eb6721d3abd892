"""Starting the desktop application: which database to open, errors as dialogs, the main window."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gui.opening import Opened, create_new, make_dialogs_unattended, open_existing, take_lock
from storage.database import DatabaseError

# Set to 1 to quit as soon as the main window is shown (the start-up test uses it).
QUIT_AFTER_START = "CASEBOOK_QUIT_AFTER_START"


def default_database_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("Casebook", appauthor=False)) / "casebook.db"


def demo_database_path() -> Path:
    return default_database_path().with_name("demo.db")


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> None:
    if os.environ.get(QUIT_AFTER_START):  # unattended start-up test: say it, do not wait for a click
        print(f"{title}: {message}", file=sys.stderr, flush=True)
        return
    box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()


def install_excepthook() -> None:
    """An unexpected error shows a dialog (the traceback goes to the terminal), never a silent crash."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        previous(kind, value, tb)
        if QApplication.instance() is None:
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        show_error(
            QApplication.activeWindow(), "Casebook: something went wrong",
            f"{value}\n\nThe last action was not completed; data saved before it is safe in the database.",
            details,
        )

    sys.excepthook = hook


def ask_first_start(path: Path) -> Opened | None:
    """No database yet: start with an empty one, or with the demo cohort."""
    box = QMessageBox(QMessageBox.Icon.Question, "Welcome to Casebook",
                      "Casebook keeps the case records of a study in one database file.\n\n"
                      f"There is no database yet. Start with an empty one ({path}),\n"
                      "or open the demo cohort (the eight published cases, with reconstructed dates)?")
    empty = box.addButton("Start empty", QMessageBox.ButtonRole.AcceptRole)
    demo = box.addButton("Open the demo cohort", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(empty)
    box.exec()
    if box.clickedButton() is empty:
        return create_new(path)
    if box.clickedButton() is demo:
        from storage.demo import write_demo

        demo_path = demo_database_path()
        if demo_path.exists():
            return open_existing(None, demo_path)
        db = write_demo(demo_path)
        return db, take_lock(db)
    return None


def initial_database(db_path: Path | None, last: str) -> Opened | None | bool:
    """--db PATH: open it, or create it empty with no questions. Otherwise the last or default database.

    Returns the opened database and its lock; None if it could not be opened (the user was told);
    False if there is no database yet, so that the first-start question is due.
    """
    if db_path is not None:
        path = Path(db_path)
        if not path.exists():
            try:
                return create_new(path)
            except DatabaseError as exc:
                show_error(None, "Casebook cannot create the database", str(exc))
                return None
        return open_existing(None, path)
    if last and Path(last).exists():
        return open_existing(None, Path(last))
    default = default_database_path()
    return open_existing(None, default) if default.exists() else False


def run(db_path: Path | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Casebook")
    app.setOrganizationName("Casebook")
    install_excepthook()
    if os.environ.get(QUIT_AFTER_START):
        make_dialogs_unattended()
    from gui.main_window import MainWindow
    from gui.settings import Settings

    settings = Settings()
    opened = initial_database(db_path, "" if db_path is not None else settings.get("last_database"))
    if opened is False:
        try:
            opened = ask_first_start(default_database_path())
        except DatabaseError as exc:
            show_error(None, "Casebook cannot create the database", str(exc))
            return 1
        if opened is None:
            return 0  # the welcome question was cancelled
    if opened is None and db_path is not None:
        return 1  # the named database cannot be opened; the message was shown
    db, lock = opened if isinstance(opened, tuple) else (None, None)
    window = MainWindow(db, settings, lock=lock)
    window.show()
    if os.environ.get(QUIT_AFTER_START):
        print(f"started: {window.windowTitle().replace('[*]', '')}", flush=True)
        QTimer.singleShot(0, window.close)
    return app.exec()
