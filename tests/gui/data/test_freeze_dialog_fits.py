"""Tools ▸ Freeze dataset…: the Note field's hint is shown whole, not cut ("e.g. data for the ma…")."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QStyle, QStyleOptionFrame

pytest.importorskip("pytestqt")


def test_the_note_hint_is_shown_whole(qtbot) -> None:  # type: ignore[no-untyped-def]
    from gui.data.backup_dialogs import FreezeDialog

    dialog = FreezeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    note = dialog.note
    option = QStyleOptionFrame()
    note.initStyleOption(option)
    inside = note.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, note)
    margins = note.textMargins()
    room = inside.width() - margins.left() - margins.right() - 4  # QLineEdit's own horizontal margin, both sides
    assert note.fontMetrics().horizontalAdvance(note.placeholderText()) <= room
    assert dialog.width() <= 1366 - 40  # still a small dialog on the ward screen
