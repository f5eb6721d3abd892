"""The ``analyze --json`` contract: every number of the Analysis tab at full precision.

Nothing is rounded here: a value is the module's float as Python prints it (shortest repr that reads
back to the same double), so a script gets exactly what the statistics computed. ``null`` stands only
for a value that does not exist; where a median or a CI limit is missing, a status word beside it says
why ("estimate", "not_reached", "not_estimable", the README's rule). Every key, with its unit, is
documented in docs/analysis-json.md; existing keys keep their meaning, new ones are only added.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from analysis.statistics.cohort import MISSING, CohortResult, GroupResult, fields_for
from analysis.statistics.competing_risks import CumulativeIncidence, cumulative_incidence
from analysis.statistics.cox import CoxModel, Test
from analysis.statistics.kaplan_meier import LandmarkEstimate, MedianEstimate
from analysis.statistics.models import ModelResults
from analysis.statistics.relapse_causes import CAUSE_NAMES, relapse_causes
from analysis.statistics.tables import TABLE1_FIELDS, rates


def number(x: float | None) -> float | None:
    """The float itself; ``None`` (JSON null) for a value that does not exist (never NaN or inf)."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def time_value(x: float) -> float | int:
    """A time as given: 36 stays 36, 2.5 stays 2.5 (no rounding)."""
    return int(x) if float(x).is_integer() else float(x)


def median_json(m: MedianEstimate) -> dict[str, Any]:
    return {"median": number(m.median), "median_status": m.median_status,
            "median_ci": [number(m.ci_lower), number(m.ci_upper)], "median_ci_status": list(m.ci_status)}


def landmarks_json(landmarks: Sequence[LandmarkEstimate]) -> list[dict[str, Any]]:
    """Each landmark with cumulative counts (events, censored up to t) and the counts in the interval
    since the previous landmark in time order (R's ``summary(fit, times=)`` n.event / n.censor)."""
    previous: dict[float, tuple[int, int]] = {}
    last = (0, 0)
    for lm in sorted(landmarks, key=lambda x: x.time):
        previous[lm.time] = last
        last = (lm.n_events, lm.n_censored)
    out = []
    for lm in landmarks:
        ev0, ce0 = previous[lm.time]
        out.append({
            "time": time_value(lm.time), "survival": number(lm.survival),
            "ci": [number(lm.ci_lower), number(lm.ci_upper)], "at_risk": lm.n_at_risk,
            "events": lm.n_events, "censored": lm.n_censored, "std_err": number(lm.std_err),
            "interval_events": lm.n_events - ev0, "interval_censored": lm.n_censored - ce0,
        })
    return out


def follow_up_json(g: GroupResult) -> dict[str, Any]:
    """Median follow-up by reverse Kaplan–Meier; not estimable when no case was censored."""
    out = {"method": "reverse Kaplan–Meier", **median_json(g.follow_up)}
    if g.censored == 0:
        out.update(median=None, median_status="not_estimable", median_ci=[None, None],
                   median_ci_status=["not_estimable", "not_estimable"])
    return out


def group_json(g: GroupResult) -> dict[str, Any]:
    m = g.median
    return {
        "label": g.label, "n": g.n, "events": g.events, "censored": g.censored,
        "median": number(m.median), "median_ci": [number(m.ci_lower), number(m.ci_upper)],
        "at": landmarks_json(g.landmarks),
        "median_status": m.median_status, "median_ci_status": list(m.ci_status),
        "follow_up": follow_up_json(g),
    }


def _cif_at(cif: CumulativeIncidence, t: float) -> dict[str, Any]:
    import numpy as np

    idx = int(np.searchsorted(cif.time, t, side="right")) - 1
    if idx < 0:
        return {"time": time_value(t), "estimate": 0.0, "std_err": 0.0, "ci": [None, None]}
    beyond = t > float(cif.time[-1])
    return {"time": time_value(t), "estimate": None if beyond else float(cif.estimate[idx]),
            "std_err": None if beyond else number(float(cif.std_err[idx])),
            "ci": [None, None] if beyond else [number(float(cif.ci_lower[idx])), number(float(cif.ci_upper[idx]))]}


