"""A table editor for the repeating parts of a case (assessments, transplants, complications, ...).

Rows are plain dicts with the document's keys; columns say how each key is typed and shown.
Keys without a column are kept untouched, so a table never loses what it does not show.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.case_form.cell_editors import (
    VALUE_ROLE,
    ChoiceDelegate,
    ExactChoiceDelegate,
    LiveNumberDelegate,
    TextDelegate,
)
from gui.widgets.date_display import date_hint, format_date, notifier, read_date
from gui.widgets.fields import YES_NO, FieldError, format_number, parse_number
from storage.record.case_documents import parse_date_text

ADD_ROW_KEYS = ("Ctrl+Return", "Ctrl+Enter", "Insert")
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
    match: Callable[[str], str | None] | None = None  # a code column typed as text, taken on an exact match
    suggest: Callable[[], list[str]] | None = None  # a text column with a pop-up of names while typing
    min_width: int = 48  # the column never gets narrower than this when the table fits its width
    # Text typed here may stand for more of the row (a drug from the catalogue): the cells to set, or None.
    expand: Callable[[str], dict[str, Any] | None] | None = None


class _PageTable(QTableWidget):
    """A table inside the scrolling form: the wheel scrolls the page, never the table sideways.

    The table scrolls up and down only when it has more rows than it shows (more than eight);
    otherwise the wheel goes on to the form's scroll area.
    """

    def __init__(self, rows: int, columns: int, parent: QWidget) -> None:
        super().__init__(rows, columns, parent)
        self.on_resize: Callable[[], None] | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.on_resize is not None:
            self.on_resize()  # the viewport has its new width now

    def wheelEvent(self, event: QWheelEvent) -> None:
        bar = self.verticalScrollBar()
        dy = event.angleDelta().y()
        at_end = (dy > 0 and bar.value() <= bar.minimum()) or (dy < 0 and bar.value() >= bar.maximum())
        if dy == 0 or bar.maximum() == 0 or at_end:
            event.ignore()
            return
        super().wheelEvent(event)


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
        self._removed: list[tuple[int, dict[str, Any]]] = []  # rows removed by Delete, for Ctrl+Z
        # Set by the form: a removed row goes to the window's undo history instead (gui.case_form.row_undo).
        self.on_removed: Callable[[int, dict[str, Any]], None] | None = None
        self.can_undo_removed: Callable[[], bool] = lambda: False  # Ctrl+Z here: the history's row step
        self.undo_removed: Callable[[], None] = lambda: None
        self.filling: int | None = None  # a row just added: not marked wrong until it is left
        self.table = _PageTable(0, len(columns), self)
        self.table.setHorizontalHeaderLabels([c.header for c in columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table and follows the form
        # Columns share the table's width (never a horizontal scroll bar): see _fit_columns.
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for i, column in enumerate(columns):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Fixed)
            if column.kind == "code" and column.match is not None:
                self.table.setItemDelegateForColumn(i, ExactChoiceDelegate(column.choices, column.match, self.table))
            elif column.kind in ("code", "bool"):
                self.table.setItemDelegateForColumn(i, ChoiceDelegate(column.choices or YES_NO, self.table))
            elif column.kind in ("int", "float") and live_numbers:
                self.table.setItemDelegateForColumn(i, LiveNumberDelegate(self.table))
            elif column.kind != "computed":
                self.table.setItemDelegateForColumn(i, TextDelegate(self.table, column.suggest))
            tip = column.tip or (f"Date: {date_hint()}" if column.kind == "date" else "")
            if tip:
                item = self.table.horizontalHeaderItem(i)
                if item is not None:
                    item.setToolTip(tip)
        self.table.itemChanged.connect(self._item_changed)
        notifier().changed.connect(self._restyle_dates)
        self.table.currentCellChanged.connect(self._current_cell_changed)
        self.table.installEventFilter(self)
        self.table.on_resize = self._fit_columns
        self.add_button = QPushButton(f"Add {noun}")
        self.add_button.setToolTip(f"Add a {noun} (Ctrl+Enter or Insert in the table)")
        self.remove_button = QPushButton(f"Remove {noun}")
        self.remove_button.setToolTip(f"Remove the selected {noun} (Delete in the table; Ctrl+Z brings it back)")
        self.add_button.clicked.connect(self._add_clicked)
        self.remove_button.clicked.connect(self.remove_current_row)
        for button in (self.add_button, self.remove_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # by keyboard: Insert and Delete; Tab goes on to the next field
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
        self._removed.clear()
        self.filling = None
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
            code = item.data(VALUE_ROLE)
            if code is None and text.strip():  # typed text that is none of the choices: never guessed
                raise ValueError(f"{text.strip()!r} is not one of: {', '.join(column.choices.values())}")
            return code
        if column.kind == "bool":
            code = item.data(VALUE_ROLE)
            return None if code is None else code == "yes"
        if column.kind == "date":
            parsed = read_date(text)
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

    # --- keyboard ---------------------------------------------------------------------------
    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        """On the table (not in an open editor): Insert or Ctrl+Enter adds a row, Delete removes the
        current one, Ctrl+Z brings the last removed row back."""
        if watched is not self.table or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        sequence = QKeySequence(event.keyCombination())
        if sequence in [QKeySequence(k) for k in ADD_ROW_KEYS]:
            action = self._add_clicked
        elif event.key() == Qt.Key.Key_Delete and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            action = self.remove_current_row
        elif event.matches(QKeySequence.StandardKey.Undo) and self.on_removed is None and self._removed:
            action = self.restore_removed_row
        elif event.matches(QKeySequence.StandardKey.Undo) and self.on_removed is not None and self.can_undo_removed():
            action = self.undo_removed
        else:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # the key is the table's, not a window shortcut's
            return True
        action()
        return True

    def _current_cell_changed(self, row: int, _column: int, previous_row: int, _previous_column: int) -> None:
        if self.filling is not None and row != self.filling:
            self._row_left()
        self.current_row_changed.emit(row)

    def _row_left(self) -> None:
        """The row being filled was left: from now on its cells are checked like any other."""
        if self.filling is not None:
            self.filling = None
            self.changed.emit()

    def focus_left(self) -> None:
        """Called when the focus moved out of this table (see gui.case_form.form)."""
        self._row_left()

    def _fit_columns(self) -> None:
        """Share the table's width out in the columns' proportions: no column hides behind a scroll bar,
        the first (identifying) one is always in view, and the last takes what is left. Where the room
        allows, no column is narrower than its header (under a real X server at 1366 px "MRD method" and
        "CTCAE grade" were cut)."""
        available = self.table.viewport().width()
        if available <= 0:
            return
        wanted = [c.width or 140 for c in self.columns]
        floors = [max(c.min_width, 86) if c.kind == "date" else c.min_width for c in self.columns]
        metrics = self.table.horizontalHeader().fontMetrics()
        headed = [max(f, metrics.horizontalAdvance(c.header) + 14) for f, c in zip(floors, self.columns, strict=True)]
        if sum(headed) <= available:
            floors = headed
        elif sum(headed) > sum(floors):  # as near the headers as the room allows
            share = max(0.0, (available - sum(floors)) / (sum(headed) - sum(floors)))
            floors = [f + int((h - f) * share) for f, h in zip(floors, headed, strict=True)]
        wanted = [max(w, f) for w, f in zip(wanted, floors, strict=True)]
        extra, growth = available - sum(floors), [w - f for w, f in zip(wanted, floors, strict=True)]
        if extra >= sum(growth):
            widths = wanted
        else:
            widths = [f + (extra * g // sum(growth) if extra > 0 else 0) for f, g in zip(floors, growth, strict=True)]
        widths[-1] = max(floors[-1], available - sum(widths[:-1]))
        for i, width in enumerate(widths):
            self.table.setColumnWidth(i, width)

    def _add_clicked(self) -> None:
        # The new row's first cell takes the typing at once (with the focus left on the button,
        # keys typed next went nowhere and the row stayed empty).
        self.add_row()
        self.filling = self.table.rowCount() - 1
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_current_row(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            return
        removed = self.rows()[0][r]
        self.remove_row_at(r)
        if self.on_removed is not None:
            self.on_removed(r, removed)
            where = "Edit ▸ Undo (Ctrl+Z)"
        else:
            self._removed.append((r, removed))
            where = "Ctrl+Z in this table"
        self.error.show_messages([f"Removed {self.noun} {r + 1}; {where} brings it back."])

    def remove_row_at(self, r: int) -> None:
        # Rows and table change together, so listeners never see one without the other.
        self.filling = None
        self.table.blockSignals(True)
        del self._rows[r]
        self.table.removeRow(r)
        self.table.blockSignals(False)
        self._fit_height()
        self.current_row_changed.emit(self.table.currentRow())
        self.changed.emit()

    def restore_removed_row(self) -> None:
        """Put the last row removed by Delete back where it was."""
        if self._removed:
            self.insert_row_at(*self._removed.pop())

    def insert_row_at(self, r: int, row: dict[str, Any]) -> None:
        r = min(r, self.table.rowCount())
        self._loading = True
        self.table.blockSignals(True)
        self._rows.insert(r, copy.deepcopy(row))
        self.table.insertRow(r)
        for c, column in enumerate(self.columns):
            self.table.setItem(r, c, self._make_item(column, row.get(column.key)))
        self.table.blockSignals(False)
        self._loading = False
        self.refresh_computed()
        self._fit_height()
        self.table.setCurrentCell(r, 0)
        self.current_row_changed.emit(r)
        self.changed.emit()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        column = self.columns[item.column()]
        expanded = column.expand(item.text()) if column.expand is not None else None
        if expanded:
            self._put_cells(item.row(), expanded)
        if column.kind == "date":
            try:
                parsed = parse_date_text(item.text())
            except ValueError:
                parsed = None
            if parsed is not None and item.text() != format_date(parsed):
                self._loading = True
                item.setText(format_date(parsed))  # the chosen display form, whatever was typed
                self._loading = False
        self.refresh_computed()
        self.changed.emit()

    def _put_cells(self, r: int, values: dict[str, Any]) -> None:
        """Set cells in place (the edited item stays the same object: it may be mid-signal)."""
        self._loading = True
        for c, column in enumerate(self.columns):
            item = self.table.item(r, c)
            if column.key not in values or item is None:
                continue
            fresh = self._make_item(column, values[column.key])
            item.setData(VALUE_ROLE, fresh.data(VALUE_ROLE))
            item.setText(fresh.text())
        self._loading = False

    def _restyle_dates(self, _style: str = "") -> None:
        """The chosen date form changed: date cells and their header tips re-shown (text that is no date stays)."""
        self._loading = True
        for c, column in enumerate(self.columns):
            header = self.table.horizontalHeaderItem(c)
            if column.kind != "date" or header is None:
                continue
            header.setToolTip(column.tip or f"Date: {date_hint()}")
            for r in range(self.table.rowCount()):
                item = self.table.item(r, c)
                try:
                    parsed = parse_date_text(item.text()) if item is not None else None
                except ValueError:
                    continue
                if item is not None and parsed is not None:
                    item.setText(format_date(parsed))
        self._loading = False

    def refresh_computed(self) -> None:
        self._loading = True
        for c, column in enumerate(self.columns):
            if column.kind != "computed" or column.compute is None:
                continue
            for r in range(self.table.rowCount()):
                item = self.table.item(r, c)
                if item is not None:
                    text = column.compute(self.row_data(r))
                    item.setText(text)
                    item.setToolTip(f"{text}\n{column.tip}".strip())
        self._loading = False

    def _fit_height(self) -> None:
        """Show every row (up to eight; more scroll) so that the form, not each table, scrolls."""
        rows = max(self.table.rowCount(), 1)
        header = self.table.horizontalHeader().sizeHint().height()
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(header + 26 * min(rows, 8) + frame + 2)

    # --- problems -----------------------------------------------------------------------
    def show_problems(self, problems: dict[tuple[int, str], list[str]]) -> None:
        """Colour the cells that break a rule and list the messages under the table.

        The row being filled (just added, not yet left) is not marked until it is left.
        """
        if self.filling is not None:
            problems = {cell: m for cell, m in problems.items() if cell[0] != self.filling}
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
