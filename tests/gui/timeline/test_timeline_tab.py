"""The Timeline tab driven as a user would: switch views, point, click, export, add a case."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from gui.timeline.tab import CALENDAR, SWIMMER, TIMELINE, WHOLE_HISTORY, TimelineTab
from storage.database import Database
from storage.record.models import Case, Death, SalvageCourse
from storage.views import timelines as tl

MONTH = 30.4375


@pytest.fixture
def tab(qtbot: QtBot, demo_db: Database) -> TimelineTab:
    widget = TimelineTab(demo_db)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.refresh()
    return widget


def _show(tab: TimelineTab, view: str) -> None:
    tab.view.setCurrentText(view)
    tab.canvas.draw()


def _qt_point(tab: TimelineTab, x_data: float, lane: str) -> QPoint:
    """Canvas widget coordinates of a data point (matplotlib counts pixels from the bottom)."""
    assert tab.drawn is not None
    x, y = tab.drawn.ax.transData.transform((x_data, tab.drawn.lanes.index(lane)))
    ratio = tab.canvas.device_pixel_ratio
    return QPoint(round(x / ratio), round((tab.figure.bbox.height - y) / ratio))


def test_swimmer_view_shows_the_eight_demo_lanes(tab: TimelineTab) -> None:
    _show(tab, SWIMMER)
    assert tab.drawn is not None
    assert tab.drawn.lanes[:2] == ["P02", "P06"] and len(tab.drawn.lanes) == 8
    assert len(tab.drawn.arrows) == 2
    assert "time zero" in tab.caption.text()
    assert not tab.axis.isEnabled() and not tab.range.isEnabled()


def test_patient_timeline_is_the_default_and_zooms_around_salvage(tab: TimelineTab) -> None:
    assert tab.view.currentText() == TIMELINE
    assert tab.drawn is not None and len(tab.drawn.lanes) == 8
    assert tab.drawn.ax.get_xlim() == (-3.0, 15.0)
    tab.range.setCurrentText(WHOLE_HISTORY)
    assert tab.drawn.ax.get_xlim()[0] < -100  # back to P01's diagnosis
    tab.axis.setCurrentText(CALENDAR)
    assert not tab.range.isEnabled() and "Calendar" in tab.drawn.ax.get_xlabel()


def test_refresh_after_adding_a_ninth_case_shows_nine_lanes(tab: TimelineTab, demo_db: Database) -> None:
    _show(tab, SWIMMER)
    with demo_db.session() as session:
        case = Case(study_id="P09", initial_diagnosis_date=dt.date(2020, 1, 2), last_follow_up=dt.date(2021, 3, 1))
        case.courses = [SalvageCourse(course_number=1, start_date=dt.date(2020, 3, 2))]
        case.death = Death(death_date=dt.date(2021, 3, 1), cause="disease")
        session.add(case)
    tab.refresh()
    assert tab.drawn is not None and len(tab.drawn.lanes) == 9
    assert tab.drawn.count(tl.DEATH) == 7
    _show(tab, TIMELINE)
    assert tab.drawn.lanes[-1] == "P09"


def test_clicking_a_death_marker_opens_the_death_record(tab: TimelineTab, qtbot: QtBot) -> None:
    _show(tab, SWIMMER)
    p03 = next(t for t in tab.timelines if t.study_id == "P03")
    (death,) = p03.of_kind(tl.DEATH)
    point = _qt_point(tab, (death.date - p03.time_zero).days / MONTH, "P03")  # type: ignore[operator]
    with qtbot.waitSignal(tab.openRecord, timeout=2000) as signal:
        qtbot.mouseClick(tab.canvas, Qt.MouseButton.LeftButton, pos=point)
    assert signal.args == [p03.case_id, "deaths", death.record.record_id]
    assert "disease-related" in tab.details.text()


def test_clicking_an_assessment_in_the_timeline_opens_that_assessment(tab: TimelineTab, qtbot: QtBot) -> None:
    p05 = next(t for t in tab.timelines if t.study_id == "P05")
    post = p05.of_kind(tl.ASSESSMENT)[1]
    point = _qt_point(tab, (post.date - p05.time_zero).days / MONTH, "P05")  # type: ignore[operator]
    emitted: list[tuple[int, str, int]] = []
    tab.openRecord.connect(lambda *args: emitted.append(args))
    qtbot.mouseClick(tab.canvas, Qt.MouseButton.LeftButton, pos=point)
    assert emitted == [(p05.case_id, "response_assessments", post.record.record_id)]  # once, not per artist


def test_pointing_at_a_marker_shows_its_details(tab: TimelineTab, qtbot: QtBot) -> None:
    p01 = next(t for t in tab.timelines if t.study_id == "P01")
    (transplant,) = p01.of_kind(tl.TRANSPLANT)
    point = _qt_point(tab, (transplant.date - p01.time_zero).days / MONTH, "P01")  # type: ignore[operator]
    qtbot.mouseMove(tab.canvas, point)
    qtbot.waitUntil(lambda: "HSCT after salvage" in tab.details.text(), timeout=2000)
    assert "haploidentical" in tab.details.text()


def test_export_writes_300_dpi_png_svg_and_pdf(tab: TimelineTab, tmp_path: Path) -> None:
    _show(tab, SWIMMER)
    png = tab.export_figure(tmp_path / "swimmer.png").read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    assert png.startswith(b"\x89PNG") and width >= 2000  # 174 mm at 300 dpi
    assert tab.export_figure(tmp_path / "swimmer.svg").read_text(encoding="utf-8").count("<svg") == 1
    assert tab.export_figure(tmp_path / "swimmer.pdf").read_bytes().startswith(b"%PDF")


def test_export_dialog_adds_the_suffix_of_the_chosen_format(
    tab: TimelineTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "figure1"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(chosen), "PDF document (*.pdf)")))
    tab.export_dialog()
    assert (tmp_path / "figure1.pdf").read_bytes().startswith(b"%PDF")
    assert "figure1.pdf" in tab.details.text()


def test_resize_is_debounced(tab: TimelineTab, qtbot: QtBot) -> None:
    before = tab.figure.get_size_inches().copy()
    tab.resize(900, 700)
    tab.resize(1000, 650)
    assert (tab.figure.get_size_inches() == before).all()  # not yet: the user may still be dragging
    qtbot.waitUntil(lambda: tab.figure.get_size_inches()[0] < before[0], timeout=2000)


def test_large_cohorts_are_capped_and_the_caption_says_so(
    tab: TimelineTab, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gui.timeline.tab as module

    monkeypatch.setattr(module, "MAX_LANES", 5)
    tab.refresh()
    assert tab.drawn is not None and tab.drawn.lanes == ["P01", "P02", "P03", "P04", "P05"]
    assert "first 5 of 8 cases" in tab.caption.text()


def test_show_cases_restricts_the_plot_to_a_selection(tab: TimelineTab) -> None:
    chosen = [t.case_id for t in tab.timelines if t.study_id in ("P03", "P07")]
    tab.show_cases(chosen)
    assert tab.drawn is not None and tab.drawn.lanes == ["P03", "P07"]
    tab.show_cases(None)
    assert len(tab.drawn.lanes) == 8


def test_swimmer_exports_tiff_at_the_chosen_dpi_without_burned_in_caption(tab: TimelineTab, tmp_path: Path) -> None:
    from PIL import Image

    _show(tab, SWIMMER)
    tab.style_keeper.change(tab.style_keeper.style.changed(dpi=600), "dpi")
    with Image.open(tab.export_figure(tmp_path / "swimmer.tiff")) as image:
        assert image.mode == "RGB" and image.info["compression"] == "tiff_lzw"
        assert image.info["dpi"] == pytest.approx((600, 600))
        assert image.size[0] == pytest.approx(174 / 25.4 * 600, abs=1)
    svg = tab.export_figure(tmp_path / "swimmer.svg").read_text(encoding="utf-8")
    assert "Swimmer plot: one lane per case" not in svg  # the caption stays beside the figure
    tab.style_keeper.change(tab.style_keeper.style.changed(caption=True), "caption")
    svg = tab.export_figure(tmp_path / "captioned.svg").read_text(encoding="utf-8")
    assert "Swimmer plot: one lane per case" in svg  # burned in only when asked


def test_format_dialog_for_the_timeline_shows_its_own_controls(tab: TimelineTab, qtbot: QtBot) -> None:
    dialog = tab.format_figure()
    qtbot.addWidget(dialog)
    assert set(dialog.controls) == {"title", "font_family", "font_size", "timeline_width_mm", "height_mm", "dpi",
                                    "caption"}
    dialog.controls["title"].setText("Figure 2")
    dialog.controls["title"].textEdited.emit("Figure 2")
    assert tab.style_keeper.style.title == "Figure 2"
    dialog.undo_button.click()
    assert tab.style_keeper.style.title == ""
