"""GUI fixtures: settings in a temporary file, never the user's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from gui.shell.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture(autouse=True)
def _new_studies_plain_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new database is created plain in GUI tests, without the passphrase dialog (which would wait for a
    click); tests/gui/data/test_encryption_dialogs.py puts the real dialog back."""
    from gui.data import encryption_dialogs

    monkeypatch.setattr(encryption_dialogs, "ask_new_passphrase", lambda *_a: (True, None))
