"""The import dialog's column mapping and value mapping: each column of the file with its suggested field
(and how it was suggested), changeable; each written value that maps to no code, with a code to choose.

The panel only collects the user's choices into a storage.interchange.imports.column_mapping.ColumnMapping;
reading, suggesting and importing are storage's.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storage.interchange.imports.column_mapping import ColumnMapping, Suggestion
from storage.interchange.imports.column_values import ColumnValues, unmapped_in
from storage.interchange.imports.mapping_targets import (
    CUSTOM,
    IGNORE,
    choosable_targets,
    target_codes,
    target_kind,
    target_label,
)

HOW = {"exact": "same name", "synonym": "known synonym", "similar": "similar name", "none": "no match",
       "saved": "saved mapping"}
NO_CODE = ""


def _target_box(current: str) -> QComboBox:
    box = QComboBox()
    box.setEditable(True)  # a numbered field not listed, e.g. course[2].drug[venetoclax], can be typed
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.addItem("(ignored)", IGNORE)
    box.addItem("(add as a custom field)", CUSTOM)
    for key in choosable_targets():
        box.addItem(f"{key}: {target_label(key)}", key)
    index = box.findData(current)
    if index < 0 and current:
        box.addItem(f"{current}: {target_label(current)}", current)
        index = box.count() - 1
    box.setCurrentIndex(max(index, 0))
    box.setMaxVisibleItems(20)
    edit = box.lineEdit()
    if edit is not None:
        edit.setCursorPosition(0)  # show the field's key, not the end of its description
    return box


def box_target(box: QComboBox) -> str:
    """The target a row's box names: the chosen item's key, or what was typed (up to a colon)."""
    data = box.currentData()
    typed = box.currentText().split(":")[0].strip()
    if data is not None and box.itemText(box.currentIndex()) == box.currentText():
        return str(data)
    return "" if typed in ("(ignored)", "") else CUSTOM if typed == "(add as a custom field)" else typed


class MappingPanel(QWidget):
    """Two tables: columns -> fields, then values -> codes. `changed` fires on every choice."""

    changed = Signal()
    COLUMNS = ("Column in the file", "Examples", "Maps to (Casebook field)", "Suggested by", "Cells show")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header: list[str] = []
        self.column_values: list[ColumnValues] = []
        self.values: dict[str, dict[str, str]] = {}
        self.date_format: str | None = None
        self.columns = QTableWidget(0, len(self.COLUMNS))
        self.columns.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.columns.verticalHeader().setVisible(False)
        self.columns.verticalHeader().setDefaultSectionSize(26)
        self.columns.setWordWrap(False)
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        head = self.columns.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(True)
        for i, width in enumerate((170, 210, 330, 110)):
            self.columns.setColumnWidth(i, width)
        self.value_table = QTableWidget(0, 4)
        self.value_table.setHorizontalHeaderLabels(["Column", "Value in the file", "Rows", "Stands for (code)"])
        self.value_table.verticalHeader().setVisible(False)
        self.value_table.verticalHeader().setDefaultSectionSize(26)
        self.value_table.horizontalHeader().setStretchLastSection(True)
        for i, width in enumerate((170, 230, 50)):
            self.value_table.setColumnWidth(i, width)
        self.value_note = QLabel("")
        self.value_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.columns, 4)
        layout.addWidget(self.value_note)
        layout.addWidget(self.value_table, 1)

    def set_file(self, header: list[str], values: list[ColumnValues], mapping: ColumnMapping,
                 hints: dict[str, Suggestion], how: str | None = None) -> None:
        """Show a file's columns with the mapping's targets (and how each was suggested). `values` are the
        columns' distinct values (storage.interchange.imports.column_values), gathered on the worker thread:
        nothing here goes through the file's rows."""
        self.header = [h.strip() for h in header]
        self.column_values = values + [ColumnValues(i) for i in range(len(values), len(header))]
        self.values = {k: dict(v) for k, v in mapping.values.items()}
        self.date_format = mapping.date_format
        self.columns.setRowCount(0)
        for i, name in enumerate(self.header):
            if not name:
                continue
            row = self.columns.rowCount()
            self.columns.insertRow(row)
            self.columns.setItem(row, 0, QTableWidgetItem(name))
            self.columns.setItem(row, 1, QTableWidgetItem(" · ".join(self.column_values[i].examples())))
            target = mapping.target_of(name)
            box = _target_box(target if target is not None else "")
            box.setProperty("column", name)
            box.currentIndexChanged.connect(self._target_changed)
            edit = box.lineEdit()
            if edit is not None:
                edit.editingFinished.connect(self._target_changed)
            self.columns.setCellWidget(row, 2, box)
            hint = hints.get(name)
            shown = HOW[how] if how else HOW[hint.how] if hint else ""
            if not how and target == CUSTOM and hint and hint.how != "exact":
                shown = "custom field of the study"
            if hint and hint.how == "similar" and not how:
                shown += f" ({hint.score:.0%})"
            self.columns.setItem(row, 3, QTableWidgetItem(shown))
            self.columns.setItem(row, 4, QTableWidgetItem(""))
        for row in range(self.columns.rowCount()):
            for col in (0, 1, 3, 4):
                item = self.columns.item(row, col)
                if item is not None:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self._refresh()

    def target_box(self, column: str) -> QComboBox | None:
        for row in range(self.columns.rowCount()):
            item = self.columns.item(row, 0)
            if item is not None and item.text() == column:
                widget = self.columns.cellWidget(row, 2)
                return widget if isinstance(widget, QComboBox) else None
        return None

    def mapping(self) -> ColumnMapping:
        columns: dict[str, str] = {}
        for row in range(self.columns.rowCount()):
            item, box = self.columns.item(row, 0), self.columns.cellWidget(row, 2)
            if item is not None and isinstance(box, QComboBox):
                columns[item.text()] = box_target(box)
        values = {target: dict(codes) for target, codes in self.values.items() if codes}
        return ColumnMapping(columns, values, self.date_format)

    def _target_changed(self, *_args: object) -> None:
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        """Notes of every column under its current target, and the values left without a code."""
        mapping = self.mapping()
        for row in range(self.columns.rowCount()):
            item = self.columns.item(row, 0)
            note = self.columns.item(row, 4)
            if item is None or note is None:
                continue
            i = self.header.index(item.text())
            target = mapping.columns.get(item.text(), "")
            kind = target_kind(target) if target not in (IGNORE, CUSTOM) else "text"
            note.setText("; ".join(self.column_values[i].notes_as(kind)))
        self._fill_values(mapping)

    def _fill_values(self, mapping: ColumnMapping) -> None:
        missing = unmapped_in(self.header, self.column_values, mapping)
        chosen = [(t, v, c) for t, codes in self.values.items() for v, c in codes.items()]
        self.value_table.setRowCount(0)
        shown = [(u.column, u.target, u.value, u.rows) for u in missing]
        shown += [(next((h for h, t in mapping.columns.items() if t == target), target), target, value, 0)
                  for target, value, _code in chosen if not any(u.target == target and u.value == value
                                                                   for u in missing)]
        for column, target, value, count in shown:
            row = self.value_table.rowCount()
            self.value_table.insertRow(row)
            for col, text in enumerate((column, value, str(count) if count else "")):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.value_table.setItem(row, col, item)
            box = QComboBox()
            box.addItem("(choose a code)", NO_CODE)
            for code, label in (target_codes(target) or {}).items():
                box.addItem(f"{code}: {label}", code)
            box.setCurrentIndex(max(box.findData(self.values.get(target, {}).get(value, NO_CODE)), 0))
            box.setProperty("target", target)
            box.setProperty("value", value)
            box.currentIndexChanged.connect(self._code_chosen)
            self.value_table.setCellWidget(row, 3, box)
        self._show_left(len(missing))

    def _show_left(self, left: int) -> None:
        self.value_note.setText(
            f"{left:,} {'value in a coded column maps' if left == 1 else 'values in coded columns map'} to no code: "
            "choose a code for each below before importing."
            if left else "Every value in a coded column maps to a code (w → f, ja → yes, komplette Remission → CR …).")

    def _code_chosen(self, *_args: object) -> None:
        box = self.sender()
        if not isinstance(box, QComboBox):
            return
        target, value, code = str(box.property("target")), str(box.property("value")), box.currentData()
        if code:
            self.values.setdefault(target, {})[value] = str(code)
        else:
            self.values.get(target, {}).pop(value, None)
        self._show_left(len(unmapped_in(self.header, self.column_values, self.mapping())))  # (as chosen so far)
        self.changed.emit()
