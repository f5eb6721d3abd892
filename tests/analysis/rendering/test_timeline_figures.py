"""The swimmer plot and patient timeline drawn from the demo cohort: what a clinician would count."""

from __future__ import annotations

import datetime as dt
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from analysis.rendering.timeline_figures import (
    DrawnPlot,
    draw_patient_timeline,
    draw_swimmer_plot,
    save_figure,
    swimmer_figure,
    timeline_figure,
)
from storage.database import Database
from storage.views import timelines as tl
from storage.views.timelines import CaseTimeline, load_timelines

MONTH = 30.4375
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cohort(demo_db: Database) -> list[CaseTimeline]:
    with demo_db.session() as session:
        return load_timelines(session)


def _lane_widths(drawn: DrawnPlot) -> dict[str, tuple[float, float]]:
    """(left, right) of each lane rectangle, by study ID."""
    out = {}
    for artist, targets in drawn.targets.items():
        if isinstance(artist, Rectangle) and targets[0].kind == "lane":
            out[targets[0].study_id] = (artist.get_x(), artist.get_x() + artist.get_width())
    return out


def _swimmer(cohort: list[CaseTimeline]) -> DrawnPlot:
    ax = Figure().add_subplot()
    return draw_swimmer_plot(ax, cohort)


def test_swimmer_has_eight_lanes_longest_first(cohort: list[CaseTimeline]) -> None:
    drawn = _swimmer(cohort)
    assert len(drawn.lanes) == 8
    assert drawn.lanes[0] == "P02"
    widths = _lane_widths(drawn)
    lengths = [widths[sid][1] for sid in drawn.lanes]
    assert lengths == sorted(lengths, reverse=True)
    assert widths["P02"] == (0.0, pytest.approx(2283 / MONTH))
    assert round(widths["P02"][1]) == 75
    assert [t.get_text() for t in drawn.ax.get_yticklabels()] == drawn.lanes


def test_swimmer_arrows_mark_the_two_patients_alive(cohort: list[CaseTimeline]) -> None:
    drawn = _swimmer(cohort)
    assert len(drawn.arrows) == 2
    assert {t.study_id for t in drawn.by_kind["alive"]} == {"P02", "P06"}


def test_swimmer_markers_for_response_transplant_relapse_and_death(cohort: list[CaseTimeline]) -> None:
    drawn = _swimmer(cohort)
    assert drawn.count(tl.DEATH) == 6
    assert drawn.count("response") == 5  # CR in 5 of 8, as published
    # Five patients were transplanted after salvage; P02 twice (second HSCT after the chloromas).
    assert drawn.count(tl.TRANSPLANT) == 6
    assert len({t.study_id for t in drawn.by_kind[tl.TRANSPLANT]}) == 5
    assert {t.study_id for t in drawn.by_kind[tl.RELAPSE]} == {"P02", "P03", "P07"}


def test_swimmer_death_marker_sits_at_the_end_of_its_lane(cohort: list[CaseTimeline]) -> None:
    drawn = _swimmer(cohort)
    widths = _lane_widths(drawn)
    for artist, targets in drawn.targets.items():
        if targets[0].kind == tl.DEATH:
            xs = artist.get_xdata()  # type: ignore[attr-defined]
            for x, target in zip(xs, targets, strict=True):
                assert x == pytest.approx(widths[target.study_id][1])


def test_swimmer_legend_and_caption_name_conventions(cohort: list[CaseTimeline]) -> None:
    drawn = _swimmer(cohort)
    legend = drawn.ax.get_legend()
    assert legend is not None
    texts = {t.get_text() for t in legend.get_texts()}
    assert {"alive at last contact", "HSCT after salvage", "relapse / progression", "death, disease-related",
            "death, therapy-related", "CR/CRi first documented", "best response CR/CRi"} <= texts
    assert "months" in drawn.caption and "day 1 of the first salvage course" in drawn.caption
    assert "1 month = 30.4375 days" in drawn.caption
    assert "Months from time zero" in drawn.ax.get_xlabel()


def test_swimmer_leaves_out_cases_without_time_zero_and_says_so(cohort: list[CaseTimeline]) -> None:
    bare = CaseTimeline(case_id=99, study_id="P09", time_zero=None, diagnosis_date=None, events=(),
                        end_of_observation=None, alive=True, death_cause=None, best_response=None)
    drawn = _swimmer([*cohort, bare])
    assert len(drawn.lanes) == 8 and drawn.skipped == ["P09"]
    assert "P09" in drawn.caption


