"""The Analysis tab driven as a user would: endpoint, population, grouping, CI bands, exports.

The computation runs on a worker thread; each step waits for the tab's ``computed`` signal.
Image checks: the tab's exported KM figure must equal the one ``casebook figure`` writes, and the
on-screen grouped plot (the study style: no bands when groups are compared, 12-month ticks) must match
tests/gui/analysis/baseline/analysis_km_prior_hsct.png (regenerated and looked at for issue 11).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui.analysis.tab import AnalysisTab
from gui.analysis.views import EndpointDialog
from storage.database import Database

ROOT = Path(__file__).resolve().parents[3]
GROUPED_BASELINE = Path(__file__).parent / "baseline" / "analysis_km_prior_hsct.png"
TOLERANCE_RMS = 0.5


def wait(qtbot: QtBot, tab: AnalysisTab) -> None:
    with qtbot.waitSignal(tab.computed, timeout=30000):
        pass


def choose(combo: object, data: object) -> None:
    combo.setCurrentIndex(combo.findData(data))  # type: ignore[attr-defined]


@pytest.fixture
def tab(qtbot: QtBot, demo_db: Database) -> AnalysisTab:
    widget = AnalysisTab(demo_db)
    qtbot.addWidget(widget)
    widget.resize(1280, 900)
    widget.show()
    qtbot.waitExposed(widget)
    if widget.outcome is None:
        wait(qtbot, widget)
    return widget


def km_rows(tab: AnalysisTab) -> list[tuple[str, ...]]:
    return list(tab.km_table.model.table.rows)


def test_creating_the_tab_does_not_wait_for_the_computation(qtbot: QtBot, demo_db: Database) -> None:
    widget = AnalysisTab(demo_db)
    qtbot.addWidget(widget)
    assert widget.outcome is None  # the constructor returned before any result: it runs off the GUI thread
    wait(qtbot, widget)
    assert widget.outcome is not None


def test_overall_survival_median_and_landmarks(tab: AnalysisTab) -> None:
    (row,) = km_rows(tab)
    assert row[:5] == ("all", "8", "6", "2", "8.0 (3.0 to not reached)")
    assert row[5] == "50.0% (25.0% to 99.98%); 4 / 4 / 0"  # 0.9998: never printed as a clipped 100.0%
    assert row[6] == "37.5% (15.3% to 91.7%); 3 / 5 / 0"
    assert "Greenwood, log transform" in tab.km.caption.text()
    assert "R/SAS midpoint rule" in tab.km.caption.text() and "months" in tab.km.caption.text()
    assert "midpoint" in tab.km_table.note.text()
    assert "No group comparison" in tab.logrank.text() and "62.5 months" in tab.logrank.text()


def test_log_log_ci(qtbot: QtBot, tab: AnalysisTab) -> None:
    tab.conf_type.setCurrentText("log-log")
    wait(qtbot, tab)
    assert km_rows(tab)[0][6].startswith("37.5% (8.7% to 67.4%)")


def test_responders_efs_median_is_4_months(qtbot: QtBot, tab: AnalysisTab) -> None:
    choose(tab.endpoint, "efs")
    choose(tab.where_field, "best_response")
    choose(tab.where_value, "CR")
    wait(qtbot, tab)
    (row,) = km_rows(tab)
    assert row[1] == "5" and row[4].startswith("4.0 (")
    assert "Best response after salvage = complete remission" in tab.status.text() and "3 not analysed" in tab.status.text()
    assert "P05: not analysed" in tab.explanations.toPlainText()


def test_more_conditions_and_a_bad_one(qtbot: QtBot, tab: AnalysisTab) -> None:
    choose(tab.where_field, "responder")
    choose(tab.where_value, "yes")
    tab.more_where.setText("sex=f")
    wait(qtbot, tab)
    assert km_rows(tab)[0][1] == "3"  # P01, P03, P04: women in remission
    tab.more_where.setText("colour=red")
    wait(qtbot, tab)
    assert "Cannot analyse: Unknown field 'colour'" in tab.status.text()


def test_group_by_shows_curves_risk_table_and_logrank(qtbot: QtBot, tab: AnalysisTab) -> None:
    choose(tab.group_by, "prior_hsct")
    wait(qtbot, tab)
    assert [r[0] for r in km_rows(tab)] == ["no", "yes"]
    assert "chi-square 1.507" in tab.logrank.text() and "p = 0.2196" in tab.logrank.text()
    plot, table = tab.km.figure.axes
    legend = plot.get_legend()
    assert legend is not None and len(legend.get_texts()) == 2
    # the number at risk sits under the x ticks: one column per tick, same x
    ticks = sorted(float(t) for t in plot.get_xticks())
    assert sorted({round(t.get_position()[0], 6) for t in table.texts}) == [round(t, 6) for t in ticks]
    assert {t.get_text() for t in table.texts} >= {"4 (0)", "0 (4)"}
    assert "Table 1" in tab.table1.title.text()
    assert tab.table1.model.table.columns[1:] == ("Previous allogeneic HSCT = no (n = 4)",
                                                  "Previous allogeneic HSCT = yes (n = 4)", "All (n = 8)")


def test_ci_bands_can_be_turned_off(qtbot: QtBot, tab: AnalysisTab) -> None:
    plot = tab.km.figure.axes[0]
    assert plot.collections  # a band: one curve, the style's default
    assert "95% CI: Greenwood, log transform" in tab.km.caption.text()
    tab.show_ci.setChecked(False)
    plot = tab.km.figure.axes[0]
    assert not plot.collections
    assert "CI" not in tab.km.caption.text().split(";")[1]


def test_groups_are_compared_without_overlapping_bands(qtbot: QtBot, tab: AnalysisTab) -> None:
    choose(tab.group_by, "prior_hsct")
    wait(qtbot, tab)
    assert not tab.km.figure.axes[0].collections
    assert list(tab.km.figure.axes[0].get_xticks()) == [0, 12, 24, 36, 48, 60, 72]


def test_rates_and_cumulative_incidence(tab: AnalysisTab) -> None:
    rows = {r[0]: r for r in tab.rates.model.table.rows}
    assert rows["Complete remission (CR or CRi)"][1:] == ("5/8", "62.5%", "24.5–91.5%")
    assert rows["Complication: fever or SIRS"][1] == "2/8"
    assert "Clopper–Pearson" in tab.rates.note.text()
    assert tab.cif.figure.axes and "Aalen–Johansen" in tab.cif.caption.text()


def test_recomputes_are_debounced(qtbot: QtBot, tab: AnalysisTab) -> None:
    before = tab.runner.generation
    for text in ("1", "12", "12,", "12, 2", "12, 24"):
        tab.landmarks.setText(text)
    wait(qtbot, tab)
    assert tab.runner.generation == before + 1
    assert len(km_rows(tab)[0]) == 7


def test_refresh_reads_new_cases(qtbot: QtBot, tab: AnalysisTab, demo_db: Database) -> None:
    import datetime as dt

    from storage.record.models import Case, SalvageCourse

    with demo_db.session() as s:
        s.add(Case(study_id="P09", last_follow_up=dt.date(2020, 1, 1),
                   courses=[SalvageCourse(course_number=1, start_date=dt.date(2019, 1, 1))]))
    tab.refresh()
    wait(qtbot, tab)
    assert km_rows(tab)[0][1] == "9"


def test_define_an_endpoint_in_the_dialog(qtbot: QtBot, tab: AnalysisTab, monkeypatch: pytest.MonkeyPatch) -> None:
    def fill(dialog: EndpointDialog) -> int:
        dialog.name.setText("trm")
        dialog.label.setText("Therapy-related mortality-free survival")
        dialog.causes["therapy"].setChecked(True)
        return 1

    monkeypatch.setattr(EndpointDialog, "exec", fill)
    tab.define_endpoint()
    wait(qtbot, tab)
    assert tab.endpoint.currentData() == "trm"
    assert km_rows(tab)[0][2] == "2"  # P01 and P04 died of therapy-related causes


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf", "tiff"])
def test_export_figure_formats(tab: AnalysisTab, tmp_path: Path, suffix: str) -> None:
    path = tab.export_figure_to(tmp_path / f"km.{suffix}")
    assert path.stat().st_size > 1000


def test_export_double_column_width(tab: AnalysisTab, tmp_path: Path) -> None:
    from matplotlib.image import imread

    from analysis.rendering.figures import DOUBLE_COLUMN_IN

    image = imread(tab.export_figure_to(tmp_path / "km.png", dpi=200, columns=2))
    assert image.shape[1] == round(DOUBLE_COLUMN_IN * 200)


def test_export_tables_and_report(tab: AnalysisTab, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    tab.export_tables_to(tmp_path / "tables.xlsx")
    assert len(load_workbook(tmp_path / "tables.xlsx").sheetnames) == 4
    tab.views.setCurrentWidget(tab.rates)
    tab.export_tables_to(tmp_path / "rates.csv")
    assert "Complete remission" in (tmp_path / "rates.csv").read_text(encoding="utf-8-sig")
    assert tab.write_report_to(tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_exported_figure_is_the_one_the_figure_command_writes(tab: AnalysisTab, tmp_path: Path) -> None:
    """Clicking and scripting give the same file: one study style, one drawing."""
    from main import main

    actual = tab.export_figure_to(tmp_path / "tab.png")
    assert main(["figure", "--db", str(tab.database.path), "--out", str(tmp_path / "cli.png")]) == 0
    assert compare_images(str(tmp_path / "cli.png"), str(actual), tol=0.01) is None


def render_grouped(tab: AnalysisTab, path: Path) -> Path:
    tab.km.figure.set_size_inches(7.0, 5.0)
    tab.km.redraw()
    tab.km.figure.savefig(path, dpi=100, facecolor="white")
    return path


def test_on_screen_grouped_plot_matches_baseline(qtbot: QtBot, tab: AnalysisTab, tmp_path: Path) -> None:
    choose(tab.group_by, "prior_hsct")
    wait(qtbot, tab)
    actual = render_grouped(tab, tmp_path / "grouped.png")
    assert GROUPED_BASELINE.exists(), "baseline missing: render, inspect, then commit it"
    assert compare_images(str(GROUPED_BASELINE), str(actual), tol=TOLERANCE_RMS) is None


def test_main_window_opens_the_tab_and_refreshes_it(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    """Shown from the main window (lazily created with (database, parent)), the tab computes the demo OS."""
    from PySide6.QtCore import QSettings

    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings

    window = MainWindow(demo_db, Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)))
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(2)
    tab = window.tabs.widget(2)
    assert isinstance(tab, AnalysisTab)
    if tab.outcome is None:
        wait(qtbot, tab)
    assert km_rows(tab)[0][4] == "8.0 (3.0 to not reached)"
    window.grab().save(str(tmp_path / "window.png"))


def test_export_dialogs_write_the_chosen_format(tab: AnalysisTab, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "figure"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "TIFF image (*.tiff)"))
    tab.export_figure_dialog()
    assert (tmp_path / "figure.tiff").read_bytes()[:4] == b"II*\x00"
    from PIL import Image

    with Image.open(tmp_path / "figure.tiff") as image:  # the study style's dpi and width
        assert image.mode == "RGB" and image.info["dpi"] == pytest.approx((300, 300))
        assert image.size[0] == pytest.approx(85 / 25.4 * 300, abs=1)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "report"), "PDF"))
    tab.report_dialog()
    assert (tmp_path / "report.pdf").exists()
    assert "Wrote" in tab.status.text()


def test_changing_the_unit_converts_the_landmarks(qtbot: QtBot, tab: AnalysisTab) -> None:
    months = km_rows(tab)[0]
    assert tab.km_table.model.table.columns[5].startswith("S(12 months) (95% CI)")
    tab.unit.setCurrentText("years")
    wait(qtbot, tab)
    assert tab.landmarks.text() == "1, 3"
    assert tab.km_table.model.table.columns[5:7] == ("S(1 year) (95% CI); at risk / events / censored",
                                                    "S(3 years) (95% CI); at risk / events / censored")
    assert km_rows(tab)[0][5:] == months[5:]  # the same estimates, not "not available"
    tab.unit.setCurrentText("days")
    wait(qtbot, tab)
    assert tab.landmarks.text() == "365, 1096"
    assert km_rows(tab)[0][5:] == months[5:]
    tab.unit.setCurrentText("months")
    wait(qtbot, tab)
    assert tab.landmarks.text() == "12, 36" and km_rows(tab)[0] == months


@pytest.mark.parametrize("text", ["1 3", "abc"])
def test_unreadable_landmarks_say_the_rule(qtbot: QtBot, tab: AnalysisTab, text: str) -> None:
    assert tab.landmark_message.isHidden()
    tab.landmarks.setText(text)
    assert not tab.landmark_message.isHidden()
    assert "landmarks: numbers separated by commas, e.g. 12, 36" in tab.landmark_message.text()
    assert repr(text) in tab.landmark_message.text()
    wait(qtbot, tab)
    assert len(km_rows(tab)[0]) == 5  # no landmark column rather than a guess
    tab.landmarks.setText("12, 36")
    assert tab.landmark_message.isHidden()


def test_long_endpoint_label_is_shown_whole_and_the_toolbar_fits(qtbot: QtBot, tab: AnalysisTab) -> None:
    choose(tab.endpoint, "efs-tf")
    wait(qtbot, tab)
    full = "Event-free survival, treatment failure as event at day 0"  # its name, not its key (efs-tf)
    assert tab.endpoint.currentText() == full and tab.endpoint.toolTip() == full
    i = tab.endpoint.currentIndex()
    assert tab.endpoint.itemData(i, Qt.ItemDataRole.ToolTipRole) == full
    assert tab.endpoint.view().minimumWidth() > tab.endpoint.fontMetrics().horizontalAdvance(full)
    assert tab.endpoint.width() >= 300  # most of the label in the box itself
    assert tab.width() == 1280
    for widget in (tab.group_by, tab.report_button, tab.more_where):  # nothing pushed past the right edge
        assert widget.isVisible() and widget.geometry().right() < tab.width()
