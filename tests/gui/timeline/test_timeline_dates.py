"""The Timeline tab's marker details show dates as View ▸ Dates shown as says, and again when that changes."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from gui.timeline.tab import SWIMMER, TimelineTab
from gui.widgets import date_display
from storage.database import Database
from storage.views import timelines as tl

MONTH = 30.4375


def test_a_clicked_death_shows_its_date_in_the_chosen_form(qtbot: QtBot, demo_db: Database) -> None:
    tab = TimelineTab(demo_db)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    tab.refresh()
    tab.view.setCurrentText(SWIMMER)
    tab.canvas.draw()
    date_display.set_style(date_display.DAY_FIRST)
    p03 = next(t for t in tab.timelines if t.study_id == "P03")
    (death,) = p03.of_kind(tl.DEATH)
    assert tab.drawn is not None
    x, y = tab.drawn.ax.transData.transform(((death.date - p03.time_zero).days / MONTH,  # type: ignore[operator]
                                             tab.drawn.lanes.index("P03")))
    ratio = tab.canvas.device_pixel_ratio
    point = QPoint(round(x / ratio), round((tab.figure.bbox.height - y) / ratio))
    qtbot.mouseClick(tab.canvas, Qt.MouseButton.LeftButton, pos=point)
    assert "22.06.2017" in tab.details.text() and "2017-06-22" not in tab.details.text()
    date_display.set_style(date_display.ISO)
    assert "2017-06-22" in tab.details.text()
