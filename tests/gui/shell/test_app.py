"""Start-up decisions: which database opens, the first-start question, errors as dialogs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from gui.shell import app
from storage.database import create_database


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "Casebook"


def test_default_database_lives_in_the_user_data_folder(data_home: Path) -> None:
    assert app.default_database_path() == data_home / "casebook.db"


def _close(opened: object) -> None:
    assert isinstance(opened, tuple)
    db, lock = opened
    db.close()
    if lock is not None:
        lock.release()


def test_db_flag_on_a_missing_file_means_the_first_start_question(tmp_path: Path, data_home: Path) -> None:
    assert app.initial_database(tmp_path / "study.db", last="") is False
    assert not (tmp_path / "study.db").exists()


def test_db_flag_on_a_new_file_offers_the_demo_in_that_file(qtbot, monkeypatch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           data_home: Path) -> None:
    from sqlalchemy import func, select

    from storage.record.models import Case

    def click(box: QMessageBox) -> int:
        next(b for b in box.buttons() if b.text() == "Open the demo cohort").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click)
    target = tmp_path / "study.db"
    opened = app.ask_first_start(target, demo_path=target)
    assert opened is not None and opened[0].path == target
    with opened[0].session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 8
    assert not app.demo_database_path().exists()  # not the default demo: the file --db named
    _close(opened)


def test_no_database_yet_means_the_first_start_question(data_home: Path) -> None:
    assert app.initial_database(None, last="") is False


def test_the_last_database_opens_again(tmp_path: Path, data_home: Path) -> None:
    create_database(tmp_path / "last.db").close()
    opened = app.initial_database(None, last=str(tmp_path / "last.db"))
    assert isinstance(opened, tuple) and opened[0].path.name == "last.db"
    _close(opened)


def test_a_database_open_elsewhere_is_not_opened_for_writing_without_asking(
    qapp, tmp_path: Path, data_home: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    pytest.importorskip("gui.data.backup_dialogs")
    from storage.safety.lock import acquire_lock

    create_database(tmp_path / "shared.db").close()
    other = acquire_lock(tmp_path / "shared.db")  # as if another process held it
    monkeypatch.setattr("storage.safety.lock.holder", lambda _db: {"user": "someone", "host": "elsewhere", "pid": 1})
    monkeypatch.setattr(QMessageBox, "exec", lambda box: 0)  # the user closes the question
    try:
        assert app.initial_database(tmp_path / "shared.db", last="") is None
    finally:
        other.release()


@pytest.mark.parametrize("choice, cases", [("Start empty", 0), ("Open the demo cohort", 8)])
def test_first_start_offers_empty_or_demo(qtbot, monkeypatch, data_home: Path, choice: str, cases: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from storage.record.models import Case

    def click(box: QMessageBox) -> int:
        for button in box.buttons():
            if button.text() == choice:
                button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click)
    opened = app.ask_first_start(app.default_database_path())
    assert opened is not None
    with opened[0].session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == cases
    _close(opened)


def test_unexpected_errors_become_a_dialog(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "show_error", lambda parent, title, message, details="": shown.append((title, message)))
    monkeypatch.setattr(sys, "excepthook", lambda *a: None)
    monkeypatch.delenv(app.QUIT_AFTER_START, raising=False)
    app.install_excepthook()
    try:
        raise RuntimeError("disk full")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    assert shown and shown[0][0] == "Casebook: something went wrong"
    assert shown[0][1].startswith("disk full")
