"""The main window as the feature dialogs and menus see it: the open study, its undo stack, a few actions.

Features (custom fields, data quality, the menus that open dialogs) take a StudyWindow, never the concrete
gui.shell.main_window.MainWindow, so that nothing the shell imports imports the shell back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMainWindow

if TYPE_CHECKING:
    from storage.database import Database


class StudyWindow(QMainWindow):
    db: Database | None
    read_only: bool
    lock: Any  # storage.safety.lock.Lock of the open database, or None
    undo_stack: QUndoStack
    form: Any  # the case form (gui.case_form.form.CaseForm), None until a database opens
    case_list: Any  # the case list (gui.case_list.list_view.CaseListWidget)

    def set_database(self, db: Database | None, lock: Any = None) -> None:
        raise NotImplementedError

    def form_may_close(self) -> bool:
        raise NotImplementedError

    def cases_changed(self, case_id: int | None) -> None:
        raise NotImplementedError

    def show_case(self, case_id: int, switch_tab: bool = True) -> None:
        raise NotImplementedError

    def push(self, command: QUndoCommand) -> None:
        raise NotImplementedError
