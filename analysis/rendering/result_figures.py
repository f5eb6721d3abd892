"""Figures of a cohort result: the KM panel (plot + aligned risk table), relapse vs non-relapse
mortality, and journal-sized export (PNG, SVG, PDF, TIFF at a chosen dpi). No pyplot, no Qt:
the caller passes a matplotlib Figure (a Qt canvas's, an Agg one, or a report page's subfigure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure, SubFigure

from analysis.rendering.figures import (
    FIGURE_RC,
    caption_for,
    draw_cumulative_incidence,
    draw_kaplan_meier,
    draw_risk_table,
    journal_figsize,
    kaplan_meier_figure,
)
from analysis.statistics.cohort import CohortResult
from analysis.statistics.competing_risks import CumulativeIncidence, cumulative_incidence
from analysis.statistics.endpoints import TIME_UNITS, unit_note
from analysis.statistics.kaplan_meier import KaplanMeier, ci_method_label

#: Above this many censored times in one figure the "+" marks merge into a bar and are left out.
MAX_CENSOR_MARKS = 300
EXPORT_FORMATS: tuple[str, ...] = ("png", "svg", "pdf", "tif", "tiff")
RELAPSE, NON_RELAPSE_DEATH = 1, 2
#: The two competing events. A non-responder's death from the disease counts with relapse, so the first
#: is not the Rates table's "relapse after salvage" (recorded relapses only) and says so.
CIF_RELAPSE_LABEL = "Relapse, progression or disease-related death"
CIF_NON_RELAPSE_LABEL = "Non-relapse (therapy-related or other) death"
CIF_DEFINITION = (
    f"{CIF_RELAPSE_LABEL}: first relapse after salvage, or death from the disease without a recorded "
    f"relapse (so more than the recorded relapses of the Rates table). {CIF_NON_RELAPSE_LABEL}: death from a "
    "therapy-related or other cause without a prior relapse. Censored at last follow-up. Over the analysed "
    "population."
)


def curves(result: CohortResult) -> list[tuple[str, KaplanMeier]]:
    """(legend label, KM) per group; a single curve is "All cases". A group is named by its value
    ("yes", "female"); the field's label titles the legend (:func:`legend_title`)."""
    if result.group_by is None:
        return [("All cases", result.overall.km)]
    shown = result.group_display or tuple(g.label for g in result.groups)
    return [(value, g.km) for value, g in zip(shown, result.groups, strict=True)]


def legend_title(result: CohortResult) -> str | None:
    return result.group_label if result.group_by is not None else None


def ci_legend(result: CohortResult) -> str:
    """The band's legend entry, naming the transform, e.g. "95% CI, log transform" (Greenwood: the caption)."""
    return f"{100 * result.conf_level:g}% CI, {ci_method_label(result.conf_type).split(', ', 1)[1]}"


Rect = tuple[float, float, float, float]  # left, bottom, width, height in figure fractions


def _split(rect: Rect, fig_height_in: float, table_rows: int, legend_in: float = 0.4) -> tuple[Rect, Rect]:
    """Plot and table axes inside ``rect``, leaving room (in inches) for tick labels, the axis
    label and the table's title."""
    left, bottom, width, height = rect
    inch = 1.0 / fig_height_in
    x, w = left + 0.13 * width, 0.84 * width
    table_h = (0.16 * table_rows) * inch if table_rows else 0.0
    gap = 0.45 * inch if table_rows else 0.0
    plot_bottom = bottom + table_h + gap + 0.35 * inch
    # the legend sits above the plot (it covers no data): room for its title and one row
    plot = (x, plot_bottom, w, bottom + height - plot_bottom - legend_in * inch)
    return plot, (x, bottom + 0.05 * inch, w, table_h)


def censor_marks_shown(result: CohortResult) -> bool:
    return sum(int(km.censor_times.size) for _, km in curves(result)) <= MAX_CENSOR_MARKS


def km_panel_caption(result: CohortResult, show_ci: bool = True) -> str:
    """The conventions under the KM panel (names what the marks mean, or that they were left out)."""
    text = caption_for(result.overall.km, result.unit, show_ci=show_ci)
    if not censor_marks_shown(result):
        text = text.replace("+ = censored", f"censor marks omitted (over {MAX_CENSOR_MARKS} censored times)")
    note = unit_note(result.unit)
    return f"{text}{'; ' + note if note else ''}. Population: {result.population_text()}."


def draw_km_panel(
    target: Figure | SubFigure, result: CohortResult, show_ci: bool = True, risk_table: bool = True,
    rect: Rect | None = None, export: bool = False,
) -> None:
    """KM curves with censor ticks, optional CI bands, and the number at risk (cumulative events)
    in a table whose columns sit under the x ticks; in ``rect`` of the figure, or filling it."""
    with rc_context(cast(Any, FIGURE_RC)):
        drawn = curves(result)
        if rect is not None:
            plot_rect, table_rect = _split(rect, float(target.figure.get_figheight()), len(drawn) if risk_table else 0)
            ax = target.add_axes(plot_rect)
            if risk_table:
                ax_table = target.add_axes(table_rect, sharex=ax)
        elif risk_table:
            # the table keeps its height in inches (one line a curve) however tall the figure is
            table_in = 0.15 + 0.2 * len(drawn)
            plot_in = max(1.0, float(target.figure.get_figheight()) - table_in - 0.7)
            grid = target.add_gridspec(2, 1, height_ratios=[plot_in, table_in], hspace=0.05)
            ax = target.add_subplot(grid[0])
            ax_table = target.add_subplot(grid[1], sharex=ax)
        else:
            ax = target.add_subplot(1, 1, 1)
        ticks = draw_kaplan_meier(ax, drawn, show_ci=show_ci, time_unit=result.unit, ylabel=result.rule.label,
                                  show_censors=censor_marks_shown(result), legend_title=legend_title(result),
                                  ci_legend=ci_legend(result) if export else None)
        if risk_table:
            draw_risk_table(ax_table, drawn, ticks)
            ax.tick_params(axis="x", labelbottom=True)


