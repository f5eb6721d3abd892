"""The history of a case, or of one field of it, from the audit trail; and the trail's check.

Read-only views over storage.safety.audit: nothing here can change an entry.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.date_display import format_moment, show_dates_in
from storage.database import Database
from storage.record.field_labels import field_label, record_label
from storage.safety.audit import AuditEntry, case_history, field_history

Index = QModelIndex | QPersistentModelIndex
ACTIONS = {"create": "created", "update": "changed", "delete": "deleted"}
COLUMNS = ("When", "Who", "What", "Reason", "Record", "Field", "Old value", "New value")  # the reason in view


def local_time(entry: AuditEntry) -> str:
    """When, in local time, the date as View ▸ Dates shown as says (the trail itself keeps UTC ISO)."""
    return format_moment(entry.when.astimezone(), seconds=True)


def readable(value: str | None) -> str:
    """A create/delete entry's JSON record as 'field=value, ...' (without the internal link ids)."""
    if not value or not value.startswith("{"):
        return value or ""
    try:
        record = json.loads(value)
    except ValueError:
        return value
    hidden = {"case_id", "course_id", "field_id"}
    return ", ".join(f"{k}={v}" for k, v in record.items() if k not in hidden and v is not None)


def _short(value: str | None, limit: int = 120) -> str:
    if value is None:
        return ""
    return value if len(value) <= limit else value[: limit - 1] + "…"


class AuditTableModel(QAbstractTableModel):
    """Audit entries, newest first; the full values are in the tooltip."""

    ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, entries: list[AuditEntry] | None = None) -> None:
        super().__init__()
        self.entries: list[AuditEntry] = []
        self.set_entries(entries or [])

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.beginResetModel()
        self.entries = sorted(entries, key=lambda e: e.id, reverse=True)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def cell(self, entry: AuditEntry, column: int) -> str:
        record = record_label(entry.table_name, entry.record_id)
        what = ACTIONS.get(entry.action, entry.action)
        step = (entry.reason or "").split(":", 1)[0]
        if step in ("undo", "redo"):  # an undo or a redo says so where the eye looks first
            what = f"{what} ({step})"
        values = (local_time(entry), entry.os_user, what, entry.reason or "", record,
                  field_label(entry.table_name, entry.field), show_dates_in(readable(entry.old_value)),
                  show_dates_in(readable(entry.new_value)))
        return str(values[column] or "")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _short(self.cell(entry, index.column()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.cell(entry, index.column())
        if role == self.ENTRY_ROLE:
            return entry
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class CaseHistoryDialog(QDialog):
    """Every change of a case; the field box narrows it to one field's history."""

    def __init__(self, database: Database, study_id: str, parent: QWidget | None = None,
                 table_name: str | None = None, field: str | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.study_id = study_id
        self.setWindowTitle(f"History of case {study_id}")
        self.resize(980, 480)
        with database.session() as session:
            self.all_entries = case_history(session, study_id)
        self.field_box = QComboBox()
        self.field_box.addItem("All changes", None)
        fields = sorted({(e.table_name, e.field) for e in self.all_entries if e.field})
        for table, name in fields:
            self.field_box.addItem(f"{field_label(table, name)} ({record_label(table)})", f"{table}.{name}")
        self.model = AuditTableModel()
        view = QTableView()
        view.setModel(self.model)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.horizontalHeader().setStretchLastSection(True)
        self.view = view
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.field_box, 1)
        top.addWidget(self.count)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(view, 1)
        layout.addWidget(buttons)
        self.field_box.currentIndexChanged.connect(self._filter)
        if table_name and field:
            found = self.field_box.findData(f"{table_name}.{field}")
            self.field_box.setCurrentIndex(max(found, 0))
        self._filter()

    def _filter(self, *_args: object) -> None:
        choice = self.field_box.currentData()
        if choice is None:
            entries = self.all_entries
        else:
            table_name, field = str(choice).split(".", 1)
            with self.database.session() as session:
                entries = field_history(session, self.study_id, table_name, field)
        self.model.set_entries(entries)
        self.count.setText(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
        self.view.resizeColumnsToContents()
        for column in range(self.model.columnCount()):  # long values are in the tooltip
            self.view.setColumnWidth(column, min(self.view.columnWidth(column), 260))


def open_case_history(parent: QWidget | None, database: Database, study_id: str,
                      table_name: str | None = None, field: str | None = None) -> None:
    """Edit > History of this case… (or of one field: pass its table and field, e.g. "cases", "sex")."""
    CaseHistoryDialog(database, study_id, parent, table_name, field).exec()


def verification_text(database: Database) -> tuple[bool, str]:
    """The same checks as `python main.py verify`, in words."""
    from storage.safety.verification import verify_database

    report = verify_database(database.path)
    lines = [f"Checked {format_moment(dt.datetime.now())}: {report.cases} case(s)."]
    if report.ok:
        lines.append("SQLite integrity check: ok.")
        lines.append(f"Audit trail: {report.audit_entries} entries; the hash chain is intact and the trail is "
                     "append-only." if report.audit_entries is not None else "Audit trail: none yet.")
        checked = ("Audit trail anchors", "Creation entries", "Integrity rules")  # what else was checked
        lines += [f if f.endswith(".") else f + "." for f in report.facts if f.startswith(checked)]
    else:
        lines.append(f"{len(report.problems)} problem(s): the database may have been damaged or changed outside "
                     "Casebook. Restore a backup (File > Restore from backup) after checking.")
        lines += [f"  • {show_dates_in(p)}" for p in report.problems[:20]]
    return report.ok, "\n".join(lines)


def show_verification(parent: QWidget | None, database: Database) -> bool:
    """Tools > Verify audit trail and database…: True if everything is intact."""
    ok, text = verification_text(database)
    icon = QMessageBox.Icon.Information if ok else QMessageBox.Icon.Critical
    box = QMessageBox(icon, "Audit trail and database check", text, QMessageBox.StandardButton.Ok, parent)
    box.exec()
    return ok
