"""Survival and cumulative-incidence figures drawn in a :class:`FigureStyle`, as an investigator shapes
them in Prism: clinical ticks shared with the number-at-risk table, percent or proportion axis, colours,
line styles, CI as band or dashed limits, censor marks, annotations (log-rank p with the test's name,
medians, n, landmark rates with CI, a hazard ratio text once a Cox model provides one), legend position
and title, font and physical size. No pyplot, no Qt.

The legend names the population analysed whenever a population filter applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.rendering.annotation_placement import CORNERS as _CORNERS
from analysis.rendering.annotation_placement import draw_annotations as draw_annotations
from analysis.rendering.figure_style import RISK_TABLES, FigureStyle, axis_ticks, rc_params
from analysis.rendering.figures import fit_axis_label
from analysis.statistics.cohort import CohortResult
from analysis.statistics.competing_risks import CumulativeIncidence
from analysis.statistics.kaplan_meier import KaplanMeier, survival_at
from analysis.statistics.numbers import p_text, percent_value

FloatArray = npt.NDArray[np.float64]
ROW_LABEL_CHARS = 16  # a risk-table row label longer than this wraps (a single curve's is left out)
MAX_CENSOR_MARKS = 300  # beyond this the marks merge into a bar: left out, and the caption says so


@dataclass(frozen=True)
class Series:
    """One curve as drawn: right-continuous steps from time 0, its limits and its censor marks."""

    label: str
    x: FloatArray
    y: FloatArray
    lower: FloatArray | None
    upper: FloatArray | None
    censor_x: FloatArray
    censor_y: FloatArray
    km: KaplanMeier | None = None


def _steps(time: FloatArray, values: FloatArray, start: float) -> tuple[FloatArray, FloatArray]:
    return (np.concatenate(([0.0], time)).astype(np.float64), np.concatenate(([start], values)).astype(np.float64))


def km_series(label: str, km: KaplanMeier) -> Series:
    flat = km.survival >= 1.0  # log-log limits are undefined while S = 1 (as in R): the band sits at 1
    lower = np.where(np.isnan(km.ci_lower) & flat, 1.0, km.ci_lower).astype(np.float64)
    upper = np.where(np.isnan(km.ci_upper) & flat, 1.0, km.ci_upper).astype(np.float64)
    x, y = _steps(km.time, km.survival, 1.0)
    idx = np.searchsorted(km.time, km.censor_times, side="left")
    return Series(label, x, y, _steps(km.time, lower, 1.0)[1], _steps(km.time, upper, 1.0)[1],
                  km.censor_times.astype(np.float64), km.survival[idx].astype(np.float64), km)


def cif_series(label: str, cif: CumulativeIncidence) -> Series:
    lo = np.where(np.isnan(cif.ci_lower) & (cif.estimate == 0), 0.0, cif.ci_lower).astype(np.float64)
    hi = np.where(np.isnan(cif.ci_upper) & (cif.estimate == 0), 0.0, cif.ci_upper).astype(np.float64)
    x, y = _steps(cif.time, cif.estimate, 0.0)
    empty = np.zeros(0, dtype=np.float64)
    return Series(label, x, y, _steps(cif.time, lo, 0.0)[1], _steps(cif.time, hi, 0.0)[1], empty, empty)


def _band(x: FloatArray, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Explicit step coordinates: each interval keeps the limits at its start, so a limit undefined
    only from the next time on (S reaches 0) does not erase the band over the interval before it."""
    return np.repeat(x, 2)[1:], np.repeat(lo, 2)[:-1], np.repeat(hi, 2)[:-1]


def _pct(x: float | None) -> str:
    return "NA" if x is None else percent_value(x)


def landmark_name(t: float, unit: str) -> str:
    """12 months reads "1-year", 6 months "6-month", 2 years "2-year"."""
    if unit == "months" and t >= 12 and t % 12 == 0:
        return f"{t / 12:g}-year"
    return f"{t:g}-{unit.rstrip('s')}"


