"""The models in words, rounded for reading (the JSON keeps every digit): one text for the command
line, the Analysis tab's "Cox model" view and the report, so that the three never disagree.
"""

from __future__ import annotations

from analysis.statistics.cox import Coefficient, CoxModel
from analysis.statistics.fine_gray import FineGrayModel, SubdistributionCoefficient
from analysis.statistics.gray import GrayTest
from analysis.statistics.models import ModelResults
from analysis.statistics.numbers import p_text
from analysis.statistics.relapse_causes import CAUSE_LABELS

_NO_ESTIMATE = {
    "zero": "0: no events in this group, so no finite estimate (monotone likelihood)",
    "infinite": "infinite: no events in the reference group, so no finite estimate (monotone likelihood)",
    "not_estimable": "not estimable",
}


def _ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}" if x < 0.01 or x >= 1000 else f"{x:.2f}"


def ratio_text(c: Coefficient | SubdistributionCoefficient, conf_level: float, name: str = "HR") -> str:
    """E.g. "HR 0.59 (95% CI 0.42 to 0.82), p = 0.0015"; an estimate that does not exist in words."""
    if c.status != "estimate" or c.hazard_ratio is None or c.p is None:
        return f"{name} {_NO_ESTIMATE.get(c.status, 'not estimable')}"
    pct = f"{100 * conf_level:g}%"
    return f"{name} {_ratio(c.hazard_ratio)} ({pct} CI {_ratio(c.ci_lower)} to {_ratio(c.ci_upper)}), {p_text(c.p)}"


def cox_headline(model: CoxModel) -> str:
    """The one line a figure annotation or a results sentence needs: the first term's HR."""
    if not model.coefficients:
        return "Cox model: " + (model.reason or "no covariate")
    first = model.coefficients[0]
    return f"{first.label}: {ratio_text(first, model.conf_level)} (Cox, {model.ties} ties)"


def cox_lines(model: CoxModel) -> list[str]:
    pct = f"{100 * model.conf_level:g}%"
    lines = [f"{model.method}; {model.n} cases, {model.events} events; {pct} Wald CI of each hazard ratio."]
    if not model.estimable:
        lines.append(f"  Not estimable: {model.reason}")
    for c in model.coefficients:
        extra = "" if c.coef is None or c.se is None or c.z is None else (
            f"; coefficient {c.coef:.4f} (SE {c.se:.4f}), z {c.z:.2f}")
        counts = "" if c.n is None else f" [{c.n} cases, {c.events} events]"
        lines.append(f"  {c.label}: {ratio_text(c, model.conf_level)}{extra}{counts}")
    if model.likelihood_ratio and model.wald and model.score:
        lines.append("  Model tests: " + "; ".join(
            f"{t.name} chi-square {t.chisq:.2f} on {t.df} df, {p_text(t.p)}"
            for t in (model.likelihood_ratio, model.wald, model.score)))
    if model.ph_global is not None:
        terms = "; ".join(f"{t.name} chi-square {t.chisq:.2f}, {p_text(t.p)}" for t in model.ph_terms)
        lines.append(f"  Proportional hazards ({model.ph_method}): {terms}; global chi-square "
                     f"{model.ph_global.chisq:.2f} on {model.ph_global.df} df, {p_text(model.ph_global.p)}")
    lines += [f"  Caution: {w}" for w in model.warnings]
    return lines


def gray_lines(tests: tuple[GrayTest, ...], reason: str | None = None) -> list[str]:
    if not tests:
        return [reason] if reason else []
    lines = [f"{tests[0].method}, between {', '.join(tests[0].groups)}:"]
    for t in tests:
        why = f" ({t.reason})" if t.reason else ""
        lines.append(f"  {CAUSE_LABELS[t.cause]}: chi-square {t.chisq:.3f} on {t.df} df, {p_text(t.p)}{why}")
    return lines


def fine_gray_lines(model: FineGrayModel) -> list[str]:
    lines = [f"Fine–Gray subdistribution hazards model of {CAUSE_LABELS[model.cause].lower()}, {model.method}; "
             f"{model.n} cases, "
             f"{model.events} failures from this cause, {model.competing} from competing causes."]
    if not model.estimable:
        lines.append(f"  Not estimable: {model.reason}")
    for c in model.coefficients:
        lines.append(f"  {c.label}: {ratio_text(c, model.conf_level, 'subdistribution HR')}")
    lines += [f"  Caution: {w}" for w in model.warnings]
    return lines


def models_lines(models: ModelResults) -> list[str]:
    """Every model of the analysis, in the order a paper reports them."""
    lines: list[str] = []
    if models.cox is not None:
        lines += cox_lines(models.cox)
    gray = gray_lines(models.gray, models.gray_reason)
    if gray:
        lines += ["", *gray]
    for m in models.fine_gray:
        lines += ["", *fine_gray_lines(m)]
    return lines
