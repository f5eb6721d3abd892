"""Gray's K-sample test for cumulative incidence, per cause, as R ``cmprsk::cuminc``'s ``Tests``.

Gray (1988, Ann. Statist. 16:1141) compares the subdistribution hazards of one cause among K groups:
the score of group k is the weighted difference between its observed failures from the cause and
those expected from the pooled cumulative incidence, with the weight of R's default rho = 0; the
variance is Gray's asymptotic estimator, in which failures from the cause and from the competing
causes contribute separately (with the correction for tied failures). The statistic s' V^-1 s is
referred to chi-square with K - 1 degrees of freedom. Own code (lifelines has no competing-risks test),
checked against cmprsk 2.2 in tests/analysis/statistics/test_competing_r.py. One stratum.

The running quantities at each failure time, per group k (vectors over the groups):
S_k(t-) and S_k(t) the all-cause Kaplan–Meier, F_k(t-) and F_k(t) the cumulative incidence of the
cause, n_k the number at risk; the pooled F(t-), F(t) from the weighted risk sets sum n_k / S_k(t-).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import chdtrc

METHOD = "Gray's test (rho = 0), as R cmprsk::cuminc"


@dataclass(frozen=True)
class GrayTest:
    cause: int
    chisq: float
    df: int
    p: float
    groups: tuple[str, ...]
    events: tuple[int, ...]  # failures from the cause per group
    reason: str | None = None  # why there was nothing to test, in words
    method: str = METHOD


def _one_cause(time: npt.NDArray[np.float64], status: npt.NDArray[np.int64], gidx: npt.NDArray[np.int64], k: int,
               rho: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Scores of the first k - 1 groups and their variance; ``status`` is 0 censored, 1 the cause, 2 other."""
    uniq, inverse = np.unique(time, return_inverse=True)
    counts = np.zeros((uniq.size, 3, k))
    np.add.at(counts, (inverse, status, gidx), 1.0)
    at_risk = np.bincount(gidx, minlength=k).astype(np.float64)
    surv_before = np.ones(k)  # S_k(t-)
    cif_before = np.zeros(k)  # F_k(t-)
    pooled_before = 0.0
    score = np.zeros(k)
    cum_c = np.zeros((k, k))  # running integral of a(t) dF(t) / (1 - F(t-))
    v_main = np.zeros((k, k))
    v_cross = np.zeros((k, k))  # v_cross[i, g]
    v_diag = np.zeros(k)
    for j in range(uniq.size):
        d1, d2 = counts[j, 1], counts[j, 2]
        n1, n2 = float(d1.sum()), float(d2.sum())
        if n1 == 0 and n2 == 0:
            at_risk -= counts[j].sum(axis=0)
            continue
        live = at_risk > 0
        safe_n = np.where(live, at_risk, 1.0)
        surv = np.where(live, surv_before * (at_risk - d1 - d2) / safe_n, surv_before)
        cif = np.where(live, cif_before + surv_before * d1 / safe_n, cif_before)
        h = np.where(live, at_risk / surv_before, 0.0)  # the group's weighted risk set
        tr = float(h.sum())
        tq = float((h * (1.0 - cif_before)).sum())
        pooled = pooled_before + n1 / tr
        weight = (1.0 - pooled_before) ** rho
        a = -weight * np.outer(h, h) / tr
        a[np.diag_indices(k)] = weight * h * (1.0 - h / tr)
        a[~live, :] = 0.0
        a[:, ~live] = 0.0
        cum_c += a * n1 / (tr * (1.0 - pooled_before))
        score += np.where(live, weight * (d1 - n1 * h * (1.0 - cif_before) / tq), 0.0)
        if n1 > 0:
            t4 = np.where(surv > 0, 1.0 - (1.0 - pooled) / np.where(surv > 0, surv, 1.0), 1.0)
            t5 = 1.0 - (n1 - 1.0) / (tr * surv_before - 1.0) if n1 > 1 else np.ones(k)
            t3 = np.where(live, t5 * surv_before * n1 / (tr * safe_n), 0.0)
            lhs = a - t4[None, :] * cum_c  # [i, g]
            v_diag += t4 * t4 * t3
            v_cross += lhs * (t4 * t3)[None, :]
            v_main += (lhs * t3[None, :]) @ lhs.T
        if n2 > 0:
            ok = live & (surv > 0) & (d2 > 0)
            t4 = np.where(ok, (1.0 - pooled) / np.where(surv > 0, surv, 1.0), 0.0)
            t5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / np.where(d2 > 1, at_risk - 1.0, 1.0), 1.0)
            t3 = np.where(ok, t5 * surv_before**2 * d2 / safe_n**2, 0.0)
            lhs = t4[None, :] * cum_c
            v_diag += t4 * t4 * t3
            v_cross -= lhs * (t4 * t3)[None, :]
            v_main += (lhs * t3[None, :]) @ lhs.T
        at_risk -= counts[j].sum(axis=0)
        pooled_before, cif_before, surv_before = pooled, cif, surv
    var = v_main + (cum_c * v_diag[None, :]) @ cum_c.T + cum_c @ v_cross.T + v_cross @ cum_c.T
    return score[: k - 1], var[: k - 1, : k - 1]


def gray_test(time: npt.ArrayLike, cause: npt.ArrayLike, group: Sequence[object] | npt.ArrayLike,
              cause_of_interest: int, rho: float = 0.0) -> GrayTest:
    """Gray's test that the cumulative incidence of ``cause_of_interest`` is equal in every group
    (groups sorted by their label, as R's factor levels). ``cause``: 0 censored, a positive code an event."""
    t = np.asarray(time, dtype=np.float64).ravel()
    c = np.asarray(cause).astype(np.int64).ravel()
    labels_raw = [str(x) for x in np.asarray(group, dtype=object).ravel()]
    if not (t.size == c.size == len(labels_raw)) or t.size == 0:
        raise ValueError("time, cause and group must be non-empty and of the same length")
    groups = tuple(sorted(set(labels_raw)))
    k = len(groups)
    if k < 2:
        raise ValueError("Gray's test needs at least two groups")
    index = {g: i for i, g in enumerate(groups)}
    gidx = np.array([index[g] for g in labels_raw], dtype=np.int64)
    status = np.where(c == cause_of_interest, 1, np.where(c > 0, 2, 0)).astype(np.int64)
    events = tuple(int(((status == 1) & (gidx == i)).sum()) for i in range(k))
    if sum(events) == 0:
        return GrayTest(cause_of_interest, 0.0, 0, 1.0, groups, events,
                        "no failure from this cause in any group: nothing to compare")
    score, var = _one_cause(t, status, gidx, k, rho)
    df = int(np.linalg.matrix_rank(var))
    if df == 0:
        return GrayTest(cause_of_interest, 0.0, 0, 1.0, groups, events,
                        "no failure from this cause while more than one group was at risk: nothing to compare")
    stat = float(score @ np.linalg.solve(var, score)) if df == k - 1 else float(score @ np.linalg.pinv(var) @ score)
    # cuminc refers the statistic to k - 1 degrees of freedom
    return GrayTest(cause_of_interest, stat, k - 1, float(chdtrc(k - 1, stat)), groups, events)
