"""Fine–Gray proportional subdistribution hazards model, as R ``cmprsk::crr``.

Fine & Gray (1999, JASA 94:496): a Cox-type partial likelihood in which a case that failed from a
competing cause stays in the risk set with the weight G(t-) / G(T-), G the Kaplan–Meier estimate of
the censoring distribution (one censoring group, as crr's default); Breslow ties; Newton–Raphson from
beta = 0. The variance is Fine and Gray's sandwich I^-1 (sum of (eta_i + psi_i)(eta_i + psi_i)') I^-1,
where psi_i carries the uncertainty of G. Own code (lifelines has no Fine–Gray model), every sum as
a cumulative sum over the sorted times (no loop over cases); checked against cmprsk 2.2 in
tests/analysis/statistics/test_competing_r.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import chdtrc, ndtr, ndtri

from analysis.statistics.design import Design

FloatArray = npt.NDArray[np.float64]
METHOD = "as R cmprsk::crr: Breslow ties, sandwich variance"


@dataclass(frozen=True)
class SubdistributionCoefficient:
    name: str
    label: str
    coef: float | None
    hazard_ratio: float | None  # subdistribution hazard ratio
    ci_lower: float | None
    ci_upper: float | None
    se: float | None
    z: float | None
    p: float | None
    status: str = "estimate"


@dataclass(frozen=True)
class FineGrayModel:
    cause: int
    coefficients: tuple[SubdistributionCoefficient, ...]
    n: int
    events: int  # failures from the cause
    competing: int  # failures from the other causes
    conf_level: float
    estimable: bool
    reason: str | None
    converged: bool
    loglik: float | None  # pseudo log-likelihood at the estimate
    loglik_null: float | None
    likelihood_ratio: tuple[float, int, float] | None  # pseudo likelihood-ratio chi-square, df, p
    warnings: tuple[str, ...] = ()
    method: str = METHOD


def _censoring_left(time: FloatArray, censored: npt.NDArray[np.bool_]) -> FloatArray:
    """G(T_i -): Kaplan–Meier of the censoring times (censoring as the event), just before each time."""
    uniq, inverse = np.unique(time, return_inverse=True)
    n_total = np.bincount(inverse, minlength=uniq.size)
    n_cens = np.bincount(inverse, weights=censored.astype(np.float64), minlength=uniq.size)
    at_risk = time.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))
    g = np.cumprod(1.0 - n_cens / at_risk)
    before = np.concatenate(([1.0], g[:-1]))
    out: FloatArray = before[inverse]
    return out


@dataclass(frozen=True)
class _Sums:
    taus: FloatArray  # distinct failure times of the cause
    d: FloatArray  # failures at each
    g_tau: FloatArray  # G(tau-)
    s0: FloatArray
    xbar: FloatArray  # (m, p)
    s2: FloatArray  # (m, p, p)
    loglik: float
    score: FloatArray
    info: FloatArray


def _sums(t: FloatArray, status: npt.NDArray[np.int64], x: FloatArray, g_left: FloatArray, beta: FloatArray,
          with_info: bool = True) -> _Sums:
    """Weighted risk-set sums at each failure time: those still at risk (T >= tau) with weight 1, those
    failed from another cause before tau with weight G(tau-) / G(T-)."""
    eta = x @ beta
    w = np.exp(eta)
    fail = status == 1
    taus, counts = np.unique(t[fail], return_counts=True)
    d = counts.astype(np.float64)
    first = np.searchsorted(t, taus, side="left")  # t sorted: positions >= first are at risk
    rev0 = np.cumsum(w[::-1])[::-1]
    rev1 = np.cumsum((w[:, None] * x)[::-1], axis=0)[::-1]
    other = status == 2
    wo = np.where(other, w / g_left, 0.0)
    fw0 = np.concatenate(([0.0], np.cumsum(wo)))  # sums over positions < first
    fw1 = np.concatenate((np.zeros((1, x.shape[1])), np.cumsum(wo[:, None] * x, axis=0)))
    g_tau = g_left[first]
    s0 = rev0[first] + g_tau * fw0[first]
    s1 = rev1[first] + g_tau[:, None] * fw1[first]
    xbar = s1 / s0[:, None]
    loglik = float(eta[fail].sum() - (d * np.log(s0)).sum())
    score = x[fail].sum(axis=0) - (d[:, None] * xbar).sum(axis=0)
    p = x.shape[1]
    s2 = np.zeros((taus.size, p, p))
    info = np.zeros((p, p))
    if with_info:
        outer = x[:, :, None] * x[:, None, :]
        rev2 = np.cumsum((w[:, None, None] * outer)[::-1], axis=0)[::-1]
        fw2 = np.concatenate((np.zeros((1, p, p)), np.cumsum(wo[:, None, None] * outer, axis=0)))
        s2 = rev2[first] + g_tau[:, None, None] * fw2[first]
        info = (d[:, None, None] * (s2 / s0[:, None, None] - xbar[:, :, None] * xbar[:, None, :])).sum(axis=0)
    return _Sums(taus, d, g_tau, s0, xbar, s2, loglik, score, info)


def _sandwich(t: FloatArray, status: npt.NDArray[np.int64], x: FloatArray, g_left: FloatArray, beta: FloatArray,
              s: _Sums) -> FloatArray:
    """Fine and Gray's robust variance."""
    w = np.exp(x @ beta)
    j = np.searchsorted(s.taus, t, side="right")  # failure times <= T_i are s.taus[:j]
    a0 = s.d / s.s0
    a1 = (s.d / s.s0)[:, None] * s.xbar
    p0 = np.concatenate(([0.0], np.cumsum(a0)))
    p1 = np.concatenate((np.zeros((1, x.shape[1])), np.cumsum(a1, axis=0)))
    # eta_i: the dN part minus the d(Lambda) part while i is in the (weighted) risk set
    eta = -(w[:, None] * (x * p0[j][:, None] - p1[j]))
    fail = status == 1
    k = np.searchsorted(s.taus, t[fail], side="left")
    eta[fail] += x[fail] - s.xbar[k]
    other = status == 2
    b0 = s.g_tau * a0
    b1 = s.g_tau[:, None] * a1
    q0 = np.concatenate((np.cumsum(b0[::-1])[::-1], [0.0]))  # sums over failure times >= index
    q1 = np.concatenate((np.cumsum(b1[::-1], axis=0)[::-1], np.zeros((1, x.shape[1]))))
    eta[other] -= (w[other] / g_left[other])[:, None] * (x[other] * q0[j[other]][:, None] - q1[j[other]])
    # psi_i: the uncertainty of the censoring distribution, through q(u) at each censoring time u
    uniq, inverse = np.unique(t, return_inverse=True)
    n_total = np.bincount(inverse, minlength=uniq.size)
    at_risk = (t.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))).astype(np.float64)
    d_cens = np.bincount(inverse, weights=(status == 0).astype(np.float64), minlength=uniq.size)
    wo = np.where(other, w / g_left, 0.0)
    order_first = np.searchsorted(t, uniq, side="left")
    c0 = np.concatenate(([0.0], np.cumsum(wo)))[order_first]  # competing failures strictly before u
    c1 = np.concatenate((np.zeros((1, x.shape[1])), np.cumsum(wo[:, None] * x, axis=0)))[order_first]
    ge = np.searchsorted(s.taus, uniq, side="left")  # failure times >= u
    q = c1 * q0[ge][:, None] - c0[:, None] * q1[ge]
    comp = -np.cumsum((d_cens / at_risk**2)[:, None] * q, axis=0)
    psi = comp[inverse]
    cens = status == 0
    psi[cens] += q[inverse[cens]] / at_risk[inverse[cens]][:, None]
    total = eta + psi
    out: FloatArray = total.T @ total
    return out


