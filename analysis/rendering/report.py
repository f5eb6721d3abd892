"""The analysis report: one PDF with the figures, the tables, the endpoint definitions, each
case's endpoint explanation, the conventions and the data-freeze label (when there is one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from matplotlib import rc_context

from analysis.rendering.figure_files import km_caption_text
from analysis.rendering.figure_style import DEFAULT_STYLE, FigureStyle, rc_params
from analysis.rendering.figures import cif_caption
from analysis.rendering.journal_figures import draw_incidence_in_rect, draw_survival_in_rect
from analysis.rendering.journal_files import SAVE_RC
from analysis.rendering.report_models import hazard_ratio_text, write_models_section
from analysis.rendering.result_figures import (
    CIF_NON_RELAPSE_LABEL,
    CIF_RELAPSE_LABEL,
    relapse_and_nrm,
)
from analysis.statistics.cohort import CohortResult
from analysis.statistics.endpoints import EndpointRule
from analysis.statistics.models import analyse_models
from analysis.statistics.numbers import p_text, percent
from analysis.statistics.tables import Table, characteristics_table, patient_table, rates_table

#: Explanations beyond this many cases are left to the CSV export (the report says so).
MAX_EXPLANATIONS = 2000


@dataclass(frozen=True)
class ReportContext:
    title: str | None = None
    freeze_label: str | None = None
    definitions: tuple[EndpointRule, ...] = ()  # every stored definition, printed in full
    custom_kinds: dict[str, str] | None = None
    covariates: tuple[str, ...] = ()  # Cox / Fine–Gray covariates beside the grouping (issue 13)
    reference: tuple[str, ...] = ()  # "LEVEL" of the grouping or "FIELD=LEVEL"


def current_freeze_label(database: Any) -> str | None:
    """The latest data freeze's label (and whether the data still match it), or None."""
    try:
        from storage.safety.freeze import freeze_label
    except ImportError:  # a database layer without freezes
        return None
    with database.session() as session:
        label: str | None = freeze_label(session)
    return label


def _pct(x: float | None) -> str:
    return "not available" if x is None else percent(x)


def results_table(result: CohortResult) -> Table:
    """Per group: n, events, censored, median (CI), each landmark S(t) (CI) with at risk / events / censored."""
    pct = f"{100 * result.conf_level:g}%"
    columns = ["Group", "n", "Events", "Censored", f"Median, {result.unit} ({pct} CI)"]
    times = [lm.time for lm in result.groups[0].landmarks]
    columns += [f"S({t:g}) ({pct} CI); at risk / events / censored" for t in times]
    rows = []
    for g in result.groups:
        lo, hi = g.median.limit_texts(1, unit=result.unit)
        cells = [g.label, str(g.n), str(g.events), str(g.censored),
                 f"{g.median.median_text(1, unit=result.unit)} ({lo} to {hi})"]
        cells += [f"{_pct(lm.survival)} ({_pct(lm.ci_lower)} to {_pct(lm.ci_upper)}); "
                  f"{lm.n_at_risk} / {lm.n_events} / {lm.n_censored}" for lm in g.landmarks]
        rows.append(tuple(cells))
    return Table(f"{result.rule.label}: medians and landmark estimates", tuple(columns), tuple(rows),
                 result.conventions(), "Results")


def logrank_text(result: CohortResult) -> str:
    if result.logrank is None:
        return "No group comparison." if result.group_by is None else "Log-rank test not available (one group)."
    lr = result.logrank
    return (f"Log-rank test by {result.group_label} ({lr.method}): chi-square {lr.chisq:.3f}, "
            f"{lr.df} degree(s) of freedom, {p_text(lr.p)}" + (f" ({lr.reason})." if lr.reason else "."))


