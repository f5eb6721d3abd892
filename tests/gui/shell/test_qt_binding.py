"""Guard against a Qt binding that leaks references to None (PySide6 6.12.0 on Python 3.11).

Such a binding aborts the application ("none_dealloc") after some tens of thousands of Qt calls,
losing whatever the investigator had not saved.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("P01")
    assert sys.getrefcount(None) - before > -100
