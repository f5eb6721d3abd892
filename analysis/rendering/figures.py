"""Publication figures for survival results (matplotlib only, Agg-safe).

Nothing here imports pyplot: drawing functions take a ``matplotlib.axes.Axes``
and :func:`kaplan_meier_figure` builds a ``matplotlib.figure.Figure`` directly,
so the caller chooses the canvas (Agg for files, a Qt canvas in the GUI).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from analysis.statistics.competing_risks import CumulativeIncidence
from analysis.statistics.kaplan_meier import MEDIAN_RULE, KaplanMeier, ci_method_label, survival_at

FloatArray = npt.NDArray[np.float64]

MM_PER_INCH: float = 25.4
SINGLE_COLUMN_MM: float = 85.0
DOUBLE_COLUMN_MM: float = 174.0
SINGLE_COLUMN_IN: float = round(SINGLE_COLUMN_MM / MM_PER_INCH, 2)  # 3.35 in
DOUBLE_COLUMN_IN: float = round(DOUBLE_COLUMN_MM / MM_PER_INCH, 2)  # 6.85 in

#: Okabe–Ito colour-blind-safe palette.
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

#: Fixed, reproducible style (DejaVu Sans ships with matplotlib).
FIGURE_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 7.0,
    "axes.titlesize": 7.0,
    "axes.labelsize": 7.0,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 1.0,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "axes.unicode_minus": True,
}

Curves = Sequence[tuple[str, KaplanMeier]]


def journal_figsize(columns: int = 1, aspect: float = 0.9) -> tuple[float, float]:
    """(width, height) in inches for a single (85 mm) or double (174 mm) journal column."""
    if columns not in (1, 2):
        raise ValueError("columns must be 1 or 2")
    if aspect <= 0:
        raise ValueError("aspect must be positive")
    width = SINGLE_COLUMN_IN if columns == 1 else DOUBLE_COLUMN_IN
    return width, round(width * aspect, 2)


def km_caption(
    conf_type: str = "log",
    conf_level: float = 0.95,
    time_unit: str = "months",
    show_ci: bool = True,
    risk_table: bool = True,
) -> str:
    """The conventions line printed under a Kaplan–Meier figure, e.g.
    ``"Kaplan–Meier estimate; 95% CI: Greenwood, log transform; median: R/SAS
    midpoint rule; time in months"``."""
    parts = ["Kaplan–Meier estimate"]
    if show_ci:
        parts.append(f"{_pct(conf_level)} CI: {ci_method_label(conf_type)}")
    parts.append(f"median: {MEDIAN_RULE}")
    parts.append(f"time in {time_unit}")
    parts.append("+ = censored")
    if risk_table:
        parts.append("table: number at risk (cumulative events)")
    return "; ".join(parts)


def caption_for(km: KaplanMeier, time_unit: str = "months", show_ci: bool = True) -> str:
    """:func:`km_caption` using the conventions stored on a result."""
    return km_caption(km.conf_type, km.conf_level, time_unit, show_ci=show_ci)


def cif_caption(cif: CumulativeIncidence, time_unit: str = "months", show_ci: bool = True) -> str:
    """Conventions line for a cumulative incidence figure."""
    parts = [f"{cif.estimator} cumulative incidence (competing risks)"]
    if show_ci:
        parts.append(f"{_pct(cif.conf_level)} CI: {cif.ci_method}")
    parts.append(f"time in {time_unit}")
    return "; ".join(parts)


def _pct(level: float) -> str:
    value = 100.0 * level
    return f"{value:.0f}%" if math.isclose(value, round(value)) else f"{value:g}%"


def _color(i: int, colors: Sequence[str] | None) -> str:
    palette = tuple(colors) if colors else PALETTE
    return palette[i % len(palette)]


def _step_xy(time: FloatArray, values: FloatArray, start: float) -> tuple[FloatArray, FloatArray]:
    x = np.concatenate(([0.0], time)).astype(np.float64)
    y = np.concatenate(([start], values)).astype(np.float64)
    return x, y


