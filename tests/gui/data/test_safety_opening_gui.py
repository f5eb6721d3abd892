"""Point 21 of issue 14: no phantom undo for a refused new case, no lock left by a failed opening,
an unwritable file opened read-only, and messages that say what a read-only medium or full disk is."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

import storage.database
from gui.data import backup_dialogs
from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from storage.database import Database
from storage.generated.demo import write_demo
from storage.record.schema import DatabaseError, inspect_revision
from storage.safety.backup import BackupError
from storage.safety.lock import holder


@pytest.fixture
def window(qtbot, monkeypatch, demo_db: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(demo_db, settings)
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.mark.parametrize("typed, said", [("p01", "already exists"), ("\u042001", "CYRILLIC CAPITAL LETTER ER")])
def test_a_new_case_the_rules_would_refuse_is_refused_in_the_dialog(monkeypatch, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                    typed: str, said: str) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warnings.append(text))
    assert window.new_case(typed) is None
    assert warnings and said in warnings[0]
    assert window.undo_stack.count() == 0


def test_a_new_case_refused_inside_the_step_leaves_no_phantom_undo(monkeypatch, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    import storage.record.case_documents as documents

    monkeypatch.setattr(documents, "study_id_exists", lambda *a, **k: False)  # as if P01 appeared meanwhile
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: None)
    assert window.new_case("P01") is None
    assert window.undo_stack.count() == 0 and not window.undo_action.isEnabled()


def test_a_failed_opening_backup_leaves_no_lock(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "trial.db"
    write_demo(path).close()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a, **k: shown.append(text))

    def full_disk(*_a: object, **_k: object) -> Path:
        raise BackupError("Could not back up trial.db: database or disk is full")

    monkeypatch.setattr(storage.database, "backup_database", full_disk)
    assert backup_dialogs.open_with_lock(None, path) is None
    assert shown and "backup taken on opening failed" in shown[0]
    assert holder(path) is None and not path.with_name("trial.db.lock").exists()


def test_a_file_that_cannot_be_written_opens_read_only_without_a_lock(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "trial.db"
    write_demo(path).close()
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: told.append(text))
    monkeypatch.setattr(backup_dialogs, "cannot_write", lambda _p: "trial.db is on a read-only medium")
    opened = backup_dialogs.open_with_lock(None, path)
    assert opened is not None
    database, lock = opened
    try:
        assert lock is None and "opens it read-only" in told[0]
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA query_only").scalar() == 1
    finally:
        database.close()
    assert not path.with_name("trial.db.lock").exists()


@pytest.mark.parametrize("reason, said", [("disk I/O error", "the disk reported an error"),
                                          ("attempt to write a readonly database", "cannot be written")])
def test_a_read_only_medium_or_disk_error_is_said_in_words(monkeypatch, demo_db: Database, reason: str,
                                                           said: str) -> None:
    def failing(*_a: object, **_k: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError(reason)

    monkeypatch.setattr("storage.record.schema.sqlite3.connect", failing)
    with pytest.raises(DatabaseError) as caught:
        inspect_revision(demo_db.path)
    assert said in str(caught.value) and "cannot be read as a Casebook database" not in str(caught.value)


def test_tools_verify_says_what_it_checked(demo_db: Database) -> None:
    from gui.data.audit_view import verification_text

    ok, text = verification_text(demo_db)
    assert ok
    assert "Audit trail anchors outside the database:" in text and "all match the trail" in text
    assert "Creation entries: all" in text and "Integrity rules: every rule re-checked on all 8 cases" in text
