"""Menu entries for the data-safety and data-exchange dialogs, imported only when chosen.

Each entry names a module, a function and how to call it; an entry whose module is not part of
this build is left out. The dialogs collect choices and storage does the work; the window only
reloads afterwards.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

if TYPE_CHECKING:
    from gui.widgets.study_window import StudyWindow


def _call(module: str, function: str) -> Callable[..., Any]:
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def _import_cases(w: StudyWindow) -> None:
    if w.db is not None and _call("gui.data.exchange_dialogs", "open_import_dialog")(w, w.db):
        w.undo_stack.clear()  # the import is its own transaction, outside the undo history
        w.cases_changed(None)


def _export_cases(w: StudyWindow) -> None:
    if w.db is not None:  # the dialog itself says that its file is not encrypted (and de-identifies by default)
        _call("gui.data.exchange_dialogs", "open_export_dialog")(w, w.db)


def _import_template(w: StudyWindow) -> None:
    _call("gui.data.exchange_dialogs", "save_import_template")(w)


def _restore_backup(w: StudyWindow) -> None:
    if w.db is None or not w.form_may_close():
        return
    path, lock = w.db.path, w.lock

    def close_database() -> None:
        assert w.db is not None
        w.db.close()

    if _call("gui.data.backup_dialogs", "open_restore_dialog")(w, path, close_database):
        from storage.database import DatabaseError, open_database

        try:
            db = open_database(path, backup=False)
        except DatabaseError as exc:
            QMessageBox.critical(w, "Cannot open the restored database", str(exc))
            w.set_database(None)
            return
        w.set_database(db, lock)  # same file, same lock; the undo history ends here


def _case_history(w: StudyWindow) -> None:
    case_id = w.case_list.current_case_id()
    row = w.case_list.model.row_of_case(case_id) if case_id is not None else None
    if w.db is None or row is None:
        QMessageBox.information(w, "History of this case", "Select a case in the list first.")
        return
    _call("gui.data.audit_view", "open_case_history")(w, w.db, w.case_list.model.summary(row).study_id)


def _freeze(w: StudyWindow) -> None:
    if w.db is not None:
        _call("gui.data.backup_dialogs", "open_freeze_dialog")(w, w.db)


def _verify(w: StudyWindow) -> None:
    if w.db is not None:
        _call("gui.data.audit_view", "show_verification")(w, w.db)


def _custom_fields(w: StudyWindow) -> None:
    _call("gui.study.custom_fields_dialog", "open_custom_fields_dialog")(w)


def _data_quality(w: StudyWindow) -> None:
    _call("gui.data.data_quality", "open_data_quality")(w)


def _backup_now(w: StudyWindow) -> None:
    if w.db is None:
        return
    from storage.safety.backup import BackupError, backup_database

    try:
        target = backup_database(w.db.path, "manual")
    except BackupError as exc:
        QMessageBox.critical(w, "Backup failed", str(exc))
        return
    QMessageBox.information(w, "Backup made", f"A consistent copy of the database is in\n{target}")


def _save_copy(w: StudyWindow) -> None:
    if w.db is None:
        return
    from gui.widgets.file_dialogs import save_file_name
    from storage.safety.backup import BackupError, copy_database

    path, _ = save_file_name(w, "Save a backup copy", w.db.path.stem + "-copy.db", "Casebook database (*.db)")
    if not path:
        return
    try:
        target = copy_database(w.db.path, Path(path))
    except BackupError as exc:
        QMessageBox.critical(w, "Copy failed", str(exc))
        return
    QMessageBox.information(
        w, "Copy saved", f"{target}\nholds every case, including identifying data: keep it as safe as the original."
    )


# (menu, label, module, handler, needs a database)
ENTRIES: list[tuple[str, str, str, Callable[[StudyWindow], None], bool]] = [
    ("file", "&Import cases…", "gui.data.exchange_dialogs", _import_cases, True),
    ("file", "&Export cases…", "gui.data.exchange_dialogs", _export_cases, True),
    ("file", "Save empty import &template…", "gui.data.exchange_dialogs", _import_template, False),
    ("file", "Back &up now", "storage.safety.backup", _backup_now, True),
    ("file", "Save a backup &copy as…", "storage.safety.backup", _save_copy, True),
    ("file", "Restore from &backup…", "gui.data.backup_dialogs", _restore_backup, True),
    ("file", "E&ncrypt this database…", "gui.data.encryption_dialogs",
     lambda w: _call("gui.data.encryption_dialogs", "encrypt_this_database")(w), True),
    ("file", "Change &passphrase…", "gui.data.encryption_dialogs",
     lambda w: _call("gui.data.encryption_dialogs", "change_passphrase_of")(w), True),
    ("edit", "&History of this case…", "gui.data.audit_view", _case_history, True),
    ("tools", "&Custom fields…", "gui.study.custom_fields_dialog", _custom_fields, True),
    ("tools", "&Data quality…", "gui.data.data_quality", _data_quality, True),
    ("tools", "&Freeze dataset…", "gui.data.backup_dialogs", _freeze, True),
    ("tools", "&Reasons for changes…", "gui.data.change_reasons",
     lambda w: _call("gui.data.change_reasons", "choose_reason_policy")(w), True),
    ("tools", "&Verify audit trail and database…", "gui.data.audit_view", _verify, True),
]


def install(window: StudyWindow, menus: dict[str, QMenu]) -> list[QAction]:
    """Add the entries whose modules exist; returns the actions that need an open database."""
    needing_db = []
    for menu_name, label, module, handler, needs_db in ENTRIES:
        if importlib.util.find_spec(module) is None:
            continue
        action = QAction(label, window)
        action.triggered.connect(lambda _checked=False, h=handler: h(window))
        menus[menu_name].addAction(action)
        if needs_db:
            needing_db.append(action)
    return needing_db
