"""Cox proportional hazards model, with R ``coxph``'s numbers (Efron ties) and ``cox.zph``'s test.

lifelines' ``CoxPHFitter`` (Efron ties, Newton–Raphson) fits the model: coefficients, standard errors,
z and p are lifelines', and the Wald CI of each hazard ratio exp(coef ± z·SE) is computed from them, as R. Own code (analysis.statistics.
efron) only where lifelines gives no public number equal to R's: the score (log-rank) test, the null
log-likelihood for the likelihood-ratio test (no second fit), and the proportional-hazards test as R's
``cox.zph`` since survival 3.0 (score test of x·g(t) with g the Kaplan–Meier transform of time;
lifelines' ``proportional_hazard_test`` is the older approximation, which R no longer gives).

Before fitting, a categorical term with a level without events is reported in words: its hazard ratio
is 0 (or, for an event-free reference, infinite): the likelihood is monotone and there is no finite
estimate, never a number such as 1e+20.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc, ndtri

from analysis.statistics.design import Design
from analysis.statistics.efron import efron_terms, score_test, time_varying_score
from analysis.statistics.kaplan_meier import kaplan_meier

TIES = "Efron"
METHOD = "Cox proportional hazards, lifelines CoxPHFitter with Efron ties, as R coxph"
PH_METHOD = "as R cox.zph: score test of x·g(t), g the Kaplan–Meier transform of time"
EVENTS_PER_COEFFICIENT = 10
MIN_CASES = 10


@dataclass(frozen=True)
class Coefficient:
    """One column of the model; ``status`` is "estimate", or "zero" / "infinite" for a hazard ratio that
    has no finite estimate (then every number is ``None``)."""

    name: str
    label: str
    term: str
    coef: float | None
    hazard_ratio: float | None
    ci_lower: float | None
    ci_upper: float | None
    se: float | None
    z: float | None
    p: float | None
    status: str = "estimate"
    n: int | None = None  # cases in the level (categories)
    events: int | None = None  # events in the level (categories)


@dataclass(frozen=True)
class Test:
    name: str  # a term's field, or "likelihood ratio", "Wald", "score", "GLOBAL"
    chisq: float
    df: int
    p: float


@dataclass(frozen=True)
class CoxModel:
    coefficients: tuple[Coefficient, ...]
    n: int
    events: int
    conf_level: float
    estimable: bool
    reason: str | None  # why there are no numbers, in words
    likelihood_ratio: Test | None
    wald: Test | None
    score: Test | None
    ph_terms: tuple[Test, ...]
    ph_global: Test | None
    warnings: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    method: str = METHOD
    ph_method: str = PH_METHOD
    ties: str = TIES

    def coefficient(self, name: str) -> Coefficient:
        return next(c for c in self.coefficients if c.name == name)


def _chi(name: str, chisq: float, df: int) -> Test:
    return Test(name, float(chisq), int(df), float(chdtrc(df, chisq)))


def _level_counts(design: Design) -> list[tuple[str, str, int, int]]:
    """(term, level, cases, events) for every level of every categorical term, the reference first."""
    out = []
    for term in design.terms:
        if term.kind != "category":
            continue
        cols = design.x[:, list(term.columns)] if term.columns else np.zeros((design.n, 0))
        is_ref = cols.sum(axis=1) == 0 if cols.size else np.ones(design.n, dtype=bool)
        out.append((term.field, term.reference or "", int(is_ref.sum()), int(design.event[is_ref].sum())))
        for k, level in enumerate(term.levels):
            member = cols[:, k] == 1
            out.append((term.field, level, int(member.sum()), int(design.event[member].sum())))
    return out


def _not_estimable(design: Design, conf_level: float, reason: str, status: dict[str, str],
                   notes: list[str]) -> CoxModel:
    coefs = tuple(Coefficient(n, lab, _term_of(design, i), None, None, None, None, None, None, None,
                              status.get(n, "not_estimable"))
                  for i, (n, lab) in enumerate(zip(design.column_names, design.column_labels, strict=True)))
    return CoxModel(coefs, design.n, design.events, conf_level, False, reason, None, None, None, (), None,
                    tuple(notes), design.left_out)


def _term_of(design: Design, column: int) -> str:
    return next(t.field for t in design.terms if column in t.columns)


def _monotone(design: Design) -> tuple[str, dict[str, str]] | None:
    """A categorical level (or the reference) without events: no finite hazard ratio."""
    status: dict[str, str] = {}
    words: list[str] = []
    for term in design.terms:
        if term.kind != "category" or not term.levels:
            continue
        counts = {lvl: (n, ev) for f, lvl, n, ev in _level_counts(design) if f == term.field}
        ref_events = counts[term.reference or ""][1]
        for level, label in zip(term.levels, term.level_labels, strict=True):
            name = f"{term.field}={level}"
            if ref_events == 0 and counts[level][1] > 0:
                status[name] = "infinite"
            elif counts[level][1] == 0:
                status[name] = "zero" if ref_events > 0 else "not_estimable"
                words.append(f"{term.label} = {label} has no events")
        if ref_events == 0:
            words.append(f"the reference {term.label} = {term.reference_label} has no events, so every hazard "
                         "ratio against it is infinite")
    if not status:
        return None
    return ("No finite hazard ratio (monotone likelihood): " + "; ".join(words) + ". Compare the groups "
            "with the log-rank test, or merge the event-free group with another.", status)


def _advice(design: Design) -> list[str]:
    notes = []
    p = design.x.shape[1]
    if design.n < MIN_CASES:
        notes.append(f"Only {design.n} cases: too few for a Cox model to be trusted.")
    if p and design.events < EVENTS_PER_COEFFICIENT * p:
        notes.append(f"{design.events} events for {p} coefficient(s), fewer than about {EVENTS_PER_COEFFICIENT} "
                     "per coefficient: the model may be overfitted and its hazard ratios too far from 1.")
    for field, level, n, _ev in _level_counts(design):
        if n == 1:
            notes.append(f"{field} = {level} has a single case: its hazard ratio rests on one patient.")
    if design.left_out:
        notes.append(f"{len(design.left_out)} case(s) left out of the model (a covariate not recorded).")
    return notes


def _ph_tests(design: Design, beta: np.ndarray) -> tuple[tuple[Test, ...], Test]:
    terms = efron_terms(design.time, design.event, design.x, beta)
    km = kaplan_meier(design.time, (design.event > 0).astype(np.int64))
    # g(t) = 1 - S(t-) of the whole data (left-continuous KM), centred on its mean over the events
    idx = np.searchsorted(km.time, terms.event_times, side="left") - 1
    g = 1.0 - np.where(idx < 0, 1.0, km.survival[np.maximum(idx, 0)])
    g = g - g[terms.time_index].mean()
    u, info = time_varying_score(terms, g)
    p = design.x.shape[1]
    out = []
    for term in design.terms:
        kk = list(range(p)) + [p + c for c in term.columns]
        uu = np.concatenate((np.zeros(p), u[[p + c for c in term.columns]]))
        sub = info[np.ix_(kk, kk)]
        out.append(_chi(term.field, float(uu @ np.linalg.solve(sub, uu)), len(term.columns)))
    uu = np.concatenate((np.zeros(p), u[p:]))
    return tuple(out), _chi("GLOBAL", float(uu @ np.linalg.solve(info, uu)), p)


def cox_model(design: Design, conf_level: float = 0.95) -> CoxModel:
    """Fit the Cox model of ``design`` (time, event, covariates) as R ``coxph(..., ties = "efron")``."""
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be in (0, 1)")
    notes = _advice(design)
    p = design.x.shape[1]
    if p == 0:
        return _not_estimable(design, conf_level, "The covariates have a single value in the analysed cases: "
                              "there is nothing to compare.", {}, notes)
    if design.events == 0:
        return _not_estimable(design, conf_level, "No events: a Cox model needs at least one.", {}, notes)
    constant = [lab for lab, col in zip(design.column_labels, design.x.T, strict=True) if np.ptp(col) == 0]
    if constant:
        return _not_estimable(design, conf_level, f"{', '.join(constant)}: the same value in every case, "
                              "so it cannot be estimated.", {}, notes)
    monotone = _monotone(design)
    if monotone is not None:
        return _not_estimable(design, conf_level, monotone[0], monotone[1], notes)

    import pandas as pd
    from lifelines import CoxPHFitter

    cols = [f"x{i}" for i in range(p)]
    frame = pd.DataFrame(design.x, columns=cols)
    frame["time"], frame["event"] = design.time, design.event
    fitter = CoxPHFitter(alpha=1.0 - conf_level)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitter.fit(frame, "time", "event", fit_options={"precision": 1e-12, "r_precision": 1e-12})
        except Exception as exc:  # lifelines' ConvergenceError and linear-algebra failures
            return _not_estimable(design, conf_level, f"The model did not converge ({type(exc).__name__}): "
                                  "the likelihood is probably monotone (a covariate separates the events).",
                                  {}, notes)
    beta = fitter.params_.to_numpy(dtype=np.float64)
    se = fitter.standard_errors_.to_numpy(dtype=np.float64)
    if any("converge" in str(w.message).lower() for w in caught) or np.any(np.abs(beta) * design.x.std(axis=0) > 15):
        return _not_estimable(design, conf_level, "The likelihood is monotone (a covariate separates the events): "
                              "the hazard ratio is infinite or zero, and no finite estimate exists.", {}, notes)
    z = ndtri(1.0 - (1.0 - conf_level) / 2.0)
    summary = fitter.summary
    level_counts = {f"{f}={lvl}": (n, ev) for f, lvl, n, ev in _level_counts(design)}
    coefs = []
    for i, (name, label) in enumerate(zip(design.column_names, design.column_labels, strict=True)):
        n_ev = level_counts.get(name)
        coefs.append(Coefficient(
            name, label, _term_of(design, i), float(beta[i]), math.exp(beta[i]),
            math.exp(beta[i] - z * se[i]), math.exp(beta[i] + z * se[i]), float(se[i]),
            float(summary["z"].iloc[i]), float(summary["p"].iloc[i]),
            n=None if n_ev is None else n_ev[0], events=None if n_ev is None else n_ev[1]))
    null = efron_terms(design.time, design.event, design.x, np.zeros(p))
    fitted = efron_terms(design.time, design.event, design.x, beta)
    lr = _chi("likelihood ratio", 2.0 * (fitted.loglik - null.loglik), p)
    var = fitter.variance_matrix_.to_numpy(dtype=np.float64)
    wald = _chi("Wald", float(beta @ np.linalg.solve(var, beta)), p)
    score = _chi("score", score_test(design.time, design.event, design.x), p)
    ph_terms, ph_global = _ph_tests(design, beta)
    for t in ph_terms:
        if t.p < 0.05:
            notes.append(f"Proportional hazards doubtful for {t.name} (p = {t.p:.3f}): the hazard ratio "
                         "changes over time; an average HR may mislead.")
    return CoxModel(tuple(coefs), design.n, design.events, conf_level, True, None, lr, wald, score,
                    ph_terms, ph_global, tuple(notes), design.left_out)
