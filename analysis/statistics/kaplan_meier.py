"""Kaplan–Meier estimation, medians and landmark estimates, as R survival does.

Conventions follow R's ``survival`` package (``survfit``, ``summary.survfit``,
``print.survfit`` / ``quantile.survfit``):

* Greenwood variance; ``std_err`` is the standard error of S(t) itself
  (what ``summary.survfit`` prints), the CI uses se(log S).
* ``conf_type`` "log" (R default), "log-log" (SAS/Prism/lifelines default),
  "plain".  Where S(t) = 0 the CI is not available (NaN in arrays, ``None``
  in scalar results), never 0.
* Median: first time the curve is <= 0.5; if it sits at exactly 0.5
  (tolerance sqrt(machine eps)) over an interval, the midpoint between that
  time and the next time the curve drops.  CI limits: the same rule applied
  to the lower / upper confidence curves (Brookmeyer–Crowley as R prints it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri  # scipy.stats costs ~0.5 s to import

from analysis.statistics.endpoints import format_time

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ConfType = Literal["log", "log-log", "plain"]

TOLERANCE: float = math.sqrt(float(np.finfo(np.float64).eps))  # ~1.49e-8
MEDIAN_RULE: str = "R/SAS midpoint rule"
VARIANCE_METHOD: str = "Greenwood"
_CONF_TYPES: tuple[str, ...] = ("log", "log-log", "plain")
#: Status words of a median or CI limit (JSON ``median_status`` / ``median_ci_status``; README's rule).
ESTIMATE, NOT_REACHED, NOT_ESTIMABLE = "estimate", "not_reached", "not_estimable"

_TRANSFORM_LABEL: dict[str, str] = {
    "log": "log transform",
    "log-log": "log-log transform",
    "plain": "plain (linear) scale",
}


def ci_method_label(conf_type: str) -> str:
    """Plain-words CI method, e.g. ``"Greenwood, log transform"``."""
    return f"{VARIANCE_METHOD}, {_TRANSFORM_LABEL[conf_type]}"


@dataclass(frozen=True)
class KaplanMeier:
    """Event table at each distinct observed time (events and censorings).

    ``survival`` is S(t+0), ``n_at_risk`` is the number at risk at t-0.
    ``std_err`` is the Greenwood standard error of S(t); ``ci_lower`` /
    ``ci_upper`` are NaN where not available (S = 0, or S = 1 under log-log).
    """

    time: FloatArray
    n_at_risk: IntArray
    n_events: IntArray
    n_censored: IntArray
    survival: FloatArray
    std_err: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    n: int
    conf_type: str
    conf_level: float
    ci_method: str
    median_rule: str = MEDIAN_RULE

    @property
    def total_events(self) -> int:
        return int(self.n_events.sum())

    @property
    def censor_times(self) -> FloatArray:
        """Times with at least one censoring (for "+" tick marks)."""
        out: FloatArray = self.time[self.n_censored > 0]
        return out


@dataclass(frozen=True)
class MedianEstimate:
    """Median (or other quantile) with CI; a ``None`` median means "not reached".

    A ``None`` CI limit is printed as R prints NA, in words, by the README's rule: "not reached" when the
    confidence band that defines it stays above the target up to the end of follow-up
    (``lower_not_reached`` / ``upper_not_reached``), otherwise "not estimable" (there is no band to read:
    S reached 0, S = 1 under log-log, or a single case). The same rule gives the JSON status words
    (:attr:`median_status`, :attr:`ci_status`).
    """

    median: float | None
    ci_lower: float | None
    ci_upper: float | None
    conf_type: str
    conf_level: float
    median_rule: str = MEDIAN_RULE
    upper_not_reached: bool = True
    lower_not_reached: bool = False

    @property
    def median_status(self) -> str:
        """``"estimate"`` or ``"not_reached"`` (a Kaplan–Meier curve that never falls to the target)."""
        return ESTIMATE if self.median is not None else NOT_REACHED

    @property
    def ci_status(self) -> tuple[str, str]:
        """The status of the lower and the upper limit: estimate, not_reached or not_estimable."""
        lo = ESTIMATE if self.ci_lower is not None else (NOT_REACHED if self.lower_not_reached else NOT_ESTIMABLE)
        hi = ESTIMATE if self.ci_upper is not None else (NOT_REACHED if self.upper_not_reached else NOT_ESTIMABLE)
        return lo, hi

    def limit_texts(self, digits: int = 1, short: bool = False, unit: str = "months") -> tuple[str, str]:
        """The two CI limits as text; ``short`` gives "NR" / "NE" for tables with a footnote."""
        words = {NOT_REACHED: "NR" if short else "not reached", NOT_ESTIMABLE: "NE" if short else "not estimable"}
        lo_status, hi_status = self.ci_status
        lo = format_time(self.ci_lower, unit, digits) if self.ci_lower is not None else words[lo_status]
        hi = format_time(self.ci_upper, unit, digits) if self.ci_upper is not None else words[hi_status]
        return lo, hi

    def median_text(self, digits: int = 1, short: bool = False, unit: str = "months") -> str:
        if self.median is None:
            return "NR" if short else "not reached"
        return format_time(self.median, unit, digits)

    def as_text(self, digits: int = 1, unit: str = "months") -> str:
        """E.g. ``"8.0 months (95% CI 3.0 to not reached)"``; never prints inf; whole days without decimals."""
        pct = f"{100 * self.conf_level:g}%"
        head = "not reached" if self.median is None else f"{self.median_text(digits, unit=unit)} {unit}"
        lo, hi = self.limit_texts(digits, unit=unit)
        return f"{head} ({pct} CI {lo} to {hi})"


@dataclass(frozen=True)
class LandmarkEstimate:
    """S(t) at a landmark time t, as R's ``summary(fit, times = t)`` reports.

    ``n_at_risk`` is the number at risk at t-0 (time >= t), ``n_events``
    and ``n_censored`` are cumulative counts with time <= t.  ``survival``
    is ``None`` when t lies beyond the last follow-up (and S has not reached
    0); CI limits are ``None`` where not available.
    """

    time: float
    survival: float | None
    std_err: float | None
    ci_lower: float | None
    ci_upper: float | None
    n_at_risk: int
    n_events: int
    n_censored: int
    conf_type: str
    conf_level: float
    ci_method: str


def _validate(time: npt.ArrayLike, event: npt.ArrayLike) -> tuple[FloatArray, IntArray]:
    t = np.asarray(time, dtype=np.float64).ravel()
    e_raw = np.asarray(event).ravel()
    if t.shape != e_raw.shape:
        raise ValueError("time and event must have the same length")
    if t.size == 0:
        raise ValueError("no observations")
    if not np.all(np.isfinite(t)):
        raise ValueError("time contains NaN or infinite values")
    if np.any(t < 0):
        raise ValueError("time must be non-negative")
    e = e_raw.astype(np.int64)
    if not np.all(np.isin(e, (0, 1))) or not np.array_equal(e, e_raw.astype(np.float64)):
        raise ValueError("event must be 0 (censored) or 1 (event)")
    return t, e


def _z(conf_level: float) -> float:
    if not 0.0 < conf_level < 1.0:
        raise ValueError("conf_level must be in (0, 1)")
    return float(ndtri(1.0 - (1.0 - conf_level) / 2.0))


def confidence_limits(
    surv: FloatArray, se_log: FloatArray, conf_type: str, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise CI from S and se(log S) (= se of the cumulative hazard)."""
    if conf_type not in _CONF_TYPES:
        raise ValueError(f"conf_type must be one of {_CONF_TYPES}")
    z = _z(conf_level)
    s = np.asarray(surv, dtype=np.float64)
    se = np.asarray(se_log, dtype=np.float64)
    lower = np.full_like(s, np.nan)
    upper = np.full_like(s, np.nan)
    ok = (s > 0) & np.isfinite(se)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            lower[ok] = np.exp(np.log(s[ok]) - z * se[ok])
            upper[ok] = np.minimum(1.0, np.exp(np.log(s[ok]) + z * se[ok]))
        elif conf_type == "log-log":
            ok = ok & (s < 1)
            log_s = np.log(s[ok])
            lower[ok] = np.exp(-np.exp(np.log(-log_s) - z * se[ok] / log_s))
            upper[ok] = np.exp(-np.exp(np.log(-log_s) + z * se[ok] / log_s))
        else:
            se_s = s[ok] * se[ok]
            lower[ok] = np.clip(s[ok] - z * se_s, 0.0, 1.0)
            upper[ok] = np.clip(s[ok] + z * se_s, 0.0, 1.0)
    return lower, upper


