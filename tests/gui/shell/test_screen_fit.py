"""The window fits the screen it is on: first size, restored geometry, splitter (gui.widgets.screen_fit)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtWidgets import QMessageBox

from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from gui.widgets.screen_fit import available_area, clamp_rect, first_size, sane_splitter_sizes
from storage.database import Database

WARD = QRect(0, 0, 1366, 768)


def test_first_size_is_never_larger_than_the_screen() -> None:
    assert first_size(WARD) == QSize(1366, 768)
    assert first_size(QRect(0, 0, 1920, 1040)) == QSize(1500, 900)


def test_a_geometry_from_a_larger_screen_is_clamped() -> None:
    saved = QRect(300, 200, 1900, 1000)  # left on a 1920×1080 screen
    clamped = clamp_rect(saved, WARD)
    assert clamped == QRect(0, 0, 1366, 768)
    assert clamp_rect(QRect(1200, 700, 600, 400), WARD) == QRect(766, 368, 600, 400)  # moved back on screen


def test_splitter_panes_keep_their_minimum_widths() -> None:
    # The form's panel needs 700 px: a split saved as 1000 / 300 on a wide screen gives it the room.
    assert sane_splitter_sizes([1000, 300], [300, 700], 1300) == [600, 700]
    assert sane_splitter_sizes([500, 800], [300, 700], 1300) == [500, 800]


def test_the_window_opens_inside_a_small_screen(qtbot, monkeypatch, demo_db: Database,  # type: ignore[no-untyped-def]
                                                settings: Settings) -> None:
    """The offscreen test screen (800×800) is smaller than the window's preferred 1500×900."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    big = MainWindow(demo_db, settings)
    big.resize(1900, 1000)
    big.move(400, 300)
    settings.set("geometry", big.saveGeometry())
    big.close()
    win = MainWindow(demo_db, settings)
    qtbot.addWidget(win)
    win.show()
    area = available_area(win)
    assert area.contains(win.frameGeometry()), (win.frameGeometry(), area)
    assert settings.get("geometry") != QByteArray()
