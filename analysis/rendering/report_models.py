"""The models of an analysis on paper and on screen: the Cox and Fine–Gray tables, cumulative incidence
by group (one plot per cause, Gray's test in the caption), the optional hazard-ratio note on the grouped
Kaplan–Meier figure, and the report's "Regression models" section. Figures use the project's figure
style (analysis.rendering.figures); nothing here restyles them.
"""

from __future__ import annotations

from typing import Any, cast

from matplotlib import rc_context
from matplotlib.figure import Figure, SubFigure

from analysis.rendering.figures import FIGURE_RC, draw_cumulative_incidence
from analysis.statistics.cohort import CohortResult, fields_for
from analysis.statistics.competing_risks import CumulativeIncidence, cumulative_incidence
from analysis.statistics.cox import CoxModel
from analysis.statistics.fine_gray import FineGrayModel
from analysis.statistics.model_text import fine_gray_lines, gray_lines, ratio_text
from analysis.statistics.models import ModelResults
from analysis.statistics.numbers import p_text
from analysis.statistics.relapse_causes import CAUSE_LABELS, CAUSE_NAMES, relapse_causes
from analysis.statistics.tables import Table

Rect = tuple[float, float, float, float]


def _ratio_cells(text: str) -> tuple[str, str]:
    """"0.59 (95% CI 0.42 to 0.82), p = 0.0015" -> the ratio with its CI, and the p; words stay whole."""
    ratio, sep, p = text.rpartition("), ")
    return (ratio + ")", p) if sep else (text, "–")


def cox_table(model: CoxModel) -> Table:
    """One row per coefficient: HR (CI), p, coefficient (SE), cases / events of the level."""
    pct = f"{100 * model.conf_level:g}%"
    rows = []
    for c in model.coefficients:
        hr, p = _ratio_cells(ratio_text(c, model.conf_level).removeprefix("HR "))
        rows.append((c.label, hr, p,
                     "–" if c.coef is None or c.se is None else f"{c.coef:.4f} ({c.se:.4f})",
                     "–" if c.n is None else f"{c.n} / {c.events}"))
    tests = ""
    if model.likelihood_ratio and model.wald and model.score:
        tests = " Model: " + "; ".join(f"{t.name} test chi-square {t.chisq:.2f} on {t.df} df, {p_text(t.p)}"
                                       for t in (model.likelihood_ratio, model.wald, model.score)) + "."
    if model.ph_global is not None:
        tests += (f" Proportional hazards ({model.ph_method}): global chi-square {model.ph_global.chisq:.2f} on "
                  f"{model.ph_global.df} df, {p_text(model.ph_global.p)}; " + "; ".join(
                      f"{t.name} {p_text(t.p)}" for t in model.ph_terms) + ".")
    note = (f"{model.method}; {model.n} cases, {model.events} events; {pct} Wald CI; categories against their "
            f"reference level (R's treatment contrasts).{tests}" + ("" if model.estimable else
                                                                    f" Not estimable: {model.reason}"))
    return Table("Cox proportional hazards model", ("Term", f"Hazard ratio ({pct} CI)", "p", "Coefficient (SE)",
                                                    "Cases / events"), tuple(rows), note, "Cox")


def fine_gray_table(model: FineGrayModel) -> Table:
    pct = f"{100 * model.conf_level:g}%"
    rows = []
    for c in model.coefficients:
        rows.append((c.label, *_ratio_cells(ratio_text(c, model.conf_level, "sHR").removeprefix("sHR "))))
    note = " ".join(fine_gray_lines(model)[:1] + [f"Not estimable: {model.reason}" if not model.estimable else ""])
    return Table(f"Fine–Gray model: {CAUSE_LABELS[model.cause].lower()}",
                 ("Term", f"Subdistribution hazard ratio ({pct} CI)", "p"), tuple(rows), note.strip(),
                 f"Fine-Gray {model.cause}")


def group_cif(result: CohortResult, cause: int) -> list[tuple[str, CumulativeIncidence]]:
    """Cumulative incidence of ``cause`` per group of the result's grouping (value as read)."""
    fields = fields_for(result.custom_kinds)
    grouping = fields.get(result.group_by) if result.group_by else None
    if grouping is None:
        return []
    out = []
    for label in sorted({v for v in (grouping.value(c) for c in result.cases) if v is not None}):
        data = relapse_causes([c for c in result.cases if grouping.value(c) == label], result.unit)
        if data.time.size:
            out.append((grouping.short_display(label),
                        cumulative_incidence(data.time, data.cause, cause, conf_level=result.conf_level)))
    return out