def kaplan_meier(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> KaplanMeier:
    """Kaplan–Meier estimate with Greenwood SE, as R ``survfit(Surv(time, event) ~ 1)``.

    Events at a time tied with censorings are counted first (censored
    subjects are at risk at their censoring time).
    """
    if conf_type not in _CONF_TYPES:
        raise ValueError(f"conf_type must be one of {_CONF_TYPES}")
    t, e = _validate(time, event)
    uniq, inverse = np.unique(t, return_inverse=True)
    n_events = np.bincount(inverse, weights=e, minlength=uniq.size).astype(np.int64)
    n_total = np.bincount(inverse, minlength=uniq.size).astype(np.int64)
    n_censored = n_total - n_events
    n_at_risk = (t.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))).astype(np.int64)

    factors = 1.0 - n_events / n_at_risk
    survival: FloatArray = np.cumprod(factors).astype(np.float64)
    survival[survival < 0] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(
            n_events > 0,
            n_events / (n_at_risk * (n_at_risk - n_events).astype(np.float64)),
            0.0,
        )
    se_log = np.sqrt(np.cumsum(terms))  # inf once S reaches 0
    with np.errstate(invalid="ignore"):
        std_err = np.where(survival > 0, survival * se_log, np.nan)
    lower, upper = confidence_limits(survival, se_log, conf_type, conf_level)
    return KaplanMeier(
        time=uniq.astype(np.float64),
        n_at_risk=n_at_risk,
        n_events=n_events,
        n_censored=n_censored.astype(np.int64),
        survival=survival.astype(np.float64),
        std_err=std_err.astype(np.float64),
        ci_lower=lower,
        ci_upper=upper,
        n=int(t.size),
        conf_type=conf_type,
        conf_level=conf_level,
        ci_method=ci_method_label(conf_type),
    )