def test_timeline_strips_start_at_diagnosis(cohort: list[CaseTimeline]) -> None:
    drawn = draw_patient_timeline(Figure().add_subplot(), cohort)
    assert drawn.lanes == [f"P0{i}" for i in range(1, 9)]
    widths = _lane_widths(drawn)
    for timeline in cohort:
        assert timeline.diagnosis_date is not None and timeline.time_zero is not None
        start = (timeline.diagnosis_date - timeline.time_zero).days / MONTH
        end = (timeline.end_of_observation - timeline.time_zero).days / MONTH  # type: ignore[operator]
        assert widths[timeline.study_id] == (pytest.approx(start), pytest.approx(end))
    assert widths["P01"][0] < -100  # diagnosed about nine years before salvage


def test_timeline_shows_every_dated_event(cohort: list[CaseTimeline]) -> None:
    drawn = draw_patient_timeline(Figure().add_subplot(), cohort)
    assert drawn.count(tl.DIAGNOSIS) == 8
    assert drawn.count(tl.PRIOR_TRANSPLANT) == 4
    assert drawn.count(tl.SALVAGE_COURSE) == 8
    assert drawn.count(tl.ASSESSMENT) == 19
    assert drawn.count(tl.COMPLICATION) == 8
    assert drawn.count(tl.SUBSEQUENT_THERAPY) == 8
    assert drawn.count(tl.TRANSPLANT) == 6
    assert drawn.count(tl.RELAPSE) == 3
    assert drawn.count(tl.DEATH) == 6
    assert drawn.count(tl.LAST_FOLLOW_UP) == 2
    labels = [t.get_text() for t in drawn.ax.get_yticklabels()]
    assert labels[0] == "P01 (third relapse)\ndied 42.0 mo, therapy-related"
    assert labels[1] == "P02 (primary refractory)\nalive in remission, 75.0 mo"


def test_timeline_complications_are_coloured_by_grade(cohort: list[CaseTimeline]) -> None:
    from matplotlib.colors import to_hex

    from analysis.rendering.timeline_figures import GRADE_COLOURS

    drawn = draw_patient_timeline(Figure().add_subplot(), cohort)
    seen = {}
    for artist, targets in drawn.targets.items():
        if targets[0].kind == tl.COMPLICATION:
            grade = int(targets[0].text.split("CTCAE grade ")[1][0])
            seen[grade] = to_hex(artist.get_facecolor())  # type: ignore[attr-defined]
    assert seen == {g: GRADE_COLOURS[g].lower() for g in (2, 3, 5)}


def test_timeline_calendar_axis_uses_dates(cohort: list[CaseTimeline]) -> None:
    drawn = draw_patient_timeline(Figure().add_subplot(), cohort, calendar=True)
    left, _right = _lane_widths(drawn)["P02"]
    assert left == pytest.approx(date2num(dt.date(2015, 3, 12)))
    assert "Calendar" in drawn.ax.get_xlabel() and "calendar dates" in drawn.caption


def test_hit_finds_the_marker_under_the_mouse(cohort: list[CaseTimeline]) -> None:
    fig, drawn = swimmer_figure(cohort)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    p03 = next(t for t in cohort if t.study_id == "P03")
    (death,) = p03.of_kind(tl.DEATH)
    x_months = (death.date - p03.time_zero).days / MONTH  # type: ignore[operator]
    x, y = drawn.ax.transData.transform((x_months, drawn.lanes.index("P03")))
    target = drawn.hit(MouseEvent("motion_notify_event", canvas, x, y))
    assert target is not None
    assert (target.case_id, target.table, target.record_id) == (p03.case_id, "deaths", death.record.record_id)
    assert "disease-related" in target.text and "day 122" in target.text
    # Mid-lane, away from markers, the lane itself answers: the case record.
    x, y = drawn.ax.transData.transform((30.0, drawn.lanes.index("P02")))
    lane = drawn.hit(MouseEvent("motion_notify_event", canvas, x, y))
    assert lane is not None and lane.table == "cases" and lane.study_id == "P02"
    # Outside the axes nothing is hit.
    assert drawn.hit(MouseEvent("motion_notify_event", canvas, 1.0, 1.0)) is None


def _png_size_and_dpi(path: Path) -> tuple[int, int, float]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    at = data.index(b"pHYs")
    per_metre = struct.unpack(">I", data[at + 4:at + 8])[0]
    return width, height, per_metre * 0.0254


