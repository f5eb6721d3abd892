"""A table editor for the repeating parts of a case (assessments, transplants, complications, ...).

Rows are plain dicts with the document's keys; columns say how each key is typed and shown.
Keys without a column are kept untouched, so a table never loses what it does not show.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.fields import DATE_HINT, YES_NO, FieldError, format_date, format_number, parse_number
from storage.record.case_documents import parse_date_text

VALUE_ROLE = Qt.ItemDataRole.UserRole + 10
ERROR_BRUSH = QBrush(QColor("#ffd7d7"))
COMPUTED_BRUSH = QBrush(QColor("#eef2f7"))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text, int, float, date, code, bool, computed
    choices: dict[str, str] = field(default_factory=dict)
    width: int = 0
    compute: Callable[[dict[str, Any]], str] | None = None  # for kind "computed"
    tip: str = ""


class _ChoiceDelegate(QStyledItemDelegate):
    """A combo box over a coded list for one column."""

    def __init__(self, choices: dict[str, str], parent: QWidget) -> None:
        super().__init__(parent)
        self._choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Any) -> QWidget:
        combo = QComboBox(parent)
        combo.addItem("", None)
        for code, label in self._choices.items():
            combo.addItem(label, code)
        return combo

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findData(index.data(VALUE_ROLE)), 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), VALUE_ROLE)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class _LiveNumberDelegate(QStyledItemDelegate):
    """Commits every keystroke, so that computed cells (BSA, total dose) follow the typing."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Any) -> QWidget:
        editor = QLineEdit(parent)
        editor.textEdited.connect(lambda _t: self.commitData.emit(editor))
        return editor