def write_report(
    path: Path,
    result: CohortResult,
    context: ReportContext = ReportContext(),
    show_ci: bool = True,
    generated: dt.datetime | None = None,
    style: FigureStyle | None = None,
    hr_text: str | None = None,
) -> Path:
    """Write the report PDF; every page carries the title, the freeze label and the date. The Kaplan–Meier
    figure is drawn in the study's figure style (``style``; the defaults if None), its legend naming the
    population; ``hr_text`` is the hazard ratio line a Cox model provides, shown if the style asks."""
    from matplotlib.backends.backend_pdf import PdfPages

    from analysis.rendering.report_layout import FlowingPages

    path = Path(path)
    when = (generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    freeze = context.freeze_label or "No data freeze recorded: the numbers reflect the database as it was on " + when
    footer = f"Casebook report, {when}. {(context.freeze_label or 'No data freeze').split(';')[0]}."
    metadata: dict[str, Any] = {"Title": context.title or "Casebook survival analysis", "Creator": "Casebook"}
    cases: Sequence[Any] = result.cases
    # the study's font, embedded as TrueType (Type 42), never Type 3
    with rc_context(cast(Any, {**rc_params(style or DEFAULT_STYLE), **SAVE_RC})), PdfPages(path, metadata=metadata) as pdf:
        pages = FlowingPages(pdf, footer=footer)
        pages.new_page()
        pages.heading(context.title or "Survival analysis")
        pages.paragraph(f"Report generated {when}.")
        pages.paragraph(freeze, color="#8B0000" if "WARNING" in freeze else "black")
        pages.heading("Endpoint and population", 10)
        pages.paragraph(result.rule.describe())
        pages.paragraph(f"Population: {result.population_text()}; {result.overall.n} cases analysed, "
                        f"{len(result.excluded)} not analysed. Grouping: {result.group_label or 'none'}.")
        pages.paragraph("Conventions: " + result.conventions())
        pages.heading("Kaplan–Meier estimate", 10)
        models = analyse_models(result, context.covariates, context.reference)
        hr_text = hr_text or hazard_ratio_text(models, result)
        drawn = (style or DEFAULT_STYLE).changed(ci="none") if not show_ci else (style or DEFAULT_STYLE)
        pages.panel(4.6, lambda page, rect: draw_survival_in_rect(page, rect, result, drawn, hr_text), width=5.4)
        pages.paragraph(km_caption_text(result, drawn), size=7, color="#333333")
        pages.table(results_table(result))
        pages.paragraph(logrank_text(result))
        pages.paragraph(f"Median follow-up (reverse Kaplan–Meier): {result.overall.follow_up_text(result.unit)}.")
        for warning in result.warnings:
            pages.paragraph(f"Caution: {warning}", color="#8B0000")
        cif = relapse_and_nrm(cases, result.unit, result.conf_level)
        if cif is not None:
            pages.new_page()
            pages.heading("Relapse and non-relapse mortality (competing risks)", 10)
            curves = [(CIF_RELAPSE_LABEL, cif.relapse), (CIF_NON_RELAPSE_LABEL, cif.non_relapse_mortality)]
            band = f"{100 * cif.relapse.conf_level:g}% CI, {cif.relapse.ci_method.rsplit(', ', 1)[-1]}"
            pages.panel(3.6, lambda page, rect: draw_incidence_in_rect(page, rect, curves, drawn, result.unit, band),
                        width=5.0)
            pages.paragraph(cif_caption(cif.relapse, result.unit, show_ci=drawn.ci_mode(2) != "none") + ". " + cif.definition,
                            size=7, color="#333333")
            pages.paragraph(
                f"At the end of follow-up: {CIF_RELAPSE_LABEL.lower()} {_pct(float(cif.relapse.estimate[-1]))}, "
                f"{CIF_NON_RELAPSE_LABEL.lower()} {_pct(float(cif.non_relapse_mortality.estimate[-1]))} "
                f"({cif.n} cases)."
            )
        write_models_section(pages, result, models, show_ci)
        pages.new_page()
        pages.table(characteristics_table(cases, group_by=result.group_by, custom_kinds=context.custom_kinds))
        pages.table(rates_table(cases, result.conf_level))
        pages.new_page(landscape=True)
        pages.table(patient_table(cases, unit=result.unit), size=6.5)
        pages.new_page(landscape=False)
        pages.heading("Endpoint definitions", 10)
        for rule in context.definitions or (result.rule,):
            pages.paragraph(f"{rule.name}: {rule.describe()}")
        pages.heading(f"Per-patient endpoint explanations ({result.rule.label})", 10)
        for line in result.explanations(MAX_EXPLANATIONS)[: len(result.analysed[:MAX_EXPLANATIONS])]:
            pages.paragraph(line, size=7)
        if len(result.analysed) > MAX_EXPLANATIONS:
            pages.paragraph(f"... and {len(result.analysed) - MAX_EXPLANATIONS} more cases: export the "
                            "per-patient table for all of them.", size=7)
        if result.excluded:
            pages.heading("Cases not analysed", 10)
            for x in result.excluded[:MAX_EXPLANATIONS]:
                pages.paragraph(f"{x.study_id}: {x.reason}", size=7)
        pages.finish_page()
    return path
