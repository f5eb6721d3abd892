"""Aalen–Johansen cumulative incidence for competing risks, exact with ties.

``cause`` codes: 0 = censored, any positive integer = an event of that cause.
At a tied time all events (of every cause) happen together and censorings are
taken to happen just after them, so the result is deterministic and equal to
R's ``cmprsk::cuminc`` / ``survfit`` multi-state point estimates.

Variance: delta method applied to the multinomial cause-specific hazard
increments (Greenwood-type, as in Marubini & Valsecchi 1995):

    Var F_k(t) = sum_j [F_k(t) - F_k(t_j)]^2 d_j / (n_j (n_j - d_j))
               + sum_j S(t_j-)^2 d_kj (n_j - d_kj) / n_j^3
               - 2 sum_j [F_k(t) - F_k(t_j)] S(t_j-) d_kj / n_j^2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri  # scipy.stats costs ~0.5 s to import

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CifConfType = Literal["log-log", "plain"]

ESTIMATOR: str = "Aalen–Johansen"
VARIANCE_METHOD: str = "delta method (Greenwood-type)"


@dataclass(frozen=True)
class CumulativeIncidence:
    """Step table of the cumulative incidence of one cause, at each distinct time.

    ``overall_survival`` is the all-cause Kaplan–Meier S(t), so that the CIFs
    of all causes plus ``overall_survival`` sum to 1 at every time.
    """

    time: FloatArray
    n_at_risk: IntArray
    n_events_cause: IntArray
    n_events_other: IntArray
    n_censored: IntArray
    estimate: FloatArray
    std_err: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    overall_survival: FloatArray
    cause_of_interest: int
    n: int
    conf_type: str
    conf_level: float
    ci_method: str
    estimator: str = ESTIMATOR

    def at(self, t: float) -> float:
        """CIF at time t (0 before the first time)."""
        idx = int(np.searchsorted(self.time, t, side="right")) - 1
        return 0.0 if idx < 0 else float(self.estimate[idx])


def cumulative_incidence(
    time: npt.ArrayLike,
    cause: npt.ArrayLike,
    cause_of_interest: int,
    conf_type: CifConfType = "log-log",
    conf_level: float = 0.95,
) -> CumulativeIncidence:
    """Aalen–Johansen CIF of ``cause_of_interest`` with delta-method CI.

    ``conf_type`` "log-log" uses F^exp(±z·se/(F·log F)) (never outside [0, 1]);
    "plain" uses F ± z·se clipped to [0, 1].  CI is NaN where F is 0 or 1.
    """
    if conf_type not in ("log-log", "plain"):
        raise ValueError("conf_type must be 'log-log' or 'plain'")
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be in (0, 1)")
    if cause_of_interest <= 0:
        raise ValueError("cause_of_interest must be a positive cause code")
    t = np.asarray(time, dtype=np.float64).ravel()
    c_raw = np.asarray(cause).ravel()
    if t.shape != c_raw.shape or t.size == 0:
        raise ValueError("time and cause must be non-empty and of the same length")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("time must be finite and non-negative")
    c = c_raw.astype(np.int64)
    if not np.array_equal(c, c_raw.astype(np.float64)) or np.any(c < 0):
        raise ValueError("cause must be 0 (censored) or a positive integer code")

    uniq, inverse = np.unique(t, return_inverse=True)
    m = uniq.size
    n_total = np.bincount(inverse, minlength=m).astype(np.int64)
    d_all = np.bincount(inverse, weights=(c > 0), minlength=m).astype(np.int64)
    d_k = np.bincount(inverse, weights=(c == cause_of_interest), minlength=m).astype(np.int64)
    n_risk = (t.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))).astype(np.int64)
    n_cens = n_total - d_all

    nr = n_risk.astype(np.float64)
    surv = np.cumprod(1.0 - d_all / nr)
    s_prev = np.concatenate(([1.0], surv[:-1]))
    cif = np.cumsum(s_prev * d_k / nr)

    # delta-method variance, evaluated at each table time t_i (sum over j <= i)
    dk = d_k.astype(np.float64)
    da = d_all.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(da > 0, da / (nr * (nr - da)), 0.0)
    g = np.where(np.isfinite(g), g, 0.0)  # last all-die step contributes via (F(t)-F(tj)) = 0
    h = s_prev**2 * dk * (nr - dk) / nr**3
    w = s_prev * dk / nr**2
    var = np.empty(m)
    for i in range(m):
        diff = cif[i] - cif[: i + 1]
        var[i] = float(np.sum(diff**2 * g[: i + 1] + h[: i + 1] - 2.0 * diff * w[: i + 1]))
    se = np.sqrt(np.maximum(var, 0.0))

    z = float(ndtri(1.0 - (1.0 - conf_level) / 2.0))
    lower = np.full(m, np.nan)
    upper = np.full(m, np.nan)
    ok = (cif > 0) & (cif < 1)
    if conf_type == "log-log":
        f = cif[ok]
        scale = z * se[ok] / (f * np.log(f))
        lower[ok] = f ** np.exp(-scale)
        upper[ok] = f ** np.exp(scale)
    else:
        lower[ok] = np.clip(cif[ok] - z * se[ok], 0.0, 1.0)
        upper[ok] = np.clip(cif[ok] + z * se[ok], 0.0, 1.0)

    transform = "log-log transform" if conf_type == "log-log" else "plain (linear) scale"
    return CumulativeIncidence(
        time=uniq.astype(np.float64),
        n_at_risk=n_risk,
        n_events_cause=d_k,
        n_events_other=(d_all - d_k).astype(np.int64),
        n_censored=n_cens.astype(np.int64),
        estimate=cif.astype(np.float64),
        std_err=se.astype(np.float64),
        ci_lower=lower,
        ci_upper=upper,
        overall_survival=surv.astype(np.float64),
        cause_of_interest=int(cause_of_interest),
        n=int(t.size),
        conf_type=conf_type,
        conf_level=conf_level,
        ci_method=f"{VARIANCE_METHOD}, {transform}",
    )