def fine_gray(design: Design, cause_of_interest: int = 1, conf_level: float = 0.95, max_iter: int = 50
              ) -> FineGrayModel:
    """Fit the subdistribution hazards of ``cause_of_interest`` on ``design`` (its ``cause`` per case:
    0 censored, a positive code an event)."""
    if design.cause is None:
        raise ValueError("the design has no competing-risk causes")
    order = np.argsort(design.time, kind="stable")
    t = design.time[order]
    c = design.cause[order]
    x = design.x[order]
    status = np.where(c == cause_of_interest, 1, np.where(c > 0, 2, 0)).astype(np.int64)
    n_fail, n_other = int((status == 1).sum()), int((status == 2).sum())
    p = x.shape[1]

    def empty(reason: str) -> FineGrayModel:
        coefs = tuple(SubdistributionCoefficient(n, lab, None, None, None, None, None, None, None, "not_estimable")
                      for n, lab in zip(design.column_names, design.column_labels, strict=True))
        return FineGrayModel(cause_of_interest, coefs, design.n, n_fail, n_other, conf_level, False, reason, False,
                             None, None, None)

    if p == 0:
        return empty("The covariates have a single value in the analysed cases: nothing to compare.")
    if n_fail == 0:
        return empty("No failure from this cause: a Fine–Gray model needs at least one.")
    for term in design.terms:
        if term.kind != "category" or not term.columns:
            continue
        cols = x[:, list(term.columns)]
        members = [cols.sum(axis=1) == 0, *(cols[:, k] == 1 for k in range(cols.shape[1]))]
        names = [term.reference_label, *term.level_labels]
        empty_levels = [str(nm) for nm, m in zip(names, members, strict=True) if not np.any(status[m] == 1)]
        if empty_levels:
            return empty(f"No failure from this cause with {term.label} = {', '.join(empty_levels)}: the "
                         "subdistribution hazard ratio is 0 or infinite (monotone pseudo-likelihood), with no "
                         "finite estimate.")
    g_left = _censoring_left(t, status == 0)
    beta = np.zeros(p)
    null = _sums(t, status, x, g_left, beta)
    current = null
    converged = False
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(current.info, current.score)
        except np.linalg.LinAlgError:
            break
        new_beta = beta + step
        trial = _sums(t, status, x, g_left, new_beta)
        halvings = 0
        while (not math.isfinite(trial.loglik) or trial.loglik < current.loglik - 1e-12) and halvings < 30:
            step = step / 2.0
            new_beta = beta + step
            trial = _sums(t, status, x, g_left, new_beta)
            halvings += 1
        beta, current = new_beta, trial
        if np.max(np.abs(step)) < 1e-12 * max(1.0, float(np.max(np.abs(beta)))):
            converged = True
            break
    if not converged or np.any(np.abs(beta) * x.std(axis=0) > 15):
        return empty("The pseudo-likelihood is monotone (a covariate separates the failures from this cause): "
                     "no finite subdistribution hazard ratio.")
    inv = np.linalg.inv(current.info)
    var = inv @ _sandwich(t, status, x, g_left, beta, current) @ inv
    z_crit = float(ndtri(1.0 - (1.0 - conf_level) / 2.0))
    coefs = []
    for i, (name, label) in enumerate(zip(design.column_names, design.column_labels, strict=True)):
        se = math.sqrt(float(var[i, i]))
        z = float(beta[i]) / se
        coefs.append(SubdistributionCoefficient(
            name, label, float(beta[i]), math.exp(beta[i]), math.exp(beta[i] - z_crit * se),
            math.exp(beta[i] + z_crit * se), se, z, float(2.0 * ndtr(-abs(z)))))
    lr = 2.0 * (current.loglik - null.loglik)
    notes = []
    if n_fail < 10 * p:
        notes.append(f"{n_fail} failures from this cause for {p} coefficient(s), fewer than about 10 per "
                     "coefficient: the estimates may be unstable.")
    return FineGrayModel(cause_of_interest, tuple(coefs), design.n, n_fail, n_other, conf_level, True, None, True,
                         current.loglik, null.loglik, (lr, p, float(chdtrc(p, lr))), tuple(notes))