class RecordTable(QWidget):
    """Rows of one repeating part with Add / Remove buttons and the rule messages beneath."""

    changed = Signal()
    current_row_changed = Signal(int)

    def __init__(
        self, columns: list[Column], noun: str, parent: QWidget | None = None, live_numbers: bool = False
    ) -> None:
        super().__init__(parent)
        self.columns = columns
        self.noun = noun
        self._rows: list[dict[str, Any]] = []
        self._loading = False
        self.table = QTableWidget(0, len(columns), self)
        self.table.setHorizontalHeaderLabels([c.header for c in columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table and follows the form
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for i, column in enumerate(columns):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
            if column.width:
                self.table.setColumnWidth(i, column.width)
            if column.kind in ("code", "bool"):
                self.table.setItemDelegateForColumn(i, _ChoiceDelegate(column.choices or YES_NO, self.table))
            elif column.kind in ("int", "float") and live_numbers:
                self.table.setItemDelegateForColumn(i, _LiveNumberDelegate(self.table))
            tip = column.tip or (f"Date: {DATE_HINT}" if column.kind == "date" else "")
            if tip:
                item = self.table.horizontalHeaderItem(i)
                if item is not None:
                    item.setToolTip(tip)
        self.table.itemChanged.connect(self._item_changed)
        self.table.currentCellChanged.connect(lambda row, _c, _pr, _pc: self.current_row_changed.emit(row))
        self.add_button = QPushButton(f"Add {noun}")
        self.remove_button = QPushButton(f"Remove {noun}")
        self.add_button.clicked.connect(self._add_clicked)
        self.remove_button.clicked.connect(self.remove_current_row)
        self.error = FieldError(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self._fit_height()

    # --- rows in and out ------------------------------------------------------------------
    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self._loading = True
        self.table.blockSignals(True)  # listeners see the new rows only once all are in
        self._rows = [copy.deepcopy(r) for r in rows]
        self.table.setRowCount(len(rows))
        for r, row in enumerate(self._rows):
            for c, column in enumerate(self.columns):
                self.table.setItem(r, c, self._make_item(column, row.get(column.key)))
        self.table.blockSignals(False)
        self._loading = False
        self.current_row_changed.emit(self.table.currentRow())
        self.refresh_computed()
        self._fit_height()
        self.show_problems({})

    def _make_item(self, column: Column, value: Any) -> QTableWidgetItem:
        item = QTableWidgetItem()
        if column.kind == "computed":
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setBackground(COMPUTED_BRUSH)
            item.setToolTip(column.tip)
            return item
        if column.kind in ("code", "bool"):
            code = value if column.kind == "code" else (None if value is None else ("yes" if value else "no"))
            item.setData(VALUE_ROLE, code)
            item.setText((column.choices or YES_NO).get(code, "" if code is None else str(code)) if code else "")
        elif column.kind == "date":
            item.setText(format_date(value))
        elif column.kind in ("int", "float"):
            item.setText(format_number(value))
        else:
            item.setText("" if value is None else str(value))
        return item

    def _cell_value(self, r: int, column: Column) -> Any:
        """The stored value of a cell; raises ValueError for text that cannot be read."""
        item = self.table.item(r, self.columns.index(column))
        if item is None:
            return None
        text = item.text()
        if column.kind == "code":
            return item.data(VALUE_ROLE)
        if column.kind == "bool":
            code = item.data(VALUE_ROLE)
            return None if code is None else code == "yes"
        if column.kind == "date":
            parsed = parse_date_text(text)
            return parsed.isoformat() if parsed else None
        if column.kind in ("int", "float"):
            return parse_number(text, column.kind == "int")
        return text.strip() or None

    def rows(self) -> tuple[list[dict[str, Any]], dict[tuple[int, str], str]]:
        """The rows as dicts, and the cells whose text could not be read: {(row, key): message}."""
        out = []
        unreadable: dict[tuple[int, str], str] = {}
        for r, original in enumerate(self._rows):
            row = copy.deepcopy(original)
            for column in self.columns:
                if column.kind == "computed":
                    continue
                try:
                    row[column.key] = self._cell_value(r, column)
                except ValueError as exc:
                    unreadable[(r, column.key)] = str(exc)
            out.append(row)
        return out, unreadable

    def set_hidden(self, r: int, key: str, value: Any) -> None:
        """Keep a value that has no column (a course's drugs) with row r."""
        self._rows[r][key] = value

    def hidden(self, r: int, key: str) -> Any:
        return self._rows[r].get(key)

    def row_data(self, r: int) -> dict[str, Any]:
        row = dict(self._rows[r])
        for column in self.columns:
            if column.kind != "computed":
                try:
                    row[column.key] = self._cell_value(r, column)
                except ValueError:
                    row[column.key] = None
        return row

    # --- editing ------------------------------------------------------------------------
    def add_row(self, values: dict[str, Any] | None = None) -> None:
        row = dict(values or {})
        self._loading = True
        self._rows.append(row)
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, column in enumerate(self.columns):
            self.table.setItem(r, c, self._make_item(column, row.get(column.key)))
        self._loading = False
        self.refresh_computed()
        self._fit_height()
        self.table.setCurrentCell(r, 0)
        self.changed.emit()

    def _add_clicked(self) -> None:
        # The new row's first cell takes the typing at once (with the focus left on the button,
        # keys typed next went nowhere and the row stayed empty).
        self.add_row()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_current_row(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            return
        # Rows and table change together, so listeners never see one without the other.
        self.table.blockSignals(True)
        del self._rows[r]
        self.table.removeRow(r)
        self.table.blockSignals(False)
        self._fit_height()
        self.current_row_changed.emit(self.table.currentRow())
        self.changed.emit()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        column = self.columns[item.column()]
        if column.kind == "date":
            try:
                parsed = parse_date_text(item.text())
            except ValueError:
                parsed = None
            if parsed is not None and item.text() != parsed.isoformat():
                self._loading = True
                item.setText(parsed.isoformat())  # one display format, whatever was typed
                self._loading = False
        self.refresh_computed()
        self.changed.emit()

    def refresh_computed(self) -> None:
        self._loading = True
        for c, column in enumerate(self.columns):
            if column.kind != "computed" or column.compute is None:
                continue
            for r in range(self.table.rowCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setText(column.compute(self.row_data(r)))
        self._loading = False

    def _fit_height(self) -> None:
        """Show every row (up to eight; more scroll) so that the form, not each table, scrolls."""
        rows = max(self.table.rowCount(), 1)
        header = self.table.horizontalHeader().sizeHint().height()
        scrollbar = self.table.horizontalScrollBar().sizeHint().height()
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(header + 26 * min(rows, 8) + frame + scrollbar + 2)

    # --- problems -----------------------------------------------------------------------
    def show_problems(self, problems: dict[tuple[int, str], list[str]]) -> None:
        """Colour the cells that break a rule and list the messages under the table."""
        self._loading = True
        keys = {c.key: i for i, c in enumerate(self.columns)}
        for r in range(self.table.rowCount()):
            for c, column in enumerate(self.columns):
                item = self.table.item(r, c)
                if item is None or column.kind == "computed":
                    continue
                messages = problems.get((r, column.key), [])
                item.setBackground(ERROR_BRUSH if messages else QBrush())
                item.setToolTip("\n".join(messages))
        self._loading = False
        lines: list[str] = []
        for (r, key), messages in sorted(problems.items(), key=lambda kv: (kv[0][0], keys.get(kv[0][1], 99))):
            header = self.columns[keys[key]].header if key in keys else key
            lines.extend(f"{self.noun} {r + 1}, {header}: {m}" for m in messages)
        self.error.show_messages(lines)
