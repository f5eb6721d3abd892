"""Figure tests: image regression against committed baselines, captions, sizing.

Baselines live in tests/analysis/rendering/baseline/ and were inspected by eye before
being committed.  A missing baseline is a failure, never silently generated.
To regenerate deliberately (then look at the PNGs!):

    python -c "import sys; sys.path[:0] = ['.', 'tests/analysis']; \
import test_analysis_figures as t; t.write_baselines()"
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images

from analysis.rendering.figures import (
    SINGLE_COLUMN_IN,
    caption_for,
    cif_caption,
    draw_cumulative_incidence,
    journal_figsize,
    kaplan_meier_figure,
    km_caption,
    risk_table_rows,
)
from analysis.statistics.survival import cumulative_incidence, kaplan_meier

BASELINE_DIR = Path(__file__).parent / "baseline"
DPI = 150
TOLERANCE_RMS = 0.5  # a missing 2-week CI-band segment measured RMS 1.28

OS_TIME = [42.0, 75.0, 4.0, 366 / 30.4375, 2.0, 50.0, 3.0, 2.0]
OS_EVENT = [1, 0, 1, 1, 1, 0, 1, 1]
MAINT = ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
NONM = ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45], [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])


def seed_figure() -> Figure:
    # as the Analysis tab exports it: the endpoint on the y axis, the CI method in the legend
    return kaplan_meier_figure([("All cases", kaplan_meier(OS_TIME, OS_EVENT))], dpi=DPI, ylabel="Overall survival",
                               ci_legend="95% CI, log transform")


def aml_figure() -> Figure:
    curves = [("Maintained", kaplan_meier(*MAINT)), ("Nonmaintained", kaplan_meier(*NONM))]
    return kaplan_meier_figure(curves, time_unit="weeks", dpi=DPI)


CASES = {"km_seed_os.png": seed_figure, "km_aml_two_groups.png": aml_figure}


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})


def write_baselines() -> None:
    BASELINE_DIR.mkdir(exist_ok=True)
    for name, make in CASES.items():
        _save(make(), BASELINE_DIR / name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_km_figure_matches_baseline(name: str, tmp_path: Path) -> None:
    expected = BASELINE_DIR / name
    assert expected.exists(), f"missing committed baseline {expected}"
    actual = tmp_path / name
    _save(CASES[name](), actual)
    result = compare_images(str(expected), str(actual), tol=TOLERANCE_RMS)
    assert result is None, result


def test_figure_is_single_journal_column() -> None:
    fig = seed_figure()
    width, height = fig.get_size_inches()
    assert width == pytest.approx(SINGLE_COLUMN_IN)
    assert width == pytest.approx(85 / 25.4, abs=0.01)  # 85 mm = 3.35 in
    assert 0 < height < 5
    assert journal_figsize(2)[0] == pytest.approx(174 / 25.4, abs=0.01)
    ax, table = fig.axes
    assert table.get_shared_x_axes().joined(ax, table)  # risk table aligned with time axis


def test_risk_table_cells_seed_cohort() -> None:
    # at 0: 8 at risk, 0 events; at 20 and 40: 3 at risk (42, 50, 75), 5 events;
    # at 60: 1 at risk (75), 6 events
    rows = risk_table_rows([("All", kaplan_meier(OS_TIME, OS_EVENT))], [0, 20, 40, 60])
    assert rows == [("All", ["8 (0)", "3 (5)", "3 (5)", "1 (6)"])]


def test_km_figure_draws_censor_ticks_and_ci() -> None:
    fig = seed_figure()
    ax = fig.axes[0]
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "+"]
    assert len(markers) == 1
    np.testing.assert_allclose(np.asarray(markers[0].get_xdata(), dtype=float), [50.0, 75.0])
    np.testing.assert_allclose(np.asarray(markers[0].get_ydata(), dtype=float), [0.25, 0.25])
    assert len(ax.collections) == 1  # one CI band
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["All cases"]


def test_captions() -> None:
    km = kaplan_meier(OS_TIME, OS_EVENT)
    assert caption_for(km).startswith(
        "Kaplan–Meier estimate; 95% CI: Greenwood, log transform; median: R/SAS midpoint rule; time in months"
    )
    assert "log-log transform" in km_caption("log-log", 0.9, "weeks")
    assert "90% CI" in km_caption("log-log", 0.9, "weeks")
    cif = cumulative_incidence([1, 2, 3], [1, 2, 0], 1)
    assert cif_caption(cif).startswith("Aalen–Johansen cumulative incidence")


def test_draw_cumulative_incidence() -> None:
    fig = Figure(figsize=journal_figsize(1))
    ax = fig.add_subplot()
    cif = cumulative_incidence([1, 1, 2, 2, 3, 4, 4, 5], [1, 2, 1, 0, 2, 1, 0, 1], 1)
    draw_cumulative_incidence(ax, [("Relapse", cif)])
    ydata = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
    assert ydata[0] == 0.0
    assert ydata[-1] == pytest.approx(23 / 32)
    FigureCanvasAgg(fig)
    fig.savefig(io.BytesIO(), format="png")


def test_analysis_never_imports_pyplot_or_qt() -> None:
    code = (
        "import sys, analysis.rendering.figures, analysis.statistics.survival; "
        "bad = [m for m in sys.modules if m == 'matplotlib.pyplot' or m.startswith(('PySide6', 'gui'))]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_ci_band_covers_last_interval_before_survival_reaches_zero() -> None:
    # EFS: S = 0.2 on [12, 42) with a defined CI, S = 0 (CI undefined) at 42.
    km = kaplan_meier([42, 4, 2, 12, 2], [1, 1, 1, 1, 1], conf_type="log-log")
    fig = kaplan_meier_figure([("EFS", km)], risk_table=False)
    band = fig.axes[0].collections[0]
    xs = np.concatenate([np.asarray(p.vertices, dtype=float)[:, 0] for p in band.get_paths()])
    assert xs.max() == pytest.approx(42.0)
