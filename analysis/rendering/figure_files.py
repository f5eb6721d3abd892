"""Every kind of figure (Kaplan–Meier, cumulative incidence, swimmer plot, patient timeline) built in the
study's :class:`FigureStyle` at its physical size, and written as a file a journal accepts.

The conventions caption goes into the image only when the style asks for it (``caption``); otherwise
it is returned by :func:`caption_text` to go beside the figure (the legend of the figure in the paper).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from analysis.rendering.figure_style import RISK_TABLES, FigureStyle, axis_ticks, rc_params
from analysis.rendering.figures import cif_caption
from analysis.rendering.journal_figures import annotation_note, incidence_figure, survival_figure
from analysis.rendering.journal_files import save_journal_figure
from analysis.rendering.result_figures import (
    CIF_NON_RELAPSE_LABEL,
    CIF_RELAPSE_LABEL,
    km_panel_caption,
    relapse_and_nrm,
)
from analysis.rendering.timeline_figures import draw_patient_timeline, draw_swimmer_plot
from analysis.statistics.cohort import CohortResult

KINDS = ("km", "cif", "swimmer", "timeline")


def km_caption_text(result: CohortResult, style: FigureStyle) -> str:
    """The conventions of a KM figure in this style (CI shown or not, what the table counts, annotations)."""
    shown = style.ci_mode(len(result.groups)) != "none"
    text = km_panel_caption(result, show_ci=shown)
    table = {"none": "", **{k: "table: " + v[0].lower() + v[1:] for k, v in RISK_TABLES.items() if k != "none"}}
    text = text.replace("table: number at risk (cumulative events)", table[style.risk_table]).replace("; ;", ";")
    text = text.replace("; .", ".").replace(";;", ";")
    if not style.censor_marks:
        text = text.replace("; + = censored", "")
    elif style.censor_marker != "+":
        text = text.replace("+ = censored", f"{style.censor_marker} = censored")
    note = annotation_note(result, style)
    return text + (" " + note + "." if note else "")


def cif_figure_for(result: CohortResult, style: FigureStyle) -> tuple[Figure, str]:
    cif = relapse_and_nrm(result.cases, result.unit, result.conf_level)
    if cif is None:
        raise ValueError("no case has the dates needed for cumulative incidence")
    shown = style.ci_mode(2) != "none"
    caption = cif_caption(cif.relapse, result.unit, show_ci=shown) + ". " + cif.definition
    transform = cif.relapse.ci_method.rsplit(", ", 1)[-1]
    band = f"{100 * cif.relapse.conf_level:g}% CI, {transform}"
    fig = incidence_figure([(CIF_RELAPSE_LABEL, cif.relapse), (CIF_NON_RELAPSE_LABEL, cif.non_relapse_mortality)],
                           style, result.unit, band, caption=caption if style.caption else None)
    return fig, caption


def timeline_kind_figure(kind: str, timelines: Sequence[Any], style: FigureStyle, unit: str = "months",
                         calendar: bool = False, xlim: tuple[float, float] | None = None) -> tuple[Figure, str]:
    """Swimmer plot or patient timeline at the style's width, font and (optional) caption."""
    lanes = max(len(timelines), 1)
    per_lane = (0.3 if kind == "swimmer" else 0.39) * style.font_size / 7.0
    height = style.height_mm / 25.4 if style.height_mm else min(9.0, (1.2 if kind == "swimmer" else 2.0) + per_lane * lanes)
    with rc_context(cast(Any, rc_params(style))):
        fig = Figure(figsize=(style.timeline_width_mm / 25.4, height), dpi=style.dpi,
                     layout=ConstrainedLayoutEngine(h_pad=0.04, w_pad=0.04))
        ax = fig.add_subplot(1, 1, 1)
        if kind == "swimmer":
            drawn = draw_swimmer_plot(ax, timelines, unit)
            left, right = ax.get_xlim()
            ticks, _ = axis_ticks(style.changed(x_start=0.0, x_end=None), unit, right / 1.02)
            ax.set_xticks(ticks)  # the clinical steps of the survival figures: 12 months, 1 year
            ax.set_xlim(left, right)
        else:
            drawn = draw_patient_timeline(ax, timelines, unit, calendar, xlim)
        if style.title:
            ax.set_title(style.title, loc="left", fontweight="bold")
        if style.caption:
            from analysis.rendering.journal_figures import add_caption

            add_caption(fig, drawn.caption, style.changed(width_mm=style.timeline_width_mm))
    return fig, drawn.caption


def build_figure(kind: str, style: FigureStyle, result: CohortResult | None = None,
                 timelines: Sequence[Any] = (), unit: str = "months", hr_text: str | None = None) -> tuple[Figure, str]:
    """(figure, conventions caption) of one kind in ``style``."""
    if kind == "km":
        assert result is not None
        caption = km_caption_text(result, style)
        return survival_figure(result, style, hr_text, caption=caption if style.caption else None), caption
    if kind == "cif":
        assert result is not None
        return cif_figure_for(result, style)
    if kind in ("swimmer", "timeline"):
        return timeline_kind_figure(kind, timelines, style, unit)
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def write_figure(fig: Figure, path: Path | str, dpi: int) -> Path:
    return save_journal_figure(fig, path, dpi)