# -- what a legend and the annotations say ----------------------------------------------------
def curve_labels(result: CohortResult, style: FigureStyle) -> list[str]:
    """One label per group; a single curve is named by the population when a filter applies."""
    if result.group_by is None:
        default = [result.population_text() if result.population else "All cases"]
    else:
        default = list(result.group_display or tuple(g.label for g in result.groups))
    return [style.legend_text(i, text) for i, text in enumerate(default)]


def legend_title(result: CohortResult, style: FigureStyle) -> str | None:
    if style.legend_title:
        return style.legend_title
    if result.group_by is None:
        return None
    title = result.group_label or result.group_by
    return f"{title}\nPopulation: {result.population_text()}" if result.population else title


def annotation_lines(result: CohortResult, style: FigureStyle, hr_text: str | None = None) -> list[tuple[str, int]]:
    """(text, group index or -1 for black) for each annotation the style asks for."""
    lines: list[tuple[str, int]] = []
    labels = curve_labels(result, style)
    pct = f"{100 * result.conf_level:g}% CI"
    grouped = len(result.groups) > 1
    for i, g in enumerate(result.groups):
        prefix = f"{labels[i]}: " if grouped else ""
        parts = []
        if style.show_n:
            parts.append(f"n = {g.n}")
        if style.show_median:
            lo, hi = g.median.limit_texts(1, short=True, unit=result.unit)
            parts.append(f"median {g.median.median_text(1, short=True, unit=result.unit)} {result.unit} ({pct} {lo}–{hi})"
                         if g.median.median is not None else f"median not reached ({pct} {lo}–{hi})")
        if parts:
            lines.append((prefix + ", ".join(parts), i if grouped else -1))
        for t in style.landmark_times:
            est = survival_at(g.km, float(t))
            if est.survival is None:
                text = f"{landmark_name(t, result.unit)}: beyond follow-up"
            else:
                text = f"{landmark_name(t, result.unit)}: {_pct(est.survival)}% ({pct} {_pct(est.ci_lower)}–{_pct(est.ci_upper)}%)"
            lines.append((prefix + text, i if grouped else -1))
    if style.show_p and result.logrank is not None:
        lines.append((f"Log-rank test: {p_text(result.logrank.p)}", -1))
    if style.show_hr and hr_text:
        lines.append((hr_text, -1))
    return lines


def annotation_note(result: CohortResult, style: FigureStyle) -> str:
    """The conventions of the annotations, for the caption (medians: NR = not reached, NE = not estimable)."""
    if not (style.show_median or style.landmark_times or (style.show_p and result.logrank is not None)):
        return ""
    notes = []
    if style.show_median:
        notes.append("median by the R/SAS midpoint rule, NR = not reached, NE = not estimable")
    if style.landmark_times:
        notes.append(f"rates: Kaplan–Meier S(t) with {100 * result.conf_level:g}% CI ({result.conf_type} transform)")
    if style.show_p and result.logrank is not None:
        notes.append(f"p: {result.logrank.method}")
    return "Annotations: " + "; ".join(notes)


