"""Starting the desktop application: which database to open, errors as dialogs, the main window.

The window is painted first, with an empty list and "Opening …" in the status bar; the database is
opened just after that first paint. Importing SQLAlchemy and the models alone takes longer than a
bare Qt window takes to appear, so no storage module is imported here at module level, nor by the
modules the empty window needs (gui.shell.main_window, gui.case_list.list_view, gui.case_list.table_model, gui.shell.opening).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gui.shell.opening import create_new, make_dialogs_unattended, open_existing, take_lock
from resources import resource_path

if TYPE_CHECKING:
    from gui.shell.main_window import MainWindow
    from gui.shell.opening import Opened

# Set to 1 to quit as soon as the main window is shown (the start-up test uses it).
QUIT_AFTER_START = "CASEBOOK_QUIT_AFTER_START"
# If the window is not painted (e.g. it starts minimised), open the database after this anyway.
OPEN_UNPAINTED_AFTER_MS = 500


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


def ask_first_start(path: Path, demo_path: Path | None = None) -> Opened | None:
    """No database yet: start with an empty one at ``path``, or with the demo cohort.

    The demo goes to ``demo_path`` (the default demo database unless given): ``--db NEW`` puts either
    into the file it names, so that the first start is the same offer everywhere.
    """
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
        from storage.generated.demo import write_demo

        demo_path = demo_path or demo_database_path()
        if demo_path.exists():
            return open_existing(None, demo_path)
        db = write_demo(demo_path)
        return db, take_lock(db)
    return None


def database_to_open(db_path: Path | None, last: str) -> Path | None:
    """--db PATH (perhaps not there yet), else the last database, else the default one; None if there is none yet."""
    if db_path is not None:
        return Path(db_path)
    if last and Path(last).exists():
        return Path(last)
    default = default_database_path()
    return default if default.exists() else None


def initial_database(db_path: Path | None, last: str, parent: QWidget | None = None) -> Opened | None | bool:
    """--db PATH, else the last or default database, opened.

    Returns the opened database and its lock; None if it could not be opened (the user was told);
    False if there is no database yet (also a --db file that does not exist), so that the first-start
    question is due.
    """
    path = database_to_open(db_path, last)
    if path is None or not path.exists():
        return False
    return open_existing(parent, path)


class _AfterFirstPaint(QObject):
    """Calls ``then`` once, as soon as the window has finished its first paint (or after a while unpainted)."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._then: Callable[[], None] | None = then
        window.installEventFilter(self)
        QTimer.singleShot(OPEN_UNPAINTED_AFTER_MS, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            # The window's own paint event comes first in a repaint; its children follow in the
            # same pass, so a zero-delay timer runs once the whole window is on screen.
            QTimer.singleShot(0, self._run)
        return False

    def _run(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            self._window.removeEventFilter(self)
            then()


def _show_opening(window: MainWindow, path: Path) -> QWidget:
    """The window as it is painted while its database opens: everything in place, the list still empty.

    Returns the stand-in that holds the case form's place (the form needs the database).
    """
    window.setWindowTitle(f"Casebook — {path.name} (opening…)[*]")
    window.status_label.setText(f"Opening {path} …")
    window.case_list.show_opening(path.name)
    form_place = QWidget()
    window.splitter.addWidget(form_place)
    window.restore_splitter()
    return form_place


def _started(window: MainWindow) -> None:
    if os.environ.get(QUIT_AFTER_START):
        print(f"started: {window.windowTitle().replace('[*]', '')}", flush=True)
        QTimer.singleShot(0, window.close)


def _open_in_window(window: MainWindow, db_path: Path | None, last: str, form_place: QWidget | None = None) -> None:
    """The deferred half of start-up: open the database the window announced, or say why not."""
    opened = initial_database(db_path, last, window)
    if form_place is not None:
        form_place.setParent(None)  # out of the splitter, for the form
        form_place.deleteLater()
    if isinstance(opened, tuple):
        window.set_database(*opened)
        window.restore_splitter()  # the form has just joined the list
    elif db_path is not None:
        QApplication.exit(1)  # the named database cannot be opened; the message was shown
        return
    else:
        window.set_database(None)  # the last or default database failed (the user was told)
    _started(window)


def run(db_path: Path | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Casebook")
    app.setOrganizationName("Casebook")
    app.setWindowIcon(QIcon(str(resource_path("icons", "casebook.png"))))
    install_excepthook()
    if os.environ.get(QUIT_AFTER_START):
        make_dialogs_unattended()
    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings

    settings = Settings()
    last = "" if db_path is not None else settings.get("last_database")
    path = database_to_open(db_path, last)
    if path is None or not path.exists():  # first start (also --db NEW): the question comes before the window
        from storage.database import DatabaseError

        try:
            opened = ask_first_start(path or default_database_path(), demo_path=path if db_path else None)
        except DatabaseError as exc:
            show_error(None, "Casebook cannot create the database", str(exc))
            return 1
        if opened is None:
            return 0  # the welcome question was cancelled
        db, lock = opened
        window = MainWindow(db, settings, lock=lock)
        window.show()
        _started(window)
        return app.exec()
    window = MainWindow(None, settings)
    form_place = _show_opening(window, path)
    window.show()
    _AfterFirstPaint(window, lambda: _open_in_window(window, db_path, last, form_place))
    return app.exec()
