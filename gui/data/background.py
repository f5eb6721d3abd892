"""Work off the GUI thread for the data dialogs, and their shared little widgets.

BackgroundJob runs a storage function on a QThreadPool thread, so that the window stays responsive;
progress arrives as signals on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget


class _JobSignals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)


class BackgroundJob(QRunnable):
    """Runs work(progress) on the thread pool; its signals arrive on the GUI thread."""

    def __init__(self, work: Callable[[Callable[[int, int, str], None]], Any]) -> None:
        super().__init__()
        self.work = work
        self.signals = _JobSignals()

    def run(self) -> None:
        try:
            result = self.work(self.signals.progress.emit)
        except Exception as exc:  # shown to the user; nothing was committed by a failed job
            from storage.safety.problems import database_problem, is_database_error

            # a database's error text holds its SQL: never shown, only what happened and what to do
            self.signals.failed.emit(database_problem(exc) if is_database_error(exc)
                                     else f"{type(exc).__name__}: {exc}")
        else:
            self.signals.finished.emit(result)

    def start(self) -> None:
        QThreadPool.globalInstance().start(self)


def file_row(edit: QLineEdit, choose: Callable[[], None]) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    browse = QPushButton("Browse…")
    browse.clicked.connect(choose)
    layout.addWidget(browse)
    return row
