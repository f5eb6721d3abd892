"""Starting the desktop application: which database to open, errors as dialogs, the main window."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from storage.database import Database, DatabaseError, create_database, open_database

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


def ask_first_start(path: Path) -> Database | None:
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
        return create_database(path)
    if box.clickedButton() is demo:
        from storage.demo import write_demo

        demo_path = demo_database_path()
        return open_database(demo_path) if demo_path.exists() else write_demo(demo_path)
    return None


def initial_database(db_path: Path | None, last: str) -> Database | None:
    """--db PATH: open it, or create it empty with no questions. Otherwise the last or default database.

    None means there is none yet: the caller asks the first-start question.
    """
    if db_path is not None:
        return open_database(Path(db_path), create=True)
    if last and Path(last).exists():
        return open_database(Path(last))
    default = default_database_path()
    return open_database(default) if default.exists() else None


def run(db_path: Path | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Casebook")
    app.setOrganizationName("Casebook")
    install_excepthook()
    from gui.main_window import MainWindow
    from gui.settings import Settings

    settings = Settings()
    try:
        db = initial_database(db_path, "" if db_path is not None else settings.get("last_database"))
        if db is None:
            db = ask_first_start(default_database_path())
            if db is None:
                return 0  # the welcome question was cancelled
    except DatabaseError as exc:
        show_error(None, "Casebook cannot open the database", str(exc))
        if db_path is not None:
            return 1
        db = None  # the usual database broke: open the window and let the user choose another
    window = MainWindow(db, settings)
    window.show()
    if os.environ.get(QUIT_AFTER_START):
        print(f"started: {window.windowTitle().replace('[*]', '')}", flush=True)
        QTimer.singleShot(0, window.close)
    return app.exec()
