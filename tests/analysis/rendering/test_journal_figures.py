"""The styled figures of the demo cohort: the numbers on them, and image baselines for the main options.

Baselines (tests/analysis/rendering/baseline/style_*.png) were looked at before being committed; a
missing one fails. They are drawn in Liberation Sans (Debian fonts-liberation, installed by
tests/run.sh). To regenerate deliberately, then look at every PNG:

    python -c "import sys; sys.path[:0] = ['.', 'tests/analysis/rendering']; \
import test_journal_figures as t; t.write_baselines()"
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images

from analysis.command import AnalysisInputs, load_inputs
from analysis.rendering.figure_style import FigureStyle, resolve_font
from analysis.rendering.journal_figures import annotation_lines, curve_labels, legend_title, survival_figure
from analysis.rendering.journal_files import save_journal_figure
from analysis.statistics.cohort import CohortResult, Condition, analyze_cohort
from analysis.statistics.numbers import p_text

BASELINE_DIR = Path(__file__).parent / "baseline"
DPI = 100
TOLERANCE_RMS = 0.5
#: The article's Figure 1: overall survival, 12-month ticks to 72 months, percent, censor ticks, number at
#: risk, median and 1- and 3-year rates annotated.
FIGURE_1 = FigureStyle(show_median=True, landmark_times=(12.0, 36.0), legend_position="none")
FIGURE_1_GROUPED = FigureStyle(show_p=True, show_median=True)


def _inputs() -> AnalysisInputs:
    import tempfile

    from storage.generated.demo import write_demo

    folder = Path(tempfile.mkdtemp())
    db = write_demo(folder / "demo.db")
    try:
        return load_inputs(db)
    finally:
        db.close()


def overall(inputs: AnalysisInputs) -> CohortResult:
    return analyze_cohort(inputs.summaries, inputs.rules["os"])


def by_hsct(inputs: AnalysisInputs) -> CohortResult:
    return analyze_cohort(inputs.summaries, inputs.rules["os"], group_by="prior_hsct")


def responders(inputs: AnalysisInputs) -> CohortResult:
    return analyze_cohort(inputs.summaries, inputs.rules["os"], where=[Condition.parse("responder=yes")])


CASES: dict[str, tuple[Callable[[AnalysisInputs], CohortResult], FigureStyle]] = {
    "style_figure1_overall.png": (overall, FIGURE_1),
    "style_figure1_by_prior_hsct.png": (by_hsct, FIGURE_1_GROUPED),
    "style_greyscale_proportion_dashed.png": (by_hsct, FigureStyle(palette="greyscale", y_scale="proportion",
                                                                    ci="dashed", risk_table="at_risk")),
    "style_population_legend.png": (responders, FigureStyle(legend_position="upper right",
                                                            risk_table="at_risk_censored")),
    **{f"style_legend_{pos.replace(' ', '_')}.png": (by_hsct, FigureStyle(legend_position=pos, show_p=True))
       for pos in ("upper right", "lower left", "upper left", "lower right", "right", "none")},
}


def _draw(name: str, inputs: AnalysisInputs, path: Path) -> Path:
    make, style = CASES[name]
    return save_journal_figure(survival_figure(make(inputs), style), path, dpi=DPI)


def write_baselines() -> None:
    BASELINE_DIR.mkdir(exist_ok=True)
    inputs = _inputs()
    for name in CASES:
        _draw(name, inputs, BASELINE_DIR / name)


@pytest.fixture(scope="module")
def inputs() -> AnalysisInputs:
    return _inputs()


@pytest.mark.skipif(resolve_font() != "Liberation Sans", reason="baselines are drawn in Liberation Sans")
@pytest.mark.parametrize("name", sorted(CASES))
def test_styled_figure_matches_baseline(name: str, inputs: AnalysisInputs, tmp_path: Path) -> None:
    expected = BASELINE_DIR / name
    assert expected.exists(), f"missing committed baseline {expected}: render, look at it, commit it"
    actual = _draw(name, inputs, tmp_path / name)
    assert compare_images(str(expected), str(actual), tol=TOLERANCE_RMS) is None


def _table_cells(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[1].texts]


def test_figure_1_ticks_percent_axis_and_number_at_risk(inputs: AnalysisInputs) -> None:
    fig = survival_figure(overall(inputs), FIGURE_1)
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == [0, 12, 24, 36, 48, 60, 72]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "25", "50", "75", "100"]
    assert ax.get_ylabel() == "Overall survival (%)"
    # the risk table sits at the same times: n at risk (cumulative deaths)
    assert _table_cells(fig) == ["8 (0)", "4 (4)", "3 (5)", "3 (5)", "2 (6)", "1 (6)", "1 (6)"]
    assert fig.axes[1].get_title(loc="left") == "Number at risk (cumulative events)"
    marks = [ln for ln in ax.get_lines() if ln.get_marker() == "+"]
    assert len(marks) == 1 and list(marks[0].get_xdata()) == pytest.approx([50.0, 75.0], abs=0.01)  # days / 30.4375
    assert list(marks[0].get_ydata()) == pytest.approx([25.0, 25.0])  # percent scale
    assert len(ax.collections) == 1  # one CI band (a single curve)


def test_figure_1_annotations_read_as_the_article(inputs: AnalysisInputs) -> None:
    lines = [text for text, _ in annotation_lines(overall(inputs), FIGURE_1)]
    assert lines == ["median 8.0 months (95% CI 3.0–NR)", "1-year: 50.0% (95% CI 25.0–99.98%)",
                     "3-year: 37.5% (95% CI 15.3–91.7%)"]


def test_grouped_figure_names_the_test_with_p_and_has_no_bands(inputs: AnalysisInputs) -> None:
    result = by_hsct(inputs)
    lines = [text for text, _ in annotation_lines(result, FIGURE_1_GROUPED)]
    assert lines[-1] == f"Log-rank test: {p_text(result.logrank.p)}"  # type: ignore[union-attr]
    assert lines[-1] == "Log-rank test: p = 0.2196"
    assert lines[0].startswith("no: median 4.0 months") and lines[1].startswith("yes: median 7.0 months")
    fig = survival_figure(result, FIGURE_1_GROUPED)
    assert len(fig.axes[0].collections) == 0  # no overlapping bands when groups are compared
    assert _table_cells(fig)[:2] == ["4 (0)", "2 (2)"]


def test_single_curve_legend_names_the_population(inputs: AnalysisInputs) -> None:
    result = responders(inputs)
    assert curve_labels(result, FigureStyle()) == ["Complete remission after salvage (CR/CRi) = yes"]
    grouped = analyze_cohort(inputs.summaries, inputs.rules["os"], where=[Condition.parse("responder=yes")],
                             group_by="prior_hsct")
    assert legend_title(grouped, FigureStyle()) == ("Previous allogeneic HSCT\n"
                                                     "Population: Complete remission after salvage (CR/CRi) = yes")
    assert curve_labels(overall(inputs), FigureStyle()) == ["All cases"]


def test_band_legend_key_has_the_band_colour(inputs: AnalysisInputs) -> None:
    fig = survival_figure(overall(inputs), FigureStyle())
    legend = fig.axes[0].get_legend()
    band_key = legend.legend_handles[-1]
    band = fig.axes[0].collections[0]
    assert to_rgba(band_key.get_facecolor())[:3] == pytest.approx(tuple(np.asarray(band.get_facecolor())[0][:3]))


def test_risk_table_with_cumulative_censored_and_hidden(inputs: AnalysisInputs) -> None:
    fig = survival_figure(overall(inputs), FigureStyle(risk_table="at_risk_censored"))
    assert _table_cells(fig)[-3:] == ["2 (0)", "1 (1)", "1 (1)"]  # censored at 50 months, then 75
    assert len(survival_figure(overall(inputs), FigureStyle(risk_table="none")).axes) == 1


def test_hazard_ratio_hook_shows_the_text_it_is_given(inputs: AnalysisInputs) -> None:
    style = FigureStyle(show_hr=True)
    text = "HR 2.10 (95% CI 0.60–7.40), Cox model"
    assert annotation_lines(by_hsct(inputs), style, hr_text=text) == [(text, -1)]
    assert annotation_lines(by_hsct(inputs), style) == []  # nothing until a Cox model provides one


def test_cumulative_incidence_follows_the_style(inputs: AnalysisInputs) -> None:
    from analysis.rendering.figure_files import cif_figure_for

    fig, caption = cif_figure_for(overall(inputs), FigureStyle())
    ax = fig.axes[0]
    assert not ax.collections and "CI" not in caption.split(";")[1]  # two events: no overlapping bands
    assert ax.get_ylabel() == "Cumulative incidence (%)" and list(ax.get_xticks())[:3] == [0, 12, 24]
    final = ax.get_lines()[0].get_ydata()[-1]
    assert final == pytest.approx(62.5)  # relapse, progression or disease-related death: 5 of 8
    banded, caption = cif_figure_for(overall(inputs), FigureStyle(ci="band", palette="greyscale"))
    assert len(banded.axes[0].collections) == 2 and "95% CI" in caption
