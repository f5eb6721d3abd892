"""The passphrase in the window: asked on opening (a wrong one asked again, the file unchanged), encrypted by
default for a new study, File > Encrypt this database… and File > Change passphrase…."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from gui.data import encryption_dialogs
from gui.data.encryption_dialogs import (
    PassphraseDialog,
    ask_to_unlock,
    change_passphrase_of,
    encrypt_this_database,
)
from gui.shell import opening
from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from storage.generated.demo import write_demo
from storage.safety import encryption

PASSPHRASE = "Station 4b Kaffeemaschine"
REAL_ASK_NEW_PASSPHRASE = encryption_dialogs.ask_new_passphrase  # tests/gui/conftest.py replaces it per test


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    encryption.forget_all()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(encryption_dialogs, "show_recovery_sheet", lambda *a: shown.append("sheet"))
    yield
    encryption.forget_all()


def _typing(monkeypatch: pytest.MonkeyPatch, *entries: dict[str, str]) -> list[str]:
    """Each exec() of a PassphraseDialog fills the fields of the next entry and presses OK (Cancel when none is left)."""
    queue = list(entries)
    problems: list[str] = []

    def exec_(dialog: PassphraseDialog) -> int:
        problems.append(dialog.problem.text())
        if not queue:
            return 0
        entry = queue.pop(0)
        for name, text in entry.items():
            getattr(dialog, name).setText(text)
        dialog._check()
        return int(dialog.result() == QDialog.DialogCode.Accepted)

    monkeypatch.setattr(PassphraseDialog, "exec", exec_)
    return problems


def test_opening_asks_again_after_a_wrong_passphrase_and_leaves_the_file_unchanged(qtbot, monkeypatch,  # type: ignore[no-untyped-def]
                                                                                  tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    write_demo(path, PASSPHRASE).close()
    encryption.forget_all()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    problems = _typing(monkeypatch, {"new": "falsch falsch falsch"}, {"new": PASSPHRASE})
    assert ask_to_unlock(None, path)
    assert "does not open the database" in problems[1]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    encryption.forget_all()
    _typing(monkeypatch)  # cancelled
    assert not ask_to_unlock(None, path)


def test_a_new_study_is_encrypted_by_default(qtbot, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(encryption_dialogs, "ask_new_passphrase", REAL_ASK_NEW_PASSPHRASE)
    _typing(monkeypatch, {"new": PASSPHRASE, "repeated": PASSPHRASE})
    db, lock = opening.create_new(tmp_path / "study.db")
    try:
        assert encryption.is_encrypted(db.path)
    finally:
        db.close()
        opening.release(lock)


def test_a_short_or_mistyped_new_passphrase_is_refused_in_the_dialog(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = PassphraseDialog(None, "new", "study.db")
    qtbot.addWidget(dialog)
    dialog.new.setText("kurz")
    dialog.repeated.setText("kurz")
    dialog._check()
    assert "at least 10 characters" in dialog.problem.text() and dialog.result() != QDialog.DialogCode.Accepted
    dialog.new.setText(PASSPHRASE)
    dialog.repeated.setText(PASSPHRASE + "!")
    dialog._check()
    assert "the two entries differ" in dialog.problem.text()


def test_encrypt_this_database_then_change_its_passphrase_from_the_window(qtbot, monkeypatch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                         settings: Settings) -> None:
    path = tmp_path / "demo.db"
    write_demo(path).close()
    opened = opening.open_existing(None, path)
    assert opened is not None
    window = MainWindow(*opened[:1], settings, lock=opened[1])
    qtbot.addWidget(window)
    _typing(monkeypatch, {"new": PASSPHRASE, "repeated": PASSPHRASE})
    encrypt_this_database(window)
    assert encryption.is_encrypted(path)
    assert window.db is not None and window.lock is not None
    qtbot.waitUntil(lambda: window.case_list.model.rowCount() == 8)  # the cohort, read through the new key
    _typing(monkeypatch, {"old": PASSPHRASE, "new": "Neue Passphrase Station 5", "repeated": "Neue Passphrase Station 5"})
    change_passphrase_of(window)
    assert window.db is not None
    window.set_database(None)
    encryption.forget_all()
    with pytest.raises(encryption.WrongPassphrase):
        encryption.unlock(path, PASSPHRASE)
    encryption.unlock(path, "Neue Passphrase Station 5")


def test_unticking_encrypt_for_a_new_study_leaves_no_passphrase_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = PassphraseDialog(None, "new", "neu.db", encrypt_choice=True)
    qtbot.addWidget(dialog)
    dialog.new.setText("kurz")
    dialog._check()
    assert "at least 10 characters" in dialog.problem.text()
    dialog.encrypt.setChecked(False)
    assert dialog.problem.text() == "" and not dialog.warning.isVisibleTo(dialog)
    assert dialog.windowTitle() == "A new study database, not encrypted" and "plain file" in dialog.intro.text()
    dialog.encrypt.setChecked(True)
    assert dialog.windowTitle() == "Encrypt the study database"


def test_opening_a_plain_copy_of_an_encrypted_study_warns(qtbot, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from storage.safety.encrypting import encrypt_database

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *a, **k: said.append(f"{title}: {text}"))
    path = tmp_path / "demo.db"
    write_demo(path).close()
    shutil.copy(path, tmp_path / "old-plain.db")
    encrypt_database(path, PASSPHRASE)
    path.unlink()
    shutil.copy(tmp_path / "old-plain.db", path)
    opened = opening.open_existing(None, path)
    assert opened is not None
    opened[0].close()
    if opened[1] is not None:
        opened[1].release()
    assert len(said) == 1 and said[0].startswith("A plain copy of an encrypted study") and "was encrypted on" in said[0]
