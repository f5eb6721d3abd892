"""The Patients view's endpoint explanations quote dates as View ▸ Dates shown as says, and again when it changes."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from gui.analysis.tab import AnalysisTab
from gui.widgets import date_display
from storage.database import Database


def test_the_explanations_follow_the_chosen_date_form(qtbot: QtBot, demo_db: Database) -> None:
    tab = AnalysisTab(demo_db)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    if tab.outcome is None:
        with qtbot.waitSignal(tab.computed, timeout=30000):
            pass
    assert "P04: event (death) on 2019-01-16" in tab.explanations.toPlainText()
    date_display.set_style(date_display.DAY_FIRST)
    assert "P04: event (death) on 16.01.2019" in tab.explanations.toPlainText()
    assert "2019-01-16" not in tab.explanations.toPlainText()