def cif_json(result: CohortResult) -> dict[str, Any] | None:
    """Cumulative incidence of relapse and of non-relapse mortality, overall and per group, at each
    landmark time and at the end of follow-up (the last observed time)."""
    fields = fields_for(result.custom_kinds)
    grouping = fields.get(result.group_by) if result.group_by else None
    parts: list[tuple[str, list[Any]]] = [("all", list(result.cases))]
    if grouping is not None:
        labels = sorted({v for v in (grouping.value(c) for c in result.cases) if v is not None})
        parts += [(lab, [c for c in result.cases if grouping.value(c) == lab]) for lab in labels]
    times = [lm.time for lm in result.overall.landmarks]
    groups = []
    for label, cases in parts:
        data = relapse_causes(cases, result.unit)
        if data.time.size == 0:
            continue
        entry: dict[str, Any] = {"label": label, "n": int(data.time.size),
                                 "end_of_follow_up": time_value(float(data.time.max()))}
        for cause, name in CAUSE_NAMES.items():
            cif = cumulative_incidence(data.time, data.cause, cause, conf_level=result.conf_level)
            entry[name] = {"events": int((data.cause == cause).sum()),
                           "at": [_cif_at(cif, t) for t in times],
                           "end": _cif_at(cif, float(cif.time[-1]))}
        groups.append(entry)
    if not groups:
        return None
    return {"estimator": "Aalen–Johansen", "ci_method": "delta method (Greenwood-type), log-log transform",
            "conf_level": result.conf_level, "groups": groups}


def table1_json(result: CohortResult) -> dict[str, Any]:
    """Table 1 as counts: per variable and column, n per value (categories) or median/min/max (numbers)."""
    import statistics

    fields = fields_for(result.custom_kinds)
    cases = list(result.cases)
    columns: list[tuple[str, list[Any]]] = []
    grouping = fields.get(result.group_by) if result.group_by else None
    if grouping is not None:
        values = [grouping.value(c) or MISSING for c in cases]
        for lab in sorted(set(values)):
            columns.append((lab, [c for c, v in zip(cases, values, strict=True) if v == lab]))
    columns.append(("all", cases))
    custom = [k for k in (result.custom_kinds or {}) if k in fields and fields[k].kind in ("category", "number")]
    variables = [v for v in (*TABLE1_FIELDS, *[c for c in custom if c not in TABLE1_FIELDS]) if v != result.group_by]
    rows = []
    for name in variables:
        f = fields[name]
        cells = []
        for label, members in columns:
            if f.kind == "number":
                nums = [x for x in (f.number(c) for c in members) if x is not None]
                cells.append({"column": label, "n": len(members), "recorded": len(nums),
                              "median": statistics.median(nums) if nums else None,
                              "min": min(nums) if nums else None, "max": max(nums) if nums else None})
            else:
                counts: dict[str, int] = {}
                for c in members:
                    v = f.value(c) or MISSING
                    counts[v] = counts.get(v, 0) + 1
                cells.append({"column": label, "n": len(members), "counts": counts})
        rows.append({"field": name, "label": f.label, "kind": "number" if f.kind == "number" else "category",
                     "columns": cells})
    return {"columns": [lab for lab, _ in columns], "variables": rows}


def rates_json(result: CohortResult) -> list[dict[str, Any]]:
    return [{"name": r.name, "k": r.proportion.k, "n": r.proportion.n, "estimate": r.proportion.estimate,
             "ci": [r.proportion.ci_lower, r.proportion.ci_upper], "ci_method": r.proportion.ci_method}
            for r in rates(result.cases, result.conf_level)]


