"""GUI fixtures: settings in a temporary file, never the user's own."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def _dates_shown_in_iso_unless_asked() -> Iterator[None]:
    """Every GUI test starts with dates shown as ISO (View ▸ Dates shown as), whatever the machine's language,
    and a test that chooses 14.03.2019 leaves ISO behind it."""
    from gui.widgets import date_display

    date_display.set_style(date_display.ISO)
    yield
    date_display.set_style(date_display.ISO)
