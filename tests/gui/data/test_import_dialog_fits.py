"""The import dialog fits a 1366×768 ward screen with its task bar: nothing of it off the screen, nothing cut off."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QAbstractButton, QWidget

from gui.widgets import screen_fit
from storage.database import Database
from tests.storage.interchange import german_sheet

WARD_WITH_TASK_BAR = QRect(0, 0, 1366, 728)  # 1366×768 less a 40-pixel task bar


def test_the_dialog_size_leaves_room_for_the_frame() -> None:
    assert screen_fit.dialog_size(QSize(1240, 700), WARD_WITH_TASK_BAR) == QSize(1240, 688)
    assert screen_fit.dialog_size(QSize(1240, 700), QRect(0, 0, 1920, 1040)) == QSize(1240, 700)
    assert screen_fit.dialog_size(QSize(1240, 700), QRect(0, 0, 1024, 728)) == QSize(1008, 688)


def test_the_import_dialog_fits_a_ward_screen(qtbot, monkeypatch: pytest.MonkeyPatch, empty_db: Database,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    from gui.data.import_dialog import ImportDialog

    monkeypatch.setattr(screen_fit, "available_area", lambda _widget=None: WARD_WITH_TASK_BAR)
    sheet = tmp_path / "sheet.csv"
    with sheet.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(german_sheet.HEADER)
        writer.writerows(german_sheet.rows())
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = ImportDialog(empty_db, parent, path=sheet)
    qtbot.addWidget(dialog)
    size = dialog.size()
    assert size.width() + screen_fit.FRAME_ALLOWANCE.width() <= 1366
    assert size.height() + screen_fit.FRAME_ALLOWANCE.height() <= 728  # 1240×700 did not: 700 + a title bar
    assert dialog.minimumSizeHint().width() <= size.width() and dialog.minimumSizeHint().height() <= size.height()
    dialog.show()
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)
    assert dialog.size() == size  # checking the file does not grow it
    for button in (dialog.check_button, dialog.import_button, *dialog.findChildren(QAbstractButton)):
        if button.isVisibleTo(dialog):
            corner = button.mapTo(dialog, button.rect().bottomRight())
            assert dialog.rect().contains(corner), f"{button.text()!r} is cut off"
