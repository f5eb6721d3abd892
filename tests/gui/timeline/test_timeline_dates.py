"""The Timeline tab's marker details show dates as View ▸ Dates shown as says, and again when that changes."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_the_lanes_labels_on_the_calendar_axis_show_dates_in_the_chosen_form(qtbot: QtBot, demo_db: Database,
                                                                             tmp_path: Path) -> None:
    from gui.timeline.tab import CALENDAR

    tab = TimelineTab(demo_db)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.refresh()
    tab.axis.setCurrentText(CALENDAR)
    assert tab.drawn is not None

    def lanes() -> list[str]:
        return [label.get_text() for label in tab.figure.axes[0].get_yticklabels()]

    p03 = next(label for label in lanes() if label.startswith("P03"))
    assert "died 2017-06-22" in p03  # ISO, as the conftest sets
    date_display.set_style(date_display.DAY_FIRST)
    p03 = next(label for label in lanes() if label.startswith("P03"))
    assert "died 22.06.2017" in p03 and "2017-06-22" not in p03
    assert any("22.06.2017" not in label and re.search(r"\d\d\.\d\d\.\d{4}", label) for label in lanes())
    assert not any(re.search(r"\d{4}-\d\d-\d\d", label) for label in lanes())
    tab.grab().save(str(tmp_path / "timeline_day_first.png"))
    exported = tab.render_figure(tab.style_keeper.style)  # a file keeps ISO dates
    assert any("died 2017-06-22" in label.get_text() for label in exported.axes[0].get_yticklabels())
