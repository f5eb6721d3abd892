"""Restore from backup, data freeze, and opening a database under the single-writer lock.

The dialogs collect choices; storage.safety.backup / storage.safety.freeze / storage.safety.lock do the work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.date_display import QT_FORMATS, current_style, format_date, format_moment, show_dates_in
from storage.database import Database, DatabaseError, head_revision, inspect_revision, open_database
from storage.record.schema import cannot_write
from storage.safety.backup import BackupError, BackupInfo, list_backups, restore_backup
from storage.safety.lock import DatabaseLocked, Lock, acquire_lock, make_read_only


class RestoreDialog(QDialog):
    def __init__(self, database_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self.resize(560, 420)
        self.backups = list_backups(database_path)
        self.list = QListWidget()
        for backup in self.backups:
            item = QListWidgetItem(show_dates_in(backup.describe()))
            item.setData(Qt.ItemDataRole.UserRole, backup)
            self.list.addItem(item)
        if self.backups:
            self.list.setCurrentRow(0)
        note = QLabel(f"Backups of {database_path.name}, newest first (in {database_path.parent / 'backups'}).\n"
                      "The database's current state is backed up before it is replaced, so a restore can "
                      "itself be undone by restoring that copy.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(bool(self.backups))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list if self.backups else QLabel("There are no backups of this database yet."), 1)
        layout.addWidget(buttons)

    def chosen(self) -> BackupInfo | None:
        item = self.list.currentItem()
        if item is None:
            return None
        backup: BackupInfo = item.data(Qt.ItemDataRole.UserRole)
        return backup


def open_restore_dialog(parent: QWidget | None, database_path: Path, close_database: Callable[[], None]) -> bool:
    """File > Restore from backup…: True if a backup was restored; then reopen ``database_path``.

    ``close_database`` must close every connection of the app to the database (Database.close())
    before the file is replaced.
    """
    dialog = RestoreDialog(Path(database_path), parent)
    if not dialog.exec() or (backup := dialog.chosen()) is None:
        return False
    answer = QMessageBox.question(parent, "Restore from backup",
                                  f"Replace the current content of {Path(database_path).name} with the backup "
                                  f"of {format_moment(backup.taken_at)}?\nThe current state is backed up first.")
    if answer != QMessageBox.StandardButton.Yes:
        return False
    close_database()
    try:
        safety = restore_backup(backup.path, Path(database_path))
    except BackupError as exc:
        QMessageBox.critical(parent, "Cannot restore", str(exc))
        return False
    QMessageBox.information(parent, "Restored", f"Restored the backup of {format_moment(backup.taken_at)}.\n"
                            f"The state before the restore was kept as {Path(safety).name}.")
    return True


class FreezeDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Freeze the dataset")
        self.cut_off = QDateEdit(QDate.currentDate())
        self.cut_off.setCalendarPopup(True)
        self.cut_off.setDisplayFormat(QT_FORMATS[current_style()])  # as View ▸ Dates shown as says
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. data for the manuscript submission")
        # the whole hint visible (text margins, frame and cursor room around it); the label above wraps to it
        self.note.setMinimumWidth(self.note.fontMetrics().horizontalAdvance(self.note.placeholderText()) + 24)
        text = QLabel("A freeze records a fingerprint (SHA-256) of every record now. Every later export and "
                      "report names the freeze and says whether the data still match it.")
        text.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(text)
        form.addRow("Cut-off date:", self.cut_off)
        form.addRow("Note:", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[dt.date, str | None]:
        return self.cut_off.date().toPython(), self.note.text().strip() or None  # type: ignore[return-value]


def open_freeze_dialog(parent: QWidget | None, database: Database) -> bool:
    """Tools > Freeze dataset…: True if a freeze was recorded."""
    from storage.safety.freeze import freeze_dataset

    dialog = FreezeDialog(parent)
    if not dialog.exec():
        return False
    cut_off, note = dialog.values()
    with database.session() as session:
        freeze = freeze_dataset(session, cut_off, note)
    head = f"\nAudit trail head at the freeze: {freeze.trail_head[:16]}…" if freeze.trail_head else ""
    QMessageBox.information(parent, "Dataset frozen", f"Freeze {freeze.label}: {freeze.case_count} cases, cut-off "
                            f"{format_date(freeze.cut_off)}, SHA-256 {freeze.content_hash[:16]}…{head}")
    return True


def open_with_lock(parent: QWidget | None, path: Path) -> tuple[Database, Lock | None] | None:
    """Open a database for this window: with its write lock, or read-only if another instance holds it.

    Returns (database, lock) — lock None means read-only — or None if the user cancelled or the
    file cannot be opened (the message has been shown). Release the lock when the window
    closes or switches database: lock.release().
    """
    path = Path(path)
    unwritable = cannot_write(path)
    if unwritable is not None:  # never pretend to be the writer of a file nobody can write
        QMessageBox.information(parent, "Opening read-only",
                                f"{unwritable}, so Casebook opens it read-only: you can look at the cases and "
                                "analyse them, but not change them. To work on it, copy it to a folder you can "
                                "write to.")
        return _open_read_only(parent, path)
    try:
        lock: Lock | None = acquire_lock(path)
    except DatabaseLocked as exc:
        box = QMessageBox(QMessageBox.Icon.Warning, "Database in use", str(exc), QMessageBox.StandardButton.Cancel,
                          parent)
        read_only = box.addButton("Open read-only", QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        if box.clickedButton() is not read_only:
            return None
        lock = None
    try:
        if lock is None and inspect_revision(path) != head_revision():
            raise DatabaseError(f"{path.name} needs a schema upgrade, which only the window holding it may do.")
        database = open_database(path, backup=lock is not None)
    except DatabaseError as exc:
        if lock is not None:
            lock.release()
        QMessageBox.critical(parent, "Cannot open the database", str(exc))
        return None
    except BaseException:
        if lock is not None:  # whatever failed, this window does not hold a database it did not open
            lock.release()
        raise
    if lock is None:
        make_read_only(database.engine)
    return database, lock


def _open_read_only(parent: QWidget | None, path: Path) -> tuple[Database, Lock | None] | None:
    try:
        if inspect_revision(path) != head_revision():
            raise DatabaseError(f"{path.name} needs a schema upgrade, which cannot be done on a file that "
                                "cannot be written. Copy it to a folder you can write to and open the copy.")
        database = open_database(path, backup=False, upgrade_schema=False)
    except DatabaseError as exc:
        QMessageBox.critical(parent, "Cannot open the database", str(exc))
        return None
    make_read_only(database.engine)
    return database, None
