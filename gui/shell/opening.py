"""Opening a database for this window under the single-writer lock (storage.safety.lock).

gui.data.backup_dialogs.open_with_lock asks what to do when another instance holds the database;
until that module exists, a database is opened without a lock.

Storage (SQLAlchemy and the models, about 0.3 s to import) is imported inside the functions, so
that the main window can be painted before any of it is loaded (gui.shell.app opens the database after).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from storage.database import Database

Opened = tuple["Database", Any]  # the database and its lock (None: unlocked or read-only)

UNATTENDED = "CASEBOOK_QUIT_AFTER_START"


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def make_dialogs_unattended() -> None:
    """For the start-up test: message boxes print and answer Cancel instead of waiting for a click."""

    def say(_parent: Any, title: str, text: str, *_a: Any, **_k: Any) -> QMessageBox.StandardButton:
        print(f"{title}: {text}", file=sys.stderr, flush=True)
        return QMessageBox.StandardButton.Cancel

    def closed(box: QMessageBox) -> int:
        print(f"{box.windowTitle()}: {box.text()}", file=sys.stderr, flush=True)
        return 0  # as if closed: no button clicked

    for name in ("critical", "warning", "information", "question"):
        setattr(QMessageBox, name, staticmethod(say))
    QMessageBox.exec = closed  # type: ignore[method-assign, assignment]


def unattended() -> bool:
    return bool(os.environ.get(UNATTENDED))


def open_existing(parent: QWidget | None, path: Path) -> Opened | None:
    """Open with the write lock (or read-only, if the user agrees); None if cancelled or refused."""
    if _has("gui.data.encryption_dialogs") and not _ask_to_unlock(parent, Path(path)):
        return None  # an encrypted file whose passphrase was not given: nothing opened, nothing written
    if _has("gui.data.backup_dialogs"):
        from gui.data.backup_dialogs import open_with_lock

        result: Opened | None = open_with_lock(parent, Path(path))
        if result is not None and _has("gui.data.encryption_dialogs"):
            from gui.data.encryption_dialogs import warn_if_plain_copy_of_encrypted

            warn_if_plain_copy_of_encrypted(parent, Path(path))
        return result
    from storage.database import DatabaseError, open_database

    try:
        return open_database(Path(path)), None
    except DatabaseError as exc:
        QMessageBox.critical(parent, "Cannot open the database", str(exc))
        return None


def create_new(path: Path) -> Opened:
    """A new empty database, locked for this window. Raises DatabaseError (e.g. the file exists)."""
    from storage.database import DatabaseError, create_database

    passphrase = None
    from PySide6.QtWidgets import QApplication

    # Encrypted is the default for a new study: asked in a dialog (not in the start-up test, nor without Qt).
    if _has("gui.data.encryption_dialogs") and not unattended() and QApplication.instance() is not None:
        from gui.data.encryption_dialogs import ask_new_passphrase

        go_on, passphrase = ask_new_passphrase(QApplication.activeWindow(), Path(path))
        if not go_on:
            raise DatabaseError("No database was created (cancelled).")
    db = create_database(Path(path), passphrase)
    if passphrase is not None:
        from gui.data.encryption_dialogs import show_recovery_sheet

        show_recovery_sheet(QApplication.activeWindow(), db.path)
    return db, take_lock(db)


def _ask_to_unlock(parent: QWidget | None, path: Path) -> bool:
    from gui.data.encryption_dialogs import ask_to_unlock

    return ask_to_unlock(parent, path)


def take_lock(db: Database) -> Any:
    """The write lock of a database this window just created (nobody else can hold it yet)."""
    if not _has("storage.safety.lock"):
        return None
    from storage.safety.lock import DatabaseLocked, acquire_lock

    try:
        return acquire_lock(db.path)
    except DatabaseLocked:
        return None


def release(lock: Any) -> None:
    if lock is not None:
        lock.release()


def is_read_only(db: Database) -> bool:
    """True if the database was opened read-only (another instance holds its lock)."""
    with db.engine.connect() as connection:
        return bool(connection.exec_driver_sql("PRAGMA query_only").scalar())
