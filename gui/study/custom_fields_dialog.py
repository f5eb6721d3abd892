"""Tools ▸ Custom fields…: the investigator's own variables, listed with add, rename, edit choices, delete.

The dialog collects names and choices; storage.record.custom_fields checks and writes them, and its
refusal (naming the field and the rule) is shown where the user typed. Every change lands on the
window's undo stack as one command; deleting also asks first, naming how many values go with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.case_form.commands import CustomFieldCommand, DeleteCustomFieldCommand
from gui.widgets.fields import FieldError
from storage.database import Database
from storage.record import codes
from storage.record import custom_fields as cf

if TYPE_CHECKING:
    from gui.widgets.study_window import StudyWindow

Apply = Callable[[str, str, str], str | None]  # (name, kind, choices) -> refusal message or None


class FieldEditor(QDialog):
    """Name, kind and choices of one field; stays open, showing the refusal, until storage accepts."""

    def __init__(self, title: str, apply: Apply, parent: QWidget | None = None, *, name: str = "",
                 kind: str = "text", choices: tuple[str, ...] = (), edit: str = "all") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._apply = apply
        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("e.g. MRD method at relapse")
        self.kind_combo = QComboBox()
        for code, label in codes.CUSTOM_FIELD_KIND.items():
            self.kind_combo.addItem(label, code)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(kind), 0))
        self.choices_edit = QPlainTextEdit("\n".join(choices))
        self.choices_edit.setPlaceholderText("one choice per line")
        self.choices_edit.setTabChangesFocus(True)
        self.error = FieldError(self)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Kind", self.kind_combo)
        form.addRow("Choices (one per line)", self.choices_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.name_edit.setEnabled(edit in ("all", "name"))
        self.kind_combo.setEnabled(edit == "all")
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._choices_allowed = edit in ("all", "choices")
        self._kind_changed()
        self.resize(420, 300)

    def _kind_changed(self) -> None:
        self.choices_edit.setEnabled(self._choices_allowed and self.kind_combo.currentData() == "choice")

    def values(self) -> tuple[str, str, str]:
        choices = self.choices_edit.toPlainText() if self.choices_edit.isEnabled() else ""
        return self.name_edit.text(), str(self.kind_combo.currentData()), choices

    def accept(self) -> None:
        problem = self._apply(*self.values())
        if problem:
            self.error.show_messages([problem])
            return
        super().accept()


class CustomFieldsDialog(QDialog):
    """The list of custom fields and the four actions on them."""

    COLUMNS = ("Name", "Kind", "Choices", "Cases with a value")

    def __init__(self, db: Database, push: Callable[[QUndoCommand], None], changed: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom fields")
        self.db, self._push, self._changed = db, push, changed
        self.fields: list[cf.CustomFieldInfo] = []
        intro = QLabel("Variables of your own, filled per case in the form's <b>Custom fields</b> section; "
                       "the analysis can group by them (by their name). Changes can be undone with Edit ▸ Undo.")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (0, 1, 3):  # the choices take the room left; "Cases with a value" stays readable
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.add_button = QPushButton("Add…")
        self.rename_button = QPushButton("Rename…")
        self.choices_button = QPushButton("Edit choices…")
        self.delete_button = QPushButton("Delete…")
        close = QPushButton("Close")
        self.add_button.clicked.connect(self._add_clicked)
        self.rename_button.clicked.connect(self._rename_clicked)
        self.choices_button.clicked.connect(self._choices_clicked)
        self.delete_button.clicked.connect(lambda: self.delete(self.current_name() or ""))
        close.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self._rename_clicked())
        buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.choices_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(720, 380)
        self.reload()

    # --- the list -----------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        select = select or self.current_name()
        with self.db.session() as s:
            self.fields = cf.list_fields(s)
        self.table.setRowCount(len(self.fields))
        for r, f in enumerate(self.fields):
            cells = (f.name, f.kind_label, ", ".join(f.choices), str(f.cases_with_value))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
            if f.name == select:
                self.table.selectRow(r)
        if not self.fields:
            self.message.setText("No custom fields yet: add one.")
        self._update_buttons()

    def current_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.fields[rows[0].row()].name if rows and rows[0].row() < len(self.fields) else None

    def _field(self, name: str) -> cf.CustomFieldInfo | None:
        return next((f for f in self.fields if f.name == name), None)

    def _update_buttons(self) -> None:
        current = self._field(self.current_name() or "")
        self.rename_button.setEnabled(current is not None)
        self.delete_button.setEnabled(current is not None)
        self.choices_button.setEnabled(current is not None and current.kind == "choice")

    def _done(self, command: QUndoCommand, select: str | None, message: str) -> None:
        self._push(command)
        self._changed()
        self.reload(select)
        self.message.setText(message)

    # --- the actions: each returns the refusal message, or None when done -------------------
    def add(self, name: str, kind: str, choices: str = "") -> str | None:
        try:
            with self.db.session() as s:
                added = cf.add_field(s, name, kind, choices)
        except cf.CustomFieldError as exc:
            return str(exc)
        spec = (added.name, added.kind, added.choices)
        command = CustomFieldCommand(
            f"Add custom field {added.name}", self.db, lambda s: cf.add_field(s, *spec),
            lambda s: cf.delete_field(s, spec[0]), self._changed)
        self._done(command, added.name, f"Added '{added.name}': fill it in the case form's Custom fields section.")
        return None

    def rename(self, old: str, new: str) -> str | None:
        try:
            with self.db.session() as s:
                new = cf.rename_field(s, old, new)
        except cf.CustomFieldError as exc:
            return str(exc)
        if new == old:
            return None
        command = CustomFieldCommand(
            f"Rename custom field {old} to {new}", self.db, lambda s: cf.rename_field(s, old, new),
            lambda s: cf.rename_field(s, new, old), self._changed)
        self._done(command, new, f"Renamed '{old}' to '{new}'; the cases keep their values.")
        return None

    def edit_choices(self, name: str, choices: str) -> str | None:
        current = self._field(name)
        old = current.choices if current is not None else ()
        try:
            with self.db.session() as s:
                new = cf.set_choices(s, name, choices)
        except cf.CustomFieldError as exc:
            return str(exc)
        if new == old:
            return None
        command = CustomFieldCommand(
            f"Edit the choices of {name}", self.db, lambda s: cf.set_choices(s, name, new),
            lambda s: cf.set_choices(s, name, old), self._changed)
        self._done(command, name, f"Changed the choices of '{name}'.")
        return None

    def delete(self, name: str, ask: bool = True) -> bool:
        """Delete a field after asking, naming how many cases lose their value of it."""
        if not name:
            return False
        with self.db.session() as s:
            count = cf.cases_with_value(s, name)
        if ask:
            held = (f"{count} case{'s' if count != 1 else ''} hold{'s' if count == 1 else ''} a value of it; "
                    f"{'that value' if count == 1 else f'those {count} values'} will be deleted too."
                    if count else "No case holds a value of it.")
            answer = QMessageBox.question(
                self, "Delete custom field",
                f"Delete the custom field '{name}'?\n{held}\nYou can undo this with Edit ▸ Undo (Ctrl+Z).",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            with self.db.session() as s:
                deleted = cf.delete_field(s, name)
        except cf.CustomFieldError as exc:
            self.message.setText(str(exc))
            return False
        self._done(DeleteCustomFieldCommand(self.db, deleted, self._changed), None,
                   f"Deleted '{name}' and {count} value{'s' if count != 1 else ''}. Undo with Ctrl+Z.")
        return True

    # --- the buttons ----------------------------------------------------------------------
    def _add_clicked(self) -> None:
        FieldEditor("Add a custom field", self.add, self).exec()

    def _rename_clicked(self) -> None:
        current = self._field(self.current_name() or "")
        if current is not None:
            FieldEditor(f"Rename '{current.name}'", lambda name, _k, _c: self.rename(current.name, name), self,
                        name=current.name, kind=current.kind, choices=current.choices, edit="name").exec()

    def _choices_clicked(self) -> None:
        current = self._field(self.current_name() or "")
        if current is not None and current.kind == "choice":
            FieldEditor(f"Choices of '{current.name}'", lambda _n, _k, c: self.edit_choices(current.name, c),
                        self, name=current.name, kind=current.kind, choices=current.choices, edit="choices").exec()


def refresh_window(window: StudyWindow) -> None:
    """After the definitions changed: the form rebuilds its custom editors, the list and tabs reload."""
    form = window.form
    if form is not None and form.case_id is not None and not form.is_dirty():
        form.load(form.case_id)
    window.cases_changed(None)


def open_custom_fields_dialog(window: StudyWindow) -> None:
    if window.db is None:
        return
    if window.read_only:
        QMessageBox.information(window, "Custom fields", "This database is open read-only; "
                                "custom fields cannot be changed here.")
        return
    if not window.form_may_close():  # the form is rebuilt: its edits are saved or discarded first
        return
    CustomFieldsDialog(window.db, window.push, lambda: refresh_window(window), window).exec()
