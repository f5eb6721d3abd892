"""The Analysis tab's Endpoint box shows each endpoint's name, not its key, and on a 1366×768 screen the
longest built-in name (EFS with treatment failure as event) fits: the box ends it in '…' with the whole
name in its tooltip, and the KM figure's y-axis label wraps instead of running off the figure."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from gui.analysis.tab import AnalysisTab
from storage.database import Database
from tests.gui.analysis.test_analysis_tab import choose, wait

EFS_TF = "Event-free survival, treatment failure as event at day 0"


def test_endpoints_by_name_with_their_keys_as_item_data(qtbot: QtBot, demo_db: Database) -> None:
    tab = AnalysisTab(demo_db)
    qtbot.addWidget(tab)
    tab.resize(1366, 700)  # what the main window gives the tab on a 1366×768 screen
    tab.show()
    qtbot.waitExposed(tab)
    if tab.outcome is None:
        wait(qtbot, tab)
    names = {tab.endpoint.itemData(i): tab.endpoint.itemText(i) for i in range(tab.endpoint.count())}
    assert {"os", "efs", "efs-tf"} <= set(names)
    assert names["os"] == "Overall survival" and names["efs-tf"] == EFS_TF
    assert not any("(" in text for text in names.values())  # no "(os)", "(efs)", "(efs-tf)"
    choose(tab.endpoint, "efs-tf")
    wait(qtbot, tab)
    assert tab.endpoint.toolTip() == EFS_TF
    shown = tab.endpoint.shown_text()
    assert shown.endswith("…") and EFS_TF.startswith(shown[:-1]) and len(shown) > 30
    assert tab.endpoint.width() <= 330
    figure = tab.km.figure
    tab.km.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    label = figure.axes[0].yaxis.label
    box = label.get_window_extent(renderer)
    assert label.get_text().replace("\n", " ") == f"{EFS_TF} (%)"
    assert "\n" in label.get_text()  # wrapped onto two lines
    assert box.y0 >= 0 and box.y1 <= figure.bbox.height and box.x0 >= 0  # whole, inside the figure