# -- drawing on given axes --------------------------------------------------------------------
def draw_curves(ax: Axes, series: Sequence[Series], style: FigureStyle, unit: str, ylabel: str,
                rising: bool = False, ci_name: str | None = None) -> list[float]:
    """The curves on ``ax`` in ``style``; returns the x ticks (the risk table's columns)."""
    if not series:
        raise ValueError("no curves to draw")
    f = style.y_factor()
    ci = style.ci_mode(len(series))
    marks = sum(s.censor_x.size for s in series) <= MAX_CENSOR_MARKS and style.censor_marks
    for i, s in enumerate(series):
        color, ls = style.color(i), style.line_style(i)
        ax.step(s.x, s.y * f, where="post", color=color, linestyle=ls, linewidth=style.line_width, label=s.label,
                zorder=3)
        if ci != "none" and s.lower is not None and s.upper is not None:
            bx, blo, bhi = _band(s.x, s.lower, s.upper)
            if ci == "band":
                ax.fill_between(bx, blo * f, bhi * f, color=color, alpha=style.ci_alpha, linewidth=0, zorder=1)
            else:
                for limit in (blo, bhi):
                    ax.plot(bx, limit * f, zorder=2, **_limit_look(style, i))
        if marks and s.censor_x.size:
            ax.plot(s.censor_x, s.censor_y * f, linestyle="none", marker=style.censor_marker,
                    markersize=style.censor_size, markeredgewidth=0.8 * style.line_width, color=color,
                    markerfacecolor="none" if style.censor_marker == "o" else color, zorder=4)
    last = max(float(s.x[-1]) for s in series)
    ticks, (start, end) = axis_ticks(style, unit, last)
    drop_at_zero = not rising and any(s.km is not None and s.km.time.size and s.km.time[0] == 0.0
                                      and s.km.n_events[0] > 0 for s in series)
    ax.set_xlim(start - 0.025 * (end - start) if drop_at_zero and start == 0 else start, end)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_ylim(style.y_min * f, style.y_max * f if style.y_max < 1.0 else (style.y_max + 0.04) * f)
    yt = [v for v in np.linspace(0.0, 1.0, 5) if style.y_min - 1e-9 <= v <= style.y_max + 1e-9]
    ax.set_yticks([v * f for v in yt])
    ax.set_yticklabels([f"{v * f:g}" if style.y_scale == "percent" else f"{v:.2f}" for v in yt])  # 0.00 … 1.00
    ax.set_xlabel(style.x_label or f"Time ({unit})")
    # a long endpoint name ("Event-free survival, treatment failure as event at day 0") wraps along the axis
    ax.set_ylabel(fit_axis_label(ax, style.y_label or (f"{ylabel} (%)" if style.y_scale == "percent" else ylabel)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if style.title:
        ax.set_title(style.title, loc="left", fontweight="bold", pad=4.0)
    _legend(ax, series, style, ci, ci_name)
    return ticks


def _limit_look(style: FigureStyle, i: int) -> dict[str, Any]:
    """Dashed CI limits in the group's colour; in greyscale thin, dotted and lighter, so that they are not
    read as a second group's dashed curve."""
    if style.palette == "greyscale":
        r, g, b, _ = to_rgba(style.color(i))
        return {"color": (0.5 + 0.5 * r, 0.5 + 0.5 * g, 0.5 + 0.5 * b), "linestyle": ":",
                "linewidth": style.line_width * 0.45}
    return {"color": style.color(i), "linestyle": (0, (3, 2)), "linewidth": style.line_width * 0.6}


def _legend(ax: Axes, series: Sequence[Series], style: FigureStyle, ci: str, ci_name: str | None,
            title: str | None = None) -> None:
    if style.legend_position == "none":
        return
    handles: list[Any] = [Line2D([], [], color=style.color(i), linestyle=cast(Any, style.line_style(i)),
                                 linewidth=style.line_width) for i in range(len(series))]
    labels = [s.label for s in series]
    if style.legend_position == "right":  # beside the plot: at most a third of the figure's width
        fig = ax.get_figure(root=True)
        width_pt = 72.0 * float(fig.get_size_inches()[0]) / 3.0 if isinstance(fig, Figure) else 100.0
        labels = [_wrap_label(x, int(width_pt / (0.55 * style.font_size)) - 4) for x in labels]
    elif style.legend_position in _CORNERS:  # inside the plot: at most half of it
        labels = [_wrap_label(x, 40) for x in labels]
    if ci != "none" and ci_name:
        parts: tuple[Artist, ...]
        if ci == "band":  # the band's own colours, so the key matches what is drawn
            parts = tuple(Patch(facecolor=style.color(i), alpha=max(style.ci_alpha, 0.12), linewidth=0)
                          for i in range(len(series)))
        else:
            parts = tuple(Line2D([], [], **_limit_look(style, i)) for i in range(len(series)))
        handles.append(parts if len(parts) > 1 else parts[0])
        labels.append(ci_name)
    inside = style.legend_position in _CORNERS  # over the data: on white, so no curve runs through the text
    kwargs: dict[str, Any] = {"frameon": inside, "handlelength": 1.8, "title": title, "alignment": "left",
                              "handler_map": {tuple: HandlerTuple(ndivide=None, pad=0.2)}}
    if style.legend_position == "above":
        fig = ax.get_figure(root=True)
        width_pt = 72.0 * float(fig.get_size_inches()[0] * ax.get_position().width) if isinstance(fig, Figure) else 300.0
        chars = width_pt / (0.55 * style.font_size)
        widths = sorted((len(x) + 6 for x in labels), reverse=True)
        ncol = max([1] + [k for k in range(1, len(widths) + 1) if sum(widths[:k]) <= chars])
        kwargs.update(bbox_to_anchor=(0.0, 1.01), ncol=ncol, borderaxespad=0.0, columnspacing=1.2)
        ax.legend(handles, labels, loc="lower left", **kwargs)
    elif style.legend_position == "right":
        kwargs.update(bbox_to_anchor=(1.02, 0.5), borderaxespad=0.0)
        ax.legend(handles, labels, loc="center left", **kwargs)
    else:
        kwargs.update(borderaxespad=0.3, facecolor="white", framealpha=1.0, edgecolor="#BBBBBB", fancybox=False,
                      borderpad=0.3)
        legend = ax.legend(handles, labels, loc=cast(Any, _CORNERS[style.legend_position]), **kwargs)
        legend.get_frame().set_linewidth(0.4)
        legend.set_zorder(6)


def _wrap_label(text: str, chars: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, max(10, chars))) or text


def _title_above_legend(ax: Axes, style: FigureStyle) -> None:
    """A figure title above a legend placed above the plot, not on it."""
    fig = ax.get_figure(root=True)
    legend = ax.get_legend()
    if not style.title or legend is None or style.legend_position != "above" or not isinstance(fig, Figure):
        return
    fig.draw_without_rendering()
    height_pt = legend.get_window_extent(fig._get_renderer()).height * 72.0 / fig.dpi  # type: ignore[attr-defined]
    ax.set_title(style.title, loc="left", fontweight="bold", pad=6.0 + height_pt)


def risk_rows(series: Sequence[Series], times: Sequence[float], mode: str) -> list[tuple[str, list[str]]]:
    """Cells of the table under the plot: number at risk, with cumulative events or censored."""
    rows = []
    for s in series:
        assert s.km is not None
        cells = []
        for t in times:
            est = survival_at(s.km, float(t))
            extra = {"at_risk_events": f" ({est.n_events})", "at_risk_censored": f" ({est.n_censored})"}.get(mode, "")
            cells.append(f"{est.n_at_risk}{extra}")
        rows.append((s.label, cells))
    if len(rows) == 1 and len(rows[0][0]) > ROW_LABEL_CHARS:  # a population's long name: the legend has it
        rows = [("", rows[0][1])]
    return [(label if len(label) <= ROW_LABEL_CHARS else _wrap_label(label, ROW_LABEL_CHARS), cells)
            for label, cells in rows]


def _table_color(style: FigureStyle, r: int) -> str:
    """A row's text in its curve's colour; black in greyscale (light greys print faintly)."""
    return "black" if style.palette == "greyscale" else style.color(r)


def draw_risk_table(ax_table: Axes, series: Sequence[Series], times: Sequence[float], style: FigureStyle) -> None:
    rows = risk_rows(series, times, style.risk_table)
    size = style.font_size * 0.93
    n = len(rows)
    lo, hi = ax_table.get_xlim()
    for r, (_label, cells) in enumerate(rows):
        for t, text in zip(times, cells, strict=True):
            if lo - 1e-9 <= t <= hi + 1e-9:
                ax_table.text(float(t), n - r - 0.5, text, ha="center", va="center", fontsize=size,
                              color=_table_color(style, r))
    ax_table.set_ylim(0.0, float(n))
    ax_table.set_yticks([n - r - 0.5 for r in range(n)])
    ax_table.set_yticklabels([label for label, _ in rows], fontsize=size)
    for r, tick in enumerate(ax_table.get_yticklabels()):
        tick.set_color(_table_color(style, r))
    ax_table.tick_params(axis="y", length=0, pad=3.0 * size)  # room for half of the t = 0 cell
    ax_table.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
    for spine in ax_table.spines.values():
        spine.set_visible(False)
    ax_table.set_title(RISK_TABLES[style.risk_table], loc="left", fontsize=size, pad=2.0)


# -- whole panels and figures -----------------------------------------------------------------
def result_series(result: CohortResult, style: FigureStyle) -> list[Series]:
    labels = curve_labels(result, style)
    return [km_series(label, g.km) for label, g in zip(labels, result.groups, strict=True)]


def ci_name(result: CohortResult) -> str:
    transform = {"log": "log transform", "log-log": "log-log transform", "plain": "plain scale"}[result.conf_type]
    return f"{100 * result.conf_level:g}% CI, {transform}"


def draw_survival_axes(ax: Axes, ax_table: Axes | None, result: CohortResult, style: FigureStyle,
                       hr_text: str | None = None) -> list[float]:
    """Curves, legend, annotations on ``ax``; the risk table (if any) on ``ax_table`` (sharing x)."""
    series = result_series(result, style)
    ticks = draw_curves(ax, series, style, result.unit, result.rule.label, ci_name=ci_name(result))
    legend = ax.get_legend()
    if legend is not None:
        title = legend_title(result, style)
        if title:
            legend.set_title(title)
            legend.get_title().set_fontsize(style.font_size * 0.93)
    if ax_table is not None:
        draw_risk_table(ax_table, series, ticks, style)
        ax.tick_params(axis="x", labelbottom=True)
    _title_above_legend(ax, style)
    draw_annotations(ax, annotation_lines(result, style, hr_text), style)  # last: placed where data leave room
    return ticks


def table_height_in(style: FigureStyle, rows: int) -> float:
    return (0.16 + 0.14 * rows) * style.font_size / 7.0 if style.risk_table != "none" else 0.0


def draw_survival_panel(target: Figure | SubFigure, result: CohortResult, style: FigureStyle,
                        hr_text: str | None = None) -> None:
    """The styled KM panel filling ``target`` (a figure with constrained layout: nothing overlaps)."""
    with rc_context(cast(Any, rc_params(style))):
        rows = len(result.groups)
        table_in = table_height_in(style, rows)
        if table_in:
            plot_in = max(1.0, float(target.figure.get_figheight()) - table_in - 0.6 * style.font_size / 7.0)
            grid = target.add_gridspec(2, 1, height_ratios=[plot_in, table_in], hspace=0.02)
            ax = target.add_subplot(grid[0])
            ax_table = target.add_subplot(grid[1], sharex=ax)
        else:
            ax, ax_table = target.add_subplot(1, 1, 1), None
        draw_survival_axes(ax, ax_table, result, style, hr_text)


def survival_figure(result: CohortResult, style: FigureStyle, hr_text: str | None = None,
                    caption: str | None = None) -> Figure:
    """The journal figure at the style's physical size; ``caption`` is burned in only if given."""
    with rc_context(cast(Any, rc_params(style))):
        height = style.height_in(len(result.groups)) + (_caption_in(caption, style) if caption else 0.0)
        fig = Figure(figsize=(style.width_in, height), dpi=style.dpi,
                     layout=ConstrainedLayoutEngine(h_pad=0.03, w_pad=0.03, hspace=0.02))
        if caption:  # first: the annotations are placed on the figure as laid out
            add_caption(fig, caption, style)
        draw_survival_panel(fig, result, style, hr_text)
    return fig


def _caption_in(caption: str, style: FigureStyle) -> float:
    lines = len(_wrap(caption, style.width_in, style.font_size * 0.8))
    return lines * style.font_size * 0.8 * 1.3 / 72.0 + 0.05


def _wrap(text: str, width_in: float, size: float) -> list[str]:
    import textwrap

    return textwrap.wrap(text, max(30, int(width_in * 72.0 / (size * 0.5))))


def add_caption(fig: Figure, caption: str, style: FigureStyle) -> None:
    """The conventions line under everything, inside the layout (so it never covers the table)."""
    size = style.font_size * 0.8
    fig.supxlabel("\n".join(_wrap(caption, style.width_in, size)), x=0.01, ha="left", fontsize=size,
                  color="#333333")


def draw_incidence_axes(ax: Axes, curves: Sequence[tuple[str, CumulativeIncidence]], style: FigureStyle,
                        unit: str, ci_label: str | None) -> list[float]:
    series = [cif_series(style.legend_text(i, label), cif) for i, (label, cif) in enumerate(curves)]
    # two competing events: no bands by default, as for compared groups (overlapping bands read as one)
    ticks = draw_curves(ax, series, style, unit, "Cumulative incidence", rising=True, ci_name=ci_label)
    _title_above_legend(ax, style)
    return ticks


def incidence_figure(curves: Sequence[tuple[str, CumulativeIncidence]], style: FigureStyle, unit: str,
                     ci_label: str | None = None, caption: str | None = None) -> Figure:
    """Cumulative incidence (rising from 0) at the style's size; no risk table."""
    with rc_context(cast(Any, rc_params(style))):
        height = style.height_in(0) + (_caption_in(caption, style) if caption else 0.0)
        fig = Figure(figsize=(style.width_in, height), dpi=style.dpi, layout=ConstrainedLayoutEngine(h_pad=0.03, w_pad=0.03))
        draw_incidence_axes(fig.add_subplot(1, 1, 1), curves, style, unit, ci_label)
        if caption:
            add_caption(fig, caption, style)
    return fig


Rect = tuple[float, float, float, float]  # left, bottom, width, height in figure fractions


def draw_survival_in_rect(target: Figure | SubFigure, rect: Rect, result: CohortResult, style: FigureStyle,
                          hr_text: str | None = None) -> None:
    """The styled KM panel in ``rect`` of a page without a layout engine (the report): room is kept in
    inches for the legend, the tick labels, the axis title and the table's title, so nothing overlaps."""
    left, bottom, width, height = rect
    fig_w, fig_h = (float(v) for v in target.figure.get_size_inches())
    inch_y, inch_x, scale = 1.0 / fig_h, 1.0 / fig_w, style.font_size / 7.0
    rows = len(result.groups)
    table_h = table_height_in(style, rows) * inch_y
    above = 0.0
    if style.legend_position == "above":
        title_lines = (legend_title(result, style) or "").count("\n") + (1 if legend_title(result, style) else 0)
        above = (0.22 + 0.13 * title_lines) * scale
    above += 0.18 * scale if style.title else 0.0
    x = left + 0.75 * scale * inch_x
    w = width - 0.75 * scale * inch_x - (0.3 * width if style.legend_position == "right" else 0.05 * width)
    table_bottom = bottom + 0.05 * inch_y
    plot_bottom = table_bottom + table_h + (0.42 * scale * inch_y if table_h else 0.0) + 0.38 * scale * inch_y
    plot_h = bottom + height - plot_bottom - above * inch_y
    with rc_context(cast(Any, rc_params(style))):
        ax = target.add_axes((x, plot_bottom, w, plot_h))
        ax_table = target.add_axes((x, table_bottom, w, table_h), sharex=ax) if table_h else None
        draw_survival_axes(ax, ax_table, result, style, hr_text)


def draw_incidence_in_rect(target: Figure | SubFigure, rect: Rect, curves: Sequence[tuple[str, CumulativeIncidence]],
                           style: FigureStyle, unit: str, ci_label: str | None) -> None:
    """Cumulative incidence in ``rect`` of a report page, room kept for the legend and the axis labels."""
    left, bottom, width, height = rect
    fig_w, fig_h = (float(v) for v in target.figure.get_size_inches())
    scale = style.font_size / 7.0
    above = (0.5 * scale if style.legend_position == "above" else 0.0) + (0.18 * scale if style.title else 0.0)
    x = left + 0.75 * scale / fig_w
    w = width - 0.75 * scale / fig_w - (0.3 * width if style.legend_position == "right" else 0.05 * width)
    plot_bottom = bottom + 0.45 * scale / fig_h
    with rc_context(cast(Any, rc_params(style))):
        ax = target.add_axes((x, plot_bottom, w, bottom + height - plot_bottom - above / fig_h))
        draw_incidence_axes(ax, curves, style, unit, ci_label)