def test_export_png_is_300_dpi_journal_width(cohort: list[CaseTimeline], tmp_path: Path) -> None:
    fig, _ = swimmer_figure(cohort)
    path = save_figure(fig, tmp_path / "swimmer.png")
    width, height, dpi = _png_size_and_dpi(path)
    assert dpi == pytest.approx(300, abs=0.5)
    assert width == round(fig.get_figwidth() * 300)  # 174 mm at 300 dpi: about 2055 pixels
    assert width >= 2000 and height == round(fig.get_figheight() * 300)


def test_export_svg_and_pdf_are_real_vector_files(cohort: list[CaseTimeline], tmp_path: Path) -> None:
    fig, _ = timeline_figure(cohort)
    svg = save_figure(fig, tmp_path / "timeline.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "P01 (third relapse)" in svg  # text stays text (svg.fonttype none)
    pdf = save_figure(fig, tmp_path / "timeline.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_export_refuses_low_dpi_and_unknown_formats(cohort: list[CaseTimeline], tmp_path: Path) -> None:
    fig, _ = swimmer_figure(cohort)
    with pytest.raises(ValueError, match="300 dpi"):
        save_figure(fig, tmp_path / "s.png", dpi=150)
    with pytest.raises(ValueError, match="png, .svg or .pdf"):
        save_figure(fig, tmp_path / "s.jpg")
    assert not (tmp_path / "s.png").exists() and not (tmp_path / "s.jpg").exists()


def test_empty_cohort_draws_an_empty_plot() -> None:
    assert draw_swimmer_plot(Figure().add_subplot(), []).lanes == []
    assert draw_patient_timeline(Figure().add_subplot(), []).lanes == []


def test_unknown_unit_is_refused(cohort: list[CaseTimeline]) -> None:
    with pytest.raises(ValueError, match="time unit"):
        draw_swimmer_plot(Figure().add_subplot(), cohort, unit="fortnights")


def test_figure_module_never_imports_pyplot_or_qt() -> None:
    code = ("import sys, analysis.rendering.timeline_figures, storage.views.timelines; "
            "bad = [m for m in sys.modules if m == 'matplotlib.pyplot' or m.startswith('PySide6')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_blast_and_mrd_values_are_printed_only_in_a_close_view(cohort: list[CaseTimeline]) -> None:
    close = draw_patient_timeline(Figure().add_subplot(), cohort, xlim=(-3.0, 15.0))
    texts = [t.get_text() for t in close.ax.texts]
    assert {"85%", "12%", "MRD 2%", "MRD 4%", "MRD 0.4%", "6%"} <= set(texts)
    assert texts.count("MRD neg.") == 5
    whole = draw_patient_timeline(Figure().add_subplot(), cohort)
    assert not whole.ax.texts  # nine years of P01 would pile every value onto day 0


def test_overlapping_complications_are_stacked_not_hidden(cohort: list[CaseTimeline]) -> None:
    """P02's fever (grade 2) and SIRS (grade 3) ran on the same days: both bars must stay visible."""
    drawn = draw_patient_timeline(Figure().add_subplot(), cohort, xlim=(-3.0, 15.0))
    rows = [artist.get_y() for artist, targets in drawn.targets.items()  # type: ignore[attr-defined]
            if targets[0].kind == tl.COMPLICATION and targets[0].study_id == "P02"]
    assert len(rows) == 2 and rows[0] != rows[1]
    assert "Numbers under assessments" in drawn.caption
    assert "Numbers under" not in draw_patient_timeline(Figure().add_subplot(), cohort).caption


@pytest.mark.parametrize(("unit", "step"), [("months", 12.0), ("years", 1.0)])
def test_exported_timeline_ticks_at_the_clinical_steps(cohort: list[CaseTimeline], unit: str, step: float) -> None:
    from analysis.rendering.figure_files import timeline_kind_figure
    from analysis.rendering.figure_style import FigureStyle

    fig, _ = timeline_kind_figure("timeline", cohort[:3], FigureStyle(), unit=unit)
    ax = fig.axes[0]
    ticks = list(ax.get_xticks())
    left, right = ax.get_xlim()
    assert 0.0 in ticks and all(left <= t <= right for t in ticks)
    assert all(abs(t / step - round(t / step)) < 1e-9 for t in ticks)  # every 12 months / every year
    assert len(ticks) >= 3
    swimmer, _ = timeline_kind_figure("swimmer", cohort, FigureStyle(), unit=unit)
    assert set(swimmer.axes[0].get_xticks()) <= {k * step for k in range(100)}  # as the swimmer plot