def logrank_json(result: CohortResult) -> dict[str, Any] | None:
    lr = result.logrank
    if lr is None:
        return None
    return {"chisq": lr.chisq, "df": lr.df, "p": lr.p, "reason": lr.reason, "groups": list(lr.groups),
            "observed": list(lr.observed), "expected": list(lr.expected)}


def result_json(result: CohortResult, models: ModelResults | None = None) -> dict[str, Any]:
    """The whole contract; the model keys (covariates, cox, gray, fine_gray) are null when not asked for."""
    out: dict[str, Any] = {
        "endpoint": result.rule.name, "unit": result.unit, "conf_type": result.conf_type,
        "conf_level": result.conf_level, "groups": [group_json(g) for g in result.groups],
        "logrank": logrank_json(result),
        "follow_up": follow_up_json(result.overall),
        "cif": cif_json(result),
        "table1": table1_json(result),
        "rates": rates_json(result),
    }
    out.update(models_json(models or ModelResults((), ())))
    return out


def _test(t: Test | None) -> dict[str, Any] | None:
    return None if t is None else {"chisq": t.chisq, "df": t.df, "p": t.p}


def cox_json(model: CoxModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    return {
        "method": model.method, "ties": model.ties, "conf_level": model.conf_level, "n": model.n,
        "events": model.events, "estimable": model.estimable, "reason": model.reason,
        "coefficients": [
            {"name": c.name, "label": c.label, "term": c.term, "status": c.status, "coef": c.coef,
             "hazard_ratio": c.hazard_ratio, "ci": [c.ci_lower, c.ci_upper], "se": c.se, "z": c.z, "p": c.p,
             "n": c.n, "events": c.events}
            for c in model.coefficients
        ],
        "likelihood_ratio": _test(model.likelihood_ratio), "wald": _test(model.wald), "score": _test(model.score),
        "proportional_hazards": None if model.ph_global is None else {
            "method": model.ph_method, "global": _test(model.ph_global),
            "terms": [{"term": t.name, "chisq": t.chisq, "df": t.df, "p": t.p} for t in model.ph_terms]},
        "warnings": list(model.warnings), "left_out": [study_id for study_id, _ in model.left_out],
    }


def gray_json(models: ModelResults) -> dict[str, Any] | None:
    if not models.gray:
        return None if models.gray_reason is None else {"tests": [], "reason": models.gray_reason}
    return {"method": models.gray[0].method, "groups": list(models.gray[0].groups), "reason": None, "tests": [
        {"cause": CAUSE_NAMES[t.cause], "chisq": t.chisq, "df": t.df, "p": t.p, "events": list(t.events),
         "reason": t.reason} for t in models.gray]}


def fine_gray_json(models: ModelResults) -> list[dict[str, Any]] | None:
    if not models.fine_gray:
        return None
    return [{
        "cause": CAUSE_NAMES[m.cause], "method": m.method, "conf_level": m.conf_level, "n": m.n,
        "events": m.events, "competing_events": m.competing, "estimable": m.estimable, "reason": m.reason,
        "coefficients": [{"name": c.name, "label": c.label, "status": c.status, "coef": c.coef,
                          "subdistribution_hazard_ratio": c.hazard_ratio, "ci": [c.ci_lower, c.ci_upper],
                          "se": c.se, "z": c.z, "p": c.p} for c in m.coefficients],
        "pseudo_loglik": m.loglik, "pseudo_loglik_null": m.loglik_null,
        "pseudo_likelihood_ratio": None if m.likelihood_ratio is None else dict(
            zip(("chisq", "df", "p"), m.likelihood_ratio, strict=True)),
        "warnings": list(m.warnings),
    } for m in models.fine_gray]


def models_json(models: ModelResults) -> dict[str, Any]:
    """The ``cox``, ``gray`` and ``fine_gray`` keys (each ``null`` when not asked for)."""
    return {"covariates": list(models.covariates), "cox": cox_json(models.cox), "gray": gray_json(models),
            "fine_gray": fine_gray_json(models)}
