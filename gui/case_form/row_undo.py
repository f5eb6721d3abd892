"""Deleting a row of a repeated-record table, on the window's undo history.

A row removed by Delete is part of the form's unsaved edits, so its step puts the row back into
the table (nothing is written). The step lives while the form shows the same, unsaved document:
saving or leaving the case drops the form's row steps from the top of the history (the saved
edit, which includes them, is one "Edit case" step), and a step left behind does nothing and
leaves the history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from gui.case_form.record_table import RecordTable


class RemoveRowCommand(QUndoCommand):
    """A table row removed by Delete: undo puts it back with its values, redo removes it again."""

    def __init__(self, owner: RowUndo, table: RecordTable, r: int, row: dict[str, Any], context: Any) -> None:
        super().__init__(f"Remove {table.noun} {r + 1}")
        self._owner, self._table, self._r, self._row = owner, table, r, row
        self._generation, self._context = owner.generation, context
        self._skip_redo = True  # the table removed the row already

    def live(self) -> bool:
        return self._generation == self._owner.generation

    def _ready(self) -> bool:
        if not self.live() or not self._owner.show_context(self._table, self._context):
            self.setObsolete(True)  # the form moved on: nothing to do, and the step leaves the history
            return False
        return True

    def undo(self) -> None:
        if self._ready():
            self._table.insert_row_at(self._r, self._row)

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        if self._ready():
            self._table.remove_row_at(self._r)


class RowUndo:
    """The form's row steps on its undo stack. ``context`` says what a table shows (the drug
    table: which course); ``show`` brings that back before a step is undone or redone."""

    def __init__(self, stack: QUndoStack, context: Callable[[RecordTable], Any],
                 show: Callable[[RecordTable, Any], bool]) -> None:
        self.stack, self._context, self._show = stack, context, show
        self.generation = 0

    def watch(self, table: RecordTable) -> None:
        table.on_removed = lambda r, row: self.stack.push(RemoveRowCommand(self, table, r, row, self._context(table)))
        # Ctrl+Z in the table (also in a form without a window) takes the same step off the history.
        table.can_undo_removed = lambda: live_row_step(self.stack, self.stack.index() - 1)
        table.undo_removed = self.stack.undo

    def show_context(self, table: RecordTable, context: Any) -> bool:
        return self._context(table) == context or self._show(table, context)

    def drop(self) -> None:
        """The form's document was saved or replaced: its row steps on top of the history go."""
        self.generation += 1
        while self.stack.index() > 0 and isinstance(self.stack.command(self.stack.index() - 1), RemoveRowCommand):
            self.stack.undo()  # a stale step makes itself obsolete and is deleted


def live_row_step(stack: QUndoStack, index: int) -> bool:
    """Whether the step at ``index`` is a row step of the form's unsaved edits (no need to ask
    about saving them before it is undone or redone)."""
    command = stack.command(index)
    return isinstance(command, RemoveRowCommand) and command.live()


def attach(form: Any) -> RowUndo:
    """Put every table of a case form (gui.case_form.form.CaseForm) on its undo stack."""
    courses = form.courses

    def context(table: RecordTable) -> Any:
        return courses.shown_course if table is courses.drugs else None

    def show(table: RecordTable, course: Any) -> bool:
        if table is not courses.drugs or not 0 <= course < courses.courses.table.rowCount():
            return False
        courses.courses.table.setCurrentCell(course, 0)  # the drugs of that course, if it may switch
        return bool(courses.shown_course == course)

    undo = RowUndo(form.undo_stack, context, show)
    for section in form.sections:
        for table in section.tables.values():
            undo.watch(table)
    undo.watch(courses.drugs)
    return undo
