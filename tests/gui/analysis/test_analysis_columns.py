"""Analysis tables fit their view: long text is elided with the whole text as a tooltip, and the
last column reaches the view's right edge (the Patients view at 1400 px lost its last column)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from analysis.statistics.tables import Table
from gui.analysis.tab import AnalysisTab
from gui.analysis.views import MAX_COLUMN_WIDTH, TablePanel
from storage.database import Database

NOTE = "Relapsed in the CNS after the second course; intrathecal therapy, then " * 4


def _layout(panel: TablePanel) -> tuple[int, int]:
    header = panel.view.horizontalHeader()
    last = header.count() - 1
    return header.sectionPosition(last) + header.sectionSize(last), panel.view.viewport().width()


def test_long_notes_are_elided_with_the_whole_text_as_tooltip(qtbot: QtBot) -> None:
    panel = TablePanel()
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_table(Table("t", ("Case", "Notes", "Status"), (("P01", NOTE, "alive"), ("P02", "short", "dead"))))
    qtbot.wait(10)
    model, header = panel.model, panel.view.horizontalHeader()
    assert header.sectionSize(1) <= MAX_COLUMN_WIDTH
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == NOTE
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole) is None  # short: nothing hidden
    assert model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "Notes"
    assert not panel.view.wordWrap() and panel.view.textElideMode() == Qt.TextElideMode.ElideRight
    right, width = _layout(panel)
    assert header.stretchLastSection() and right == width  # the last column reaches the edge


def test_patients_view_shows_every_column_at_1400_px(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    tab = AnalysisTab(demo_db)
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    qtbot.waitExposed(tab)
    if tab.outcome is None:
        with qtbot.waitSignal(tab.computed, timeout=30000):
            pass
    tab.views.setCurrentIndex(tab.views.indexOf(tab.patients.parentWidget()))  # the Patients page
    qtbot.wait(50)
    panel = tab.patients
    right, width = _layout(panel)
    assert right == width  # no column cut off by the view's edge, the last one stretched to it
    assert panel.view.horizontalScrollBar().maximum() == 0
    rows = panel.model.table.rows
    subtype = panel.model.table.columns.index("Subtype")
    longest = max(range(len(rows)), key=lambda r: len(rows[r][subtype]))
    index = panel.model.index(longest, subtype)
    assert panel.model.data(index, Qt.ItemDataRole.ToolTipRole) == rows[longest][subtype]
    assert tab.grab().save(str(tmp_path / "patients.png"))
    tab.runner.wait()
