"""The main window: menus, toolbar, status bar, and the Cases / Timeline / Analysis tabs.

Every change goes through the undo stack as one command that calls storage; the window only
reloads what changed. The Timeline and Analysis tabs are imported when first shown (gui.shell.lazy_tabs).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
    QMoveEvent,
    QShortcut,
    QShowEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from gui.case_list.list_view import CaseListWidget
from gui.shell.lazy_tabs import LazyTabs
from gui.shell.opening import create_new, is_read_only, open_existing, release
from gui.shell.settings import Settings
from gui.widgets import file_dialogs
from gui.widgets.screen_fit import available_area, first_size, fit_splitter, fit_window
from gui.widgets.study_window import StudyWindow

if TYPE_CHECKING:  # storage and the form are imported once a database opens (gui.shell.app paints first)
    from gui.case_form.form import CaseForm
    from storage.database import Database

FILE_FILTER = "Casebook databases (*.db *.sqlite);;All files (*)"


class MainWindow(StudyWindow):
    def __init__(self, db: Database | None, settings: Settings | None = None, lock: Any = None) -> None:
        super().__init__()
        self.db = db
        self.read_only = False
        self.lock: Any = None  # storage.safety.lock.Lock while this window may write; None: unlocked or read-only
        self.settings = settings or Settings()
        file_dialogs.use_store(self.settings.store)  # last folder used: a per-user setting
        self.undo_stack = QUndoStack(self)
        self.case_list = CaseListWidget()
        self.form: CaseForm | None = None
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.case_list)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.splitter, "Cases")
        self.lazy_tabs = LazyTabs(self.tabs, self._make_tab, lambda: self.db is not None)
        self.setCentralWidget(self.tabs)
        self._make_actions()
        self._make_menus()
        self.case_list.set_actions(self.new_case_action, self.delete_case_action)
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.case_list.view)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)  # Del in the list only, never in a field
        delete_key.activated.connect(self.delete_case)
        # By keyboard as by mouse (found driving a real window with xdotool): Enter on a case goes into
        # its form, as a double click does; Ctrl+Tab / Ctrl+Shift+Tab switch the tabs from anywhere in
        # the window (the list's table took them for itself).
        for key in ("Return", "Enter"):
            enter = QShortcut(QKeySequence(key), self.case_list.view)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(lambda: self.form.focus_first_field() if self.form else None)
        for key, step in (("Ctrl+Tab", 1), ("Ctrl+Shift+Tab", -1)):
            switch = QShortcut(QKeySequence(key), self)
            switch.activated.connect(partial(self._next_tab, step))
        self.case_list.case_selected.connect(self._case_selected)
        self.case_list.view.doubleClicked.connect(lambda _i: self.form.focus_first_field() if self.form else None)
        self.undo_stack.indexChanged.connect(self._update_status)
        # Never larger than the screen: a ward screen is often 1366×768; a geometry saved on a larger
        # screen is clamped to this one (gui.widgets.screen_fit).
        self.resize(first_size(available_area(self)))
        geometry = self.settings.get("geometry")
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        fit_window(self)
        self.case_list.restore_header(self.settings.get("case_list_header"))
        self.set_database(db, lock)
        window_state = self.settings.get("window_state")
        if not window_state.isEmpty():
            self.restoreState(window_state)
        self.restore_splitter()

    def restore_splitter(self) -> None:
        """The list / form split as last left (again once the form exists, if the database opened later)."""
        splitter_state = self.settings.get("splitter_state")
        if splitter_state.isEmpty() or not self.splitter.restoreState(splitter_state):
            width = max(self.splitter.width(), self.width())
            self.splitter.setSizes([width * 7 // 20, width - width * 7 // 20])  # list 35 %, form 65 %
        QTimer.singleShot(0, lambda: fit_splitter(self.splitter))  # once laid out: no pane below its minimum

    # --- actions and menus -------------------------------------------------------------------
    def _action(self, text: str, slot: object, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.new_db_action = self._action("&New database…", self.new_database, tip="Create an empty database file")
        self.open_db_action = self._action("&Open database…", self.open_database_dialog, keys.Open)
        self.quit_action = self._action("&Quit", self.close, keys.Quit)
        self.undo_action = self._action("&Undo", self.undo, keys.Undo)
        self.redo_action = self._action("&Redo", self.redo, "Ctrl+Shift+Z")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(self._undo_text)
        self.undo_stack.redoTextChanged.connect(self._redo_text)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.new_case_action = self._action("New case", lambda: self.new_case(), "Ctrl+N", "Add a case (Ctrl+N)")
        self.delete_case_action = self._action("Delete case", lambda: self.delete_case(), None,
                                               "Delete the selected case (undoable)")
        self.delete_case_action.setShortcuts([QKeySequence("Ctrl+Delete")])
        self.save_case_action = self._action("&Save case", self.save_case, keys.Save, "Save the case form (Ctrl+S)")
        self.find_action = self._action("&Filter cases", self.focus_filter, keys.Find, "Type to filter (Ctrl+F)")

    def _undo_text(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}".strip())

    def _redo_text(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}".strip())

    def _make_menus(self) -> None:
        from gui.shell import menus as menu_extensions
        from gui.shell import view_menu

        keys = QKeySequence.StandardKey
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_db_action, self.open_db_action])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        extra_file = QMenu(self)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.new_case_action, self.save_case_action, self.delete_case_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        self.view_menu = view_menu.install(self, self.settings)  # and dates shown as the user chose
        tools_menu = QMenu("&Tools", self)
        self.extension_actions = menu_extensions.install(
            self, {"file": extra_file, "edit": edit_menu, "tools": tools_menu}
        )
        if extra_file.actions():
            file_menu.addActions(extra_file.actions())
            file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        if tools_menu.actions():
            bar.addMenu(tools_menu)
        help_menu = bar.addMenu("&Help")
        self.guide_action = self._action("User &guide", self.open_guide, keys.HelpContents,
                                         "The user guide, at the chapter of what you are doing (F1)")
        self.guide_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self._action("&About Casebook", self._about))
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addActions([self.new_case_action, self.save_case_action, self.delete_case_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in self.settings.get("recent_files") if Path(p).exists()]
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_path(Path(p)))
        if not recent:
            self.recent_menu.addAction("(no recent databases)").setEnabled(False)

    # --- the database ----------------------------------------------------------------------
    def set_database(self, db: Database | None, lock: Any = None) -> None:
        if self.db is not None and self.db is not db:
            self.db.close()
        if self.lock is not None and self.lock is not lock:
            release(self.lock)
        self.db, self.lock = db, lock
        self.undo_stack.clear()
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None
        if db is not None:
            from gui.case_form.form import CaseForm
            from gui.data.change_reasons import install_reason_prompt

            install_reason_prompt(self, db)  # a reason for changes after a data freeze (issue 14)
            self.form = CaseForm(db, self.undo_stack, self.cases_changed)
            self.form.dirty_changed.connect(self._update_title)
            self.form.report = self._step_failed
            self.splitter.addWidget(self.form)
            self.settings.add_recent_file(str(db.path))
        self.lazy_tabs.drop_all()
        self.read_only = db is not None and is_read_only(db)
        if self.form is not None:
            self.form.read_only = self.read_only
        for action in (self.find_action, *self.extension_actions):
            action.setEnabled(db is not None)
        for action in (self.new_case_action, self.delete_case_action, self.save_case_action):
            action.setEnabled(db is not None and not self.read_only)
        self.case_list.reload(db)
        self.case_list.view.setFocus(Qt.FocusReason.OtherFocusReason)  # the keyboard starts in the list
        self._update_title()
        self._update_status()
        if db is not None and db.upgraded_from:
            self.statusBar().showMessage(f"Upgraded the database; the old version was kept as {db.backup_path}", 15000)

    def _confirm_leave_form(self) -> bool:
        return self.form is None or self.form.maybe_leave()

    def form_may_close(self) -> bool:
        """Ask about unsaved edits in the form (save / discard / cancel); False if the user cancels."""
        return self._confirm_leave_form()

    def new_database(self) -> None:
        if not self._confirm_leave_form():
            return
        path, _ = file_dialogs.save_file_name(self, "New Casebook database", "casebook.db", FILE_FILTER)
        if not path:
            return
        from storage.database import DatabaseError

        try:
            self.set_database(*create_new(Path(path)))
        except DatabaseError as exc:
            QMessageBox.critical(self, "Cannot create the database", str(exc))

    def open_database_dialog(self) -> None:
        path, _ = file_dialogs.open_file_name(self, "Open a Casebook database", FILE_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        if not self._confirm_leave_form():
            return False
        if self.db is not None and Path(path).resolve() == self.db.path.resolve():
            return True  # already open here (taking its lock again would refuse)
        opened = open_existing(self, Path(path))
        if opened is None:
            return False
        self.set_database(*opened)
        return True

    # --- cases -----------------------------------------------------------------------------
    def cases_changed(self, case_id: int | None) -> None:
        """After storage changed (the undo commands): list, form and tabs; with a case id only its row is read again
        (one case, not 50,000), None reloads everything."""
        if self.db is None:
            return
        if case_id is None:
            self.case_list.reload(self.db)
        else:
            self.case_list.update_case(self.db, case_id)
        exists = case_id is not None and self.case_list.model.row_of_case(case_id) is not None
        if self.form is not None and self.form.case_id is not None:
            if self.case_list.model.row_of_case(self.form.case_id) is None:
                self.form.clear()
            elif self.form.case_id == case_id and not self.form.is_dirty():
                self.form.load(case_id)
        if exists and case_id is not None:
            self.show_case(case_id, switch_tab=False)  # an undo on the Timeline tab stays there
        self.lazy_tabs.cases_changed()
        self._update_status()

    def show_case(self, case_id: int, switch_tab: bool = True) -> None:
        """Select a case in the list and open it in the form (asks first if the form has edits)."""
        if self.form is not None and self.form.case_id != case_id and not self.form.maybe_leave():
            return
        if switch_tab:
            self.tabs.setCurrentIndex(0)
        self.case_list.select_case(case_id, emit=False)
        if self.form is not None and self.form.case_id != case_id:
            self.form.load(case_id)

    def _case_selected(self, case_id: int | None) -> None:
        if self.form is None or case_id == self.form.case_id:
            return
        if not self.form.maybe_leave():
            self.case_list.select_case(self.form.case_id, emit=False)  # stay on the edited case
            return
        if case_id is None:
            self.form.clear()
        else:
            self.form.load(case_id)

    def _next_study_id(self) -> str:
        numbers = [int(s.study_id[1:]) for s in self.case_list.model.summaries()
                   if s.study_id[:1] == "P" and s.study_id[1:].isdigit()]
        return f"P{(max(numbers) + 1 if numbers else 1):02d}"

    def new_case(self, study_id: str | None = None) -> int | None:
        """Add a case with a unique study ID (asked for unless given); undoable."""
        if self.db is None or not self._confirm_leave_form():
            return None
        from gui.case_form.commands import CreateCaseCommand
        from storage.record.case_documents import empty_document, study_id_exists
        from storage.record.rules import study_id_problem

        suggestion = self._next_study_id()
        while True:
            if study_id is None:
                text, ok = QInputDialog.getText(self, "New case", "Study ID (pseudonym) of the new case:",
                                                text=suggestion)
                if not ok:
                    return None
            else:
                text = study_id
            text = text.strip()
            problem = study_id_problem(text) or ""  # the rule's own words: a look-alike letter, a line break
            if problem:
                problem = problem[0].upper() + problem[1:] + "."
            else:
                with self.db.session() as s:
                    if study_id_exists(s, text):
                        problem = f"Study ID {text} already exists; choose another."
            if not problem:
                break
            QMessageBox.warning(self, "New case", problem)
            if study_id is not None:
                return None
            suggestion = text
        command = CreateCaseCommand(self.db, empty_document(text), self.cases_changed)
        self.push(command)
        if command.case_id is None:  # refused inside the step: nothing saved, nothing to undo
            return None
        if self.form is not None:
            self.form.focus_first_field()
        self.statusBar().showMessage(f"Added case {text}. Undo with Ctrl+Z.", 8000)
        return command.case_id

    def delete_case(self, ask: bool = True) -> bool:
        case_id = self.case_list.current_case_id()
        if self.db is None or case_id is None:
            return False
        row = self.case_list.model.row_of_case(case_id)
        study_id = self.case_list.model.summary(row).study_id if row is not None else str(case_id)
        reason: str | None = None
        if ask:
            from gui.data.change_reasons import confirm_deletion

            reason = confirm_deletion(self, self.db, study_id)  # the reason lands on the delete entries
            if reason is None:
                return False
        if self.form is not None and self.form.case_id == case_id:
            self.form.clear()  # its unsaved edits go with the case
        from gui.case_form.commands import DeleteCaseCommand

        self.push(DeleteCaseCommand(self.db, case_id, study_id, self.cases_changed, reason=reason or None))
        self.statusBar().showMessage(f"Deleted case {study_id}. Undo with Ctrl+Z.", 8000)
        return True

    def save_case(self) -> None:
        if self.form is not None and self.form.case_id is not None:
            if self.form.save():
                self.statusBar().showMessage("Case saved.", 5000)
            else:
                self.statusBar().showMessage("Not saved: the message above the form says why.", 8000)

    def _next_tab(self, step: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def _row_step(self, index: int) -> bool:
        # A row removed in the form is put back into the form: its unsaved edits stay unsaved.
        if self.form is None:
            return False
        from gui.case_form.row_undo import live_row_step

        return live_row_step(self.undo_stack, index)

    def undo(self) -> None:
        if self._row_step(self.undo_stack.index() - 1) or self._confirm_leave_form():
            self._in_trail_as("undo", self.undo_stack.undo)

    def redo(self) -> None:
        if self._row_step(self.undo_stack.index()) or self._confirm_leave_form():
            self._in_trail_as("redo", self.undo_stack.redo)

    def _in_trail_as(self, kind: str, step: Any) -> None:
        """An undo or a redo, recorded as such; its reason asked first if required (gui.data.change_reasons)."""
        if self.db is None:
            step()
            return
        from gui.data.change_reasons import run_step_in_trail

        run_step_in_trail(self, self.db, kind, self.undo_stack, step)

    def push(self, command: QUndoCommand) -> None:
        """Put a change on the undo stack (it runs now); a step that later fails is explained."""
        command.report = self._step_failed  # type: ignore[attr-defined]
        self.undo_stack.push(command)

    def _step_failed(self, error: Exception) -> None:
        # Called from inside the undo stack: explain once it has finished the step.
        QTimer.singleShot(0, lambda: self._explain_failed_step(error))

    def _explain_failed_step(self, error: Exception) -> None:
        self.cases_changed(None)
        QMessageBox.warning(
            self, "Cannot undo or redo this step",
            f"{error}\n\nNothing was changed; the step was removed from the undo history.",
        )

    def _make_tab(self, tab_class: type) -> QWidget:
        widget: QWidget = tab_class(self.db, self)
        if hasattr(widget, "openRecord"):  # the timeline: (case id, table, record id) of a clicked event
            widget.openRecord.connect(lambda case_id, _table, _record: self.show_case(case_id))
        return widget

    def focus_filter(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.case_list.filter_edit.setFocus()
        self.case_list.filter_edit.selectAll()

    # --- title, status, closing -----------------------------------------------------------
    def _update_title(self, *_args: object) -> None:
        name = self.db.path.name if self.db is not None else "no database open"
        if self.db is not None and self.read_only:
            name += " (read-only)"
        self.setWindowTitle(f"Casebook — {name}[*]")
        # "*" means the form holds edits not yet in the database; every saved action is
        # committed at once (and undoable), so there is nothing else left unsaved.
        self.setWindowModified(bool(self.form is not None and self.form._dirty))

    def _update_status(self, *_args: object) -> None:
        if self.db is None:
            self.status_label.setText("Open or create a database (File menu).")
            return
        steps = self.undo_stack.index()
        undo = f" · {steps} change(s) can be undone" if steps else ""
        self.status_label.setText(f"{self.db.path}{undo}")

    def open_guide(self) -> QWidget:
        from gui.shell.help import open_guide

        return open_guide(self)

    def _about(self) -> QWidget:
        from gui.shell.help import open_about

        return open_about(self)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_window(self)  # the frame (title bar, borders) is known only now
        # ... or a moment later: a real window manager adds its frame after the window is shown (under
        # Xvfb with openbox the 1366×768 window's frame was 1368×793, its status bar off the screen).
        # Until then each move (the frame going on) fits the window again; the user's own moves don't.
        self._fitting_frame = True
        QTimer.singleShot(1500, self._frame_settled)

    def _frame_settled(self) -> None:
        self._fitting_frame = False
        fit_window(self)

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        if getattr(self, "_fitting_frame", False):
            fit_window(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._confirm_leave_form():
            event.ignore()
            return
        self.settings.set("geometry", self.saveGeometry())
        self.settings.set("splitter_state", self.splitter.saveState())
        self.settings.set("window_state", self.saveState())
        self.settings.set("case_list_header", self.case_list.view.horizontalHeader().saveState())
        self.settings.sync()
        if self.db is not None:
            self.db.close()
        release(self.lock)
        self.lock = None
        event.accept()