def km_export_figure(
    result: CohortResult, show_ci: bool = True, columns: int = 1, dpi: float = 300.0, risk_table: bool = True
) -> Figure:
    """The journal figure (85 mm single or 174 mm double column) of a result."""
    if not censor_marks_shown(result):  # a large cohort: the same panel without the merged "+" marks
        from matplotlib.layout_engine import ConstrainedLayoutEngine

        size = journal_figsize(columns, aspect=0.95 if risk_table else 0.75)
        fig = Figure(figsize=size, dpi=dpi, layout=ConstrainedLayoutEngine(h_pad=0.03, w_pad=0.03))
        draw_km_panel(fig, result, show_ci=show_ci, risk_table=risk_table, export=True)
        return fig
    return kaplan_meier_figure(curves(result), show_ci=show_ci, time_unit=result.unit, risk_table=risk_table,
                               columns=columns, dpi=dpi, ylabel=result.rule.label, legend_title=legend_title(result),
                               ci_legend=ci_legend(result) if show_ci else None)


@dataclass(frozen=True)
class RelapseMortality:
    relapse: CumulativeIncidence
    non_relapse_mortality: CumulativeIncidence
    n: int
    excluded: tuple[str, ...]
    unit: str
    definition: str = CIF_DEFINITION


def relapse_and_nrm(cases: Sequence[Any], unit: str = "months", conf_level: float = 0.95) -> RelapseMortality | None:
    """Aalen–Johansen cumulative incidence of relapse, progression or disease-related death, and of
    non-relapse (therapy-related or other) death."""
    times: list[float] = []
    causes: list[int] = []
    excluded: list[str] = []
    for c in cases:
        zero = c.time_zero
        if zero is None:
            excluded.append(c.study_id)
            continue
        if c.first_relapse_date is not None and (c.death_date is None or c.first_relapse_date <= c.death_date):
            when, cause = c.first_relapse_date, RELAPSE
        elif c.death_date is not None:
            when, cause = c.death_date, (RELAPSE if c.death_cause == "disease" else NON_RELAPSE_DEATH)
        elif c.last_follow_up is not None:
            when, cause = c.last_follow_up, 0
        else:
            excluded.append(c.study_id)
            continue
        times.append(max(0, (when - zero).days) / TIME_UNITS[unit])
        causes.append(cause)
    if not times:
        return None
    t = np.asarray(times, dtype=np.float64)
    k = np.asarray(causes, dtype=np.int64)
    return RelapseMortality(
        relapse=cumulative_incidence(t, k, RELAPSE, conf_level=conf_level),
        non_relapse_mortality=cumulative_incidence(t, k, NON_RELAPSE_DEATH, conf_level=conf_level),
        n=len(times), excluded=tuple(excluded), unit=unit,
    )


def draw_cif_panel(
    target: Figure | SubFigure, cif: RelapseMortality, show_ci: bool = True, rect: Rect | None = None,
    export: bool = False,
) -> None:
    """The two cumulative incidences; an export names the CI method in the legend (no caption there)."""
    transform = cif.relapse.ci_method.rsplit(", ", 1)[-1]  # e.g. "log-log transform"; the caption has the rest
    band = f"{100 * cif.relapse.conf_level:g}% CI, {transform}" if export else None
    with rc_context(cast(Any, FIGURE_RC)):
        ax = target.add_subplot(1, 1, 1) if rect is None else target.add_axes(_split(rect, float(target.figure.get_figheight()), 0)[0])
        draw_cumulative_incidence(
            ax, [(CIF_RELAPSE_LABEL, cif.relapse), (CIF_NON_RELAPSE_LABEL, cif.non_relapse_mortality)],
            show_ci=show_ci, time_unit=cif.unit, ci_legend=band,
        )


def cif_export_figure(cif: RelapseMortality, show_ci: bool = True, columns: int = 1, dpi: float = 300.0) -> Figure:
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = Figure(figsize=journal_figsize(columns, aspect=0.75), dpi=dpi, layout=ConstrainedLayoutEngine())
    draw_cif_panel(fig, cif, show_ci=show_ci, export=True)
    return fig


def export_figure(fig: Figure, path: Path, dpi: float = 300.0) -> Path:
    """Save as PNG, SVG, PDF or TIFF (LZW) by the file's suffix, at ``dpi`` for raster formats."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Cannot export a figure as '.{fmt}'; use PNG, SVG, PDF or TIFF.")
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    if fmt in ("tif", "tiff"):
        fig.savefig(path, dpi=dpi, format="tiff", facecolor="white", pil_kwargs={"compression": "tiff_lzw"})
    else:
        fig.savefig(path, dpi=dpi, format=fmt, facecolor="white")
    return path
