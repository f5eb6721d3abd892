"""Start-up decisions: which database opens, the first-start question, errors as dialogs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from gui import app
from storage.database import create_database


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "Casebook"


def test_default_database_lives_in_the_user_data_folder(data_home: Path) -> None:
    assert app.default_database_path() == data_home / "casebook.db"


def test_db_flag_creates_a_missing_file(tmp_path: Path, data_home: Path) -> None:
    db = app.initial_database(tmp_path / "study.db", last="")
    assert db is not None and db.path.exists()
    db.close()


def test_no_database_yet_means_the_first_start_question(data_home: Path) -> None:
    assert app.initial_database(None, last="") is None


def test_the_last_database_opens_again(tmp_path: Path, data_home: Path) -> None:
    create_database(tmp_path / "last.db").close()
    db = app.initial_database(None, last=str(tmp_path / "last.db"))
    assert db is not None and db.path.name == "last.db"
    db.close()


@pytest.mark.parametrize("choice, cases", [("Start empty", 0), ("Open the demo cohort", 8)])
def test_first_start_offers_empty_or_demo(qtbot, monkeypatch, data_home: Path, choice: str, cases: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from storage.models import Case

    def click(box: QMessageBox) -> int:
        for button in box.buttons():
            if button.text() == choice:
                button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click)
    db = app.ask_first_start(app.default_database_path())
    assert db is not None
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == cases
    db.close()


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
