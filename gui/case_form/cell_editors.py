"""Cell editors of the record tables: coded choices, exact-match choices, live numbers, names from a list.

Every editor moves on with Enter as with Tab (the next cell opens for typing), so that a row is filled
by keyboard alone.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

VALUE_ROLE = Qt.ItemDataRole.UserRole + 10
Index = QModelIndex | QPersistentModelIndex


class _MovesOn(QStyledItemDelegate):
    """Enter in an open editor commits it and opens the next cell, like Tab."""

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() == Qt.KeyboardModifier.NoModifier and isinstance(editor, QWidget)):
            completer = editor.completer() if isinstance(editor, QLineEdit) else None
            popup = completer.popup() if completer is not None else None
            if isinstance(editor, QLineEdit) and popup is not None and popup.isVisible():
                current = popup.currentIndex()
                if current.isValid():  # Enter takes the highlighted name
                    editor.setText(str(current.data()))
                popup.hide()
            self.move_on(editor)
            return True
        return super().eventFilter(editor, event)

    def move_on(self, editor: QWidget) -> None:
        """Commit; open the next editable cell of the row, or end the row (the table keeps the focus,
        so Tab leaves it and Insert adds the next row)."""
        self.commitData.emit(editor)
        view = self.parent()
        more = False
        if isinstance(view, QAbstractItemView):
            current = view.currentIndex()
            model = view.model()
            more = any(model.flags(current.siblingAtColumn(c)) & Qt.ItemFlag.ItemIsEditable
                       for c in range(current.column() + 1, model.columnCount()))
        hint = QAbstractItemDelegate.EndEditHint.EditNextItem if more else QAbstractItemDelegate.EndEditHint.NoHint
        self.closeEditor.emit(editor, hint)


class ChoiceDelegate(_MovesOn):
    """A combo box over a coded list for one column; typing picks by the start of the label."""

    def __init__(self, choices: dict[str, str], parent: QWidget) -> None:
        super().__init__(parent)
        self._choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.addItem("", None)
        for code, label in self._choices.items():
            combo.addItem(label, code)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findData(index.data(VALUE_ROLE)), 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), VALUE_ROLE)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class ExactChoiceDelegate(_MovesOn):
    """Typed text for a coded column, taken only on an exact match: typing "mg" gives mg, never mg/m².

    Text that matches no choice stays in the cell and is reported as unreadable, never replaced by a
    near neighbour.
    """

    def __init__(self, choices: dict[str, str], match: Callable[[str], str | None], parent: QWidget) -> None:
        super().__init__(parent)
        self._choices, self._match = choices, match

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        # No completer: a pop-up or inline completion is exactly what turned "mg" into mg/m².
        edit = QLineEdit(parent)
        edit.setToolTip("Type the unit exactly: " + ", ".join(self._choices.values()))
        return edit

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        if not editor.text():  # keeps the key that opened the editor
            editor.setText(str(index.data(Qt.ItemDataRole.DisplayRole) or ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        text = editor.text().strip()
        code = self._match(text) if text else None
        model.setData(index, code, VALUE_ROLE)
        model.setData(index, self._choices.get(code, text) if code else text, Qt.ItemDataRole.DisplayRole)


class LiveNumberDelegate(_MovesOn):
    """Commits every keystroke, so that computed cells (BSA, total dose) follow the typing."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.textEdited.connect(lambda _t: self.commitData.emit(editor))
        return editor


class TextDelegate(_MovesOn):
    """Plain text; with ``suggestions``, a pop-up of matching names while typing (any part of the name)."""

    def __init__(self, parent: QWidget, suggestions: Callable[[], list[str]] | None = None,
                 picked: Callable[[Index, str], None] | None = None) -> None:
        super().__init__(parent)
        self._suggestions, self._picked = suggestions, picked

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        edit = QLineEdit(parent)
        if self._suggestions is not None:
            completer = QCompleter(self._suggestions(), edit)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setMaxVisibleItems(12)
            edit.setCompleter(completer)
            # A name picked from the pop-up (arrow keys and Enter, or a click) is taken at once.
            completer.activated.connect(lambda text, e=edit: self._picked_from_popup(e, text))
        return edit

    def _picked_from_popup(self, edit: QLineEdit, text: str) -> None:
        edit.setText(text)
        self.move_on(edit)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        super().setModelData(editor, model, index)
        if self._picked is not None and isinstance(editor, QLineEdit):
            self._picked(index, editor.text())