def _step_band(x: FloatArray, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Explicit right-continuous step coordinates for a CI band.

    Each interval [x_k, x_k+1) is drawn with the limits at x_k, so a limit that is
    undefined only from x_k+1 on (e.g. S reaches 0 there) does not erase the band
    over the preceding interval, as ``fill_between(step="post")`` would.
    """
    xs = np.repeat(x, 2)[1:]
    los = np.repeat(lo, 2)[:-1]
    his = np.repeat(hi, 2)[:-1]
    return xs.astype(np.float64), los.astype(np.float64), his.astype(np.float64)


def _max_time(curves: Sequence[tuple[str, Any]]) -> float:
    return max(float(obj.time[-1]) for _, obj in curves) if curves else 1.0


def risk_table_times(xmax: float, nbins: int = 6) -> list[float]:
    """Tick positions from 0 to ``xmax`` (nice steps) used for both axis and table."""
    if xmax <= 0:
        return [0.0]
    locator = MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], integer=False)
    ticks = [float(v) for v in locator.tick_values(0.0, xmax) if -1e-9 <= v <= xmax + 1e-9]
    return ticks


def draw_kaplan_meier(
    ax: Axes,
    curves: Curves,
    show_ci: bool = True,
    time_unit: str = "months",
    show_censors: bool = True,
    colors: Sequence[str] | None = None,
    xmax: float | None = None,
    times: Sequence[float] | None = None,
    ylabel: str = "Survival probability",
    legend: bool = True,
    ci_alpha: float = 0.15,
    legend_title: str | None = None,
    ci_legend: str | None = None,
) -> list[float]:
    """Draw KM step curves (with "+" censor ticks and optional CI bands) on ``ax``.

    Events at time 0 (treatment failure at day 0) show as a vertical drop from 1 at t = 0, as R's
    plot.survfit draws them, with the axis moved slightly left so the drop is not hidden by it. The
    legend sits above the plot, where it covers no data; ``ci_legend`` adds an entry for the band.
    Returns the x tick times used, so a risk table can be aligned to them.
    """
    if not curves:
        raise ValueError("no curves to draw")
    right = float(xmax) if xmax is not None else _max_time(curves)
    ticks = list(times) if times is not None else risk_table_times(right)
    for i, (label, km) in enumerate(curves):
        color = _color(i, colors)
        x, y = _step_xy(km.time, km.survival, 1.0)
        ax.step(x, y, where="post", color=color, label=label, linewidth=1.0)
        if show_ci:
            # log-log limits are undefined while S = 1 (as in R); draw the band at 1 there
            flat = km.survival >= 1.0
            lower = np.where(np.isnan(km.ci_lower) & flat, 1.0, km.ci_lower).astype(np.float64)
            upper = np.where(np.isnan(km.ci_upper) & flat, 1.0, km.ci_upper).astype(np.float64)
            _, lo = _step_xy(km.time, lower, 1.0)
            _, hi = _step_xy(km.time, upper, 1.0)
            bx, blo, bhi = _step_band(x, lo, hi)
            ax.fill_between(bx, blo, bhi, color=color, alpha=ci_alpha, linewidth=0)
        if show_censors:
            ct = km.censor_times
            if ct.size:
                idx = np.searchsorted(km.time, ct, side="left")
                ax.plot(
                    ct,
                    km.survival[idx],
                    linestyle="none",
                    marker="+",
                    markersize=5,
                    markeredgewidth=0.8,
                    color=color,
                )
    width = right * 1.02 if right > 0 else 1.0
    drop_at_zero = any(km.time.size and km.time[0] == 0.0 and km.n_events[0] > 0 for _, km in curves)
    ax.set_xlim(-0.025 * width if drop_at_zero else 0.0, width)
    ax.set_ylim(0.0, 1.04)
    ax.set_xticks(ticks)
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel(f"Time ({time_unit})")
    ax.set_ylabel(fit_axis_label(ax, ylabel))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend and any(label for label, _ in curves):
        _legend_above(ax, legend_title, ci_legend if show_ci else None)
    return ticks


def fit_axis_label(ax: Axes, label: str, vertical: bool = True) -> str:
    """``label`` wrapped onto as many lines as it needs to fit along the axis (y by default)."""
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        return label
    box = ax.get_position()
    w_in, h_in = fig.get_size_inches()
    length_pt = 72.0 * float(h_in * box.height if vertical else w_in * box.width)
    size = float(ax.yaxis.label.get_fontsize())
    fits = max(12, int(length_pt / (0.58 * size)))
    return label if len(label) <= fits else textwrap.fill(label, width=fits)


def _legend_above(ax: Axes, title: str | None, ci_legend: str | None) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if ci_legend:
        handles.append(Patch(facecolor="#888888", alpha=0.3, linewidth=0))
        labels.append(ci_legend)
    fig = ax.get_figure(root=True)
    width_pt = 72.0 * float(fig.get_size_inches()[0] * ax.get_position().width) if isinstance(fig, Figure) else 300.0
    chars = width_pt / (0.6 * float(FIGURE_RC["legend.fontsize"]))  # what one row holds at the legend's size
    widths = sorted((len(x) + 6 for x in labels), reverse=True)  # + the handle and the spacing
    ncol = max([1] + [k for k in range(1, len(widths) + 1) if sum(widths[:k]) <= chars])  # the widest row fits
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=ncol, frameon=False,
              handlelength=1.5, title=title, alignment="left", borderaxespad=0.0, columnspacing=1.2)


def risk_table_rows(curves: Curves, times: Sequence[float]) -> list[tuple[str, list[str]]]:
    """Cells of the number-at-risk table: ``"n (cumulative events)"`` per time."""
    rows: list[tuple[str, list[str]]] = []
    for label, km in curves:
        cells = []
        for t in times:
            est = survival_at(km, float(t))
            cells.append(f"{est.n_at_risk} ({est.n_events})")
        rows.append((label, cells))
    return rows


def draw_risk_table(
    ax_table: Axes,
    curves: Curves,
    times: Sequence[float],
    colors: Sequence[str] | None = None,
    title: str = "Number at risk (cumulative events)",
    fontsize: float = 6.5,
) -> None:
    """Number-at-risk table on its own Axes, which should share x with the plot."""
    rows = risk_table_rows(curves, times)
    n_rows = len(rows)
    for r, (_label, cells) in enumerate(rows):
        y = n_rows - r - 0.5
        color = _color(r, colors)
        for t, text in zip(times, cells, strict=True):
            ax_table.text(float(t), y, text, ha="center", va="center", fontsize=fontsize, color=color)
    ax_table.set_ylim(0.0, float(n_rows))
    ax_table.set_yticks([n_rows - r - 0.5 for r in range(n_rows)])
    ax_table.set_yticklabels([label for label, _ in rows], fontsize=fontsize)
    for r, tick in enumerate(ax_table.get_yticklabels()):
        tick.set_color(_color(r, colors))
    # leave room for the half-width of the first (t = 0) cell left of the axis
    ax_table.tick_params(axis="y", length=0, pad=3.2 * fontsize)
    ax_table.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
    for spine in ax_table.spines.values():
        spine.set_visible(False)
    ax_table.set_title(title, loc="left", fontsize=fontsize, pad=2.0)


def kaplan_meier_figure(
    curves: Curves,
    show_ci: bool = True,
    time_unit: str = "months",
    risk_table: bool = True,
    columns: int = 1,
    height_in: float | None = None,
    dpi: float = 300.0,
    xmax: float | None = None,
    times: Sequence[float] | None = None,
    colors: Sequence[str] | None = None,
    ylabel: str = "Survival probability",
    legend_title: str | None = None,
    ci_legend: str | None = None,
) -> Figure:
    """A complete journal-sized KM figure (plot + aligned risk table), pyplot-free."""
    width, default_h = journal_figsize(columns, aspect=0.95 if risk_table else 0.75)
    height = height_in if height_in is not None else default_h
    with rc_context(cast(Any, FIGURE_RC)):
        engine = ConstrainedLayoutEngine(h_pad=0.03, w_pad=0.03, hspace=0.02)
        fig = Figure(figsize=(width, height), dpi=dpi, layout=engine)
        if risk_table:
            n_rows = max(1, len(curves))
            grid = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.1 + 0.3 * n_rows])
            ax = fig.add_subplot(grid[0])
            ax_table = fig.add_subplot(grid[1], sharex=ax)
        else:
            ax = fig.add_subplot(1, 1, 1)
        ticks = draw_kaplan_meier(
            ax, curves, show_ci=show_ci, time_unit=time_unit, xmax=xmax, times=times, colors=colors,
            ylabel=ylabel, legend_title=legend_title, ci_legend=ci_legend,
        )
        if risk_table:
            draw_risk_table(ax_table, curves, ticks, colors=colors)
            ax.tick_params(axis="x", labelbottom=True)
    return fig


def draw_cumulative_incidence(
    ax: Axes,
    curves: Sequence[tuple[str, CumulativeIncidence]],
    show_ci: bool = True,
    time_unit: str = "months",
    colors: Sequence[str] | None = None,
    xmax: float | None = None,
    ylabel: str = "Cumulative incidence",
    ylim_top: float = 1.0,
    legend: bool = True,
    ci_alpha: float = 0.15,
    ci_legend: str | None = None,
) -> None:
    """Draw Aalen–Johansen cumulative incidence step curves (rising from 0); legend above the plot."""
    if not curves:
        raise ValueError("no curves to draw")
    right = float(xmax) if xmax is not None else _max_time(curves)
    for i, (label, cif) in enumerate(curves):
        color = _color(i, colors)
        x, y = _step_xy(cif.time, cif.estimate, 0.0)
        ax.step(x, y, where="post", color=color, label=label, linewidth=1.0)
        if show_ci:
            lo = np.where(np.isnan(cif.ci_lower) & (cif.estimate == 0), 0.0, cif.ci_lower)
            hi = np.where(np.isnan(cif.ci_upper) & (cif.estimate == 0), 0.0, cif.ci_upper)
            _, lo_s = _step_xy(cif.time, lo.astype(np.float64), 0.0)
            _, hi_s = _step_xy(cif.time, hi.astype(np.float64), 0.0)
            bx, blo, bhi = _step_band(x, lo_s, hi_s)
            ax.fill_between(bx, blo, bhi, color=color, alpha=ci_alpha, linewidth=0)
    ax.set_xlim(0.0, right * 1.02 if right > 0 else 1.0)
    ax.set_ylim(0.0, ylim_top)
    ax.set_xticks(risk_table_times(right))
    ax.set_xlabel(f"Time ({time_unit})")
    ax.set_ylabel(fit_axis_label(ax, ylabel))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend and any(label for label, _ in curves):
        _legend_above(ax, None, ci_legend if show_ci else None)
