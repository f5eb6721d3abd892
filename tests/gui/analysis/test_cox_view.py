"""The Analysis tab's "Cox model" view driven as a user would: grouping, covariates, reference, the HR on
the Kaplan–Meier figure, the confidence level, and the numbers equal to analysis.statistics.models."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from analysis.statistics.models import analyse_models
from gui.analysis.tab import AnalysisTab
from storage.database import Database


@pytest.fixture
def tab(qtbot: QtBot, demo_db: Database) -> AnalysisTab:
    widget = AnalysisTab(demo_db)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    if widget.outcome is None:
        with qtbot.waitSignal(widget.computed, timeout=30000):
            pass
    return widget


def group_by(qtbot: QtBot, tab: AnalysisTab, field: str) -> None:
    with qtbot.waitSignal(tab.computed, timeout=30000):
        tab.group_by.setCurrentIndex(tab.group_by.findData(field))


def open_view(qtbot: QtBot, tab: AnalysisTab) -> None:
    with qtbot.waitSignal(tab.cox_view.computed, timeout=30000):
        tab.views.setCurrentWidget(tab.cox_view)


def test_without_a_grouping_the_view_asks_for_one(qtbot: QtBot, tab: AnalysisTab) -> None:
    open_view(qtbot, tab)
    assert "Choose a grouping" in tab.cox_view.message.text()
    assert not tab.cox_view.cox_panel.isVisible()


def test_grouping_gives_the_hazard_ratio_of_the_module(qtbot: QtBot, tab: AnalysisTab) -> None:
    group_by(qtbot, tab, "prior_hsct")
    open_view(qtbot, tab)
    assert tab.outcome is not None
    expected = analyse_models(tab.outcome.result).cox
    assert expected is not None
    row = tab.cox_view.cox_panel.model.table.rows[0]
    assert row[0] == "Previous allogeneic HSCT: yes vs no"
    assert row[1] == f"{expected.coefficients[0].hazard_ratio:.2f} (95% CI 0.52 to 15.89)"
    text = tab.cox_view.text.toPlainText()
    assert "Gray's test" in text and "Fine–Gray" in text and "Efron ties" in text


def test_a_covariate_and_a_reference_change_the_model(qtbot: QtBot, tab: AnalysisTab) -> None:
    group_by(qtbot, tab, "prior_hsct")
    open_view(qtbot, tab)
    view = tab.cox_view
    age = next(view.covariates_list.item(i) for i in range(view.covariates_list.count())
               if view.covariates_list.item(i).data(Qt.ItemDataRole.UserRole) == "age")
    with qtbot.waitSignal(view.computed, timeout=30000):
        age.setCheckState(Qt.CheckState.Checked)
    assert [r[0] for r in view.cox_panel.model.table.rows] == ["Previous allogeneic HSCT: yes vs no",
                                                                "Age at salvage, years (per 1)"]
    with qtbot.waitSignal(view.computed, timeout=30000):
        view.reference_combo.setCurrentIndex(view.reference_combo.findData("yes"))
    assert view.cox_panel.model.table.rows[0][0] == "Previous allogeneic HSCT: no vs yes"


def test_the_hazard_ratio_on_the_km_figure(qtbot: QtBot, tab: AnalysisTab) -> None:
    group_by(qtbot, tab, "prior_hsct")
    open_view(qtbot, tab)
    tab.cox_view.on_figure.setChecked(True)
    tab.views.setCurrentIndex(0)
    from matplotlib.text import Text

    texts = [t.get_text() for t in tab.km.figure.findobj(Text)]  # the style's annotation box holds it
    assert any(t.startswith("yes vs no: HR 2.87") for t in texts)


def test_the_confidence_level_reaches_every_ci(qtbot: QtBot, tab: AnalysisTab, tmp_path: Path) -> None:
    group_by(qtbot, tab, "prior_hsct")
    with qtbot.waitSignal(tab.computed, timeout=30000):
        tab.conf_level.setCurrentIndex(tab.conf_level.findData(0.90))
    assert tab.outcome is not None and tab.outcome.result.conf_level == 0.90
    assert "90% CI" in tab.outcome.rates.note
    open_view(qtbot, tab)
    assert "(90% CI" in tab.cox_view.cox_panel.model.table.rows[0][1]
    tab.export_tables_to(tmp_path / "t.xlsx")  # the Cox and Fine–Gray sheets come along
    from openpyxl import load_workbook

    assert "Cox" in load_workbook(tmp_path / "t.xlsx").sheetnames