def _quantile_time(time: FloatArray, curve: FloatArray, target: float) -> float | None:
    """R's rule: first time the curve is <= target (within tolerance);
    if it sits at exactly ``target`` there, the midpoint between that time
    and the next time the curve drops below it.  ``None`` if never reached."""
    keep = ~np.isnan(curve) & (curve < target + TOLERANCE)
    if not np.any(keep):
        return None
    x = time[keep]
    y = curve[keep]
    if abs(float(y[0]) - target) < TOLERANCE:
        lower_idx = np.nonzero(y < y[0] - TOLERANCE)[0]
        if lower_idx.size > 0:
            return float((x[0] + x[lower_idx[0]]) / 2.0)
    return float(x[0])


def survival_quantile(km: KaplanMeier, prob: float = 0.5) -> MedianEstimate:
    """Time by which a fraction ``prob`` has had the event (R quantile.survfit)."""
    if not 0.0 < prob < 1.0:
        raise ValueError("prob must be in (0, 1)")
    target = 1.0 - prob
    # a missing limit is "not reached" only if its band still exists (and stays above) at the last time
    band_at_end = float(km.ci_upper[-1])
    lower_at_end = float(km.ci_lower[-1])
    return MedianEstimate(
        median=_quantile_time(km.time, km.survival, target),
        ci_lower=_quantile_time(km.time, km.ci_lower, target),
        ci_upper=_quantile_time(km.time, km.ci_upper, target),
        conf_type=km.conf_type,
        conf_level=km.conf_level,
        upper_not_reached=not math.isnan(band_at_end) and band_at_end > target,
        lower_not_reached=not math.isnan(lower_at_end) and lower_at_end > target,
    )


def median_survival(km: KaplanMeier) -> MedianEstimate:
    """Median survival with CI (``None`` = not reached), as R print.survfit."""
    return survival_quantile(km, 0.5)


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def survival_at(km: KaplanMeier, t: float) -> LandmarkEstimate:
    """Landmark estimate S(t) with CI and cumulative counts, as R summary(fit, times=t)."""
    if not math.isfinite(t) or t < 0:
        raise ValueError("t must be a finite non-negative time")
    idx = int(np.searchsorted(km.time, t, side="right")) - 1
    n_events = int(km.n_events[: idx + 1].sum())
    n_censored = int(km.n_censored[: idx + 1].sum())
    # at risk at t-0 (time >= t): everyone minus those who left strictly before t
    before = int(np.searchsorted(km.time, t, side="left"))
    n_at_risk = km.n - int(km.n_events[:before].sum()) - int(km.n_censored[:before].sum())
    surv: float | None
    se: float | None
    lo: float | None
    hi: float | None
    if idx < 0:
        surv, se, lo, hi = 1.0, 0.0, 1.0, 1.0
    elif t > float(km.time[-1]) and float(km.survival[idx]) > 0:
        surv, se, lo, hi = None, None, None, None
    else:
        surv = float(km.survival[idx])
        se = _opt(float(km.std_err[idx]))
        lo = _opt(float(km.ci_lower[idx]))
        hi = _opt(float(km.ci_upper[idx]))
    return LandmarkEstimate(
        time=float(t),
        survival=surv,
        std_err=se,
        ci_lower=lo,
        ci_upper=hi,
        n_at_risk=n_at_risk,
        n_events=n_events,
        n_censored=n_censored,
        conf_type=km.conf_type,
        conf_level=km.conf_level,
        ci_method=km.ci_method,
    )


def kaplan_meier_by_group(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    group: npt.ArrayLike,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> list[tuple[str, KaplanMeier]]:
    """One curve per group (labels sorted as strings, as :func:`logrank_test`)."""
    t, e = _validate(time, event)
    labels = np.array([str(x) for x in np.asarray(group, dtype=object).ravel()])
    if labels.size != t.size:
        raise ValueError("group must have the same length as time")
    return [
        (lab, kaplan_meier(t[labels == lab], e[labels == lab], conf_type, conf_level))
        for lab in sorted(set(labels.tolist()))
    ]


def median_follow_up(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> MedianEstimate:
    """Median follow-up by reverse Kaplan–Meier (Schemper & Smith 1996):
    censoring is treated as the event and events as censoring."""
    t, e = _validate(time, event)
    reverse = kaplan_meier(t, 1 - e, conf_type=conf_type, conf_level=conf_level)
    est = median_survival(reverse)
    return MedianEstimate(
        median=est.median,
        ci_lower=est.ci_lower,
        ci_upper=est.ci_upper,
        conf_type=conf_type,
        conf_level=conf_level,
        upper_not_reached=est.upper_not_reached,
        lower_not_reached=est.lower_not_reached,
        median_rule=f"reverse Kaplan–Meier; {MEDIAN_RULE}",
    )