def group_cif_caption(result: CohortResult, models: ModelResults, cause: int) -> str:
    test = next((t for t in models.gray if t.cause == cause), None)
    gray = "" if test is None else (f"; Gray's test chi-square {test.chisq:.2f} on {test.df} df, {p_text(test.p)}"
                                    + (f" ({test.reason})" if test.reason else ""))
    pct = f"{100 * result.conf_level:g}%"
    return (f"{CAUSE_LABELS[cause]} by {result.group_label}: Aalen–Johansen cumulative incidence, {pct} CI "
            f"(delta method, log-log transform); time in {result.unit}{gray}.")


def draw_group_cif_panel(target: Figure | SubFigure, result: CohortResult, cause: int, show_ci: bool = True,
                         rect: Rect | None = None) -> bool:
    """One cause's cumulative incidence, one curve per group; False when there is no grouping."""
    curves = group_cif(result, cause)
    if not curves:
        return False
    with rc_context(cast(Any, FIGURE_RC)):
        if rect is None:
            ax = target.add_subplot(1, 1, 1)
        else:  # room for the axis label below and the legend above, as the other panels keep
            inch = 1.0 / float(target.figure.get_figheight())
            left, bottom, width, height = rect
            ax = target.add_axes((left + 0.1 * width, bottom + 0.4 * inch, 0.9 * width, height - 1.0 * inch))
        draw_cumulative_incidence(ax, curves, show_ci=show_ci, time_unit=result.unit)
        legend = ax.get_legend()
        if legend is not None and result.group_label:
            legend.set_title(result.group_label)
    return True


def hazard_ratio_text(models: ModelResults | None, result: CohortResult) -> str | None:
    """The Cox HR of the grouping as one line, e.g. "yes vs no: HR 2.87 (95% CI 0.52 to 15.89), p = 0.2281
    (Cox)": the level, not the field (the legend has it). None without a grouping or a Cox model."""
    if models is None or models.cox is None or result.group_by is None or not models.cox.coefficients:
        return None
    first = models.cox.coefficients[0]
    adjusted = [t for t in models.covariates if t != result.group_by]
    how = f"Cox, adjusted for {', '.join(adjusted)}" if adjusted else "Cox"
    return f"{first.label.split(': ', 1)[-1]}: {ratio_text(first, models.cox.conf_level)} ({how})"


def annotate_hazard_ratio(fig: Figure | SubFigure, models: ModelResults | None, result: CohortResult) -> None:
    """The Cox HR of the grouping (and the log-rank p) written in the Kaplan–Meier plot's upper right."""
    text = hazard_ratio_text(models, result)
    if text is None or not fig.axes:
        return
    if result.logrank is not None:
        text += f"\nlog-rank {p_text(result.logrank.p)}"
    ax = fig.axes[0]
    ax.text(0.98, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=6.5,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5})


def write_models_section(pages: Any, result: CohortResult, models: ModelResults, show_ci: bool = True) -> None:
    """The report's "Regression models and competing risks by group" pages (nothing when not asked)."""
    if not models.asked:
        return
    pages.new_page()
    pages.heading("Regression models and competing risks by group", 10)
    if models.cox is not None:
        pages.table(cox_table(models.cox))
        for w in models.cox.warnings:
            pages.paragraph(f"Caution: {w}", color="#8B0000")
    for cause in CAUSE_NAMES:
        if group_cif(result, cause):
            pages.heading(f"{CAUSE_LABELS[cause]} by {result.group_label}", 9)
            pages.panel(2.8, lambda page, rect, c=cause: draw_group_cif_panel(page, result, c, show_ci, rect),
                        width=4.6)
            pages.paragraph(group_cif_caption(result, models, cause), size=7, color="#333333")
    if not models.gray:
        pages.paragraph(" ".join(gray_lines(models.gray, models.gray_reason)))
    for m in models.fine_gray:
        pages.table(fine_gray_table(m))
        for w in m.warnings:
            pages.paragraph(f"Caution: {w}", color="#8B0000")
