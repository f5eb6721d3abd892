"""Log-rank (Mantel–Haenszel) test for 2 or more groups, as R ``survdiff(rho = 0)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import chdtrc  # chi-square survival function

TEST_NAME: str = "log-rank (Mantel–Haenszel), as R survdiff rho = 0"


@dataclass(frozen=True)
class LogRank:
    """Result of the log-rank test; per-group arrays follow ``groups`` order."""

    chisq: float
    df: int
    p: float
    groups: tuple[str, ...]
    n: tuple[int, ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]
    method: str = TEST_NAME
    reason: str | None = None  # why there was nothing to test (chi-square 0 on 0 df, p = 1), in words

    @property
    def testable(self) -> bool:
        return self.df > 0


def logrank_test(
    time: npt.ArrayLike, event: npt.ArrayLike, group: Sequence[object] | npt.ArrayLike
) -> LogRank:
    """k-sample log-rank test.  Groups are sorted by their string label.

    The statistic is (O - E)' V^- (O - E) over the first k-1 groups with the
    hypergeometric variance, exactly as R's survdiff.
    """
    t = np.asarray(time, dtype=np.float64).ravel()
    e = np.asarray(event, dtype=np.float64).ravel()
    g_raw = [str(x) for x in np.asarray(group, dtype=object).ravel()]
    if not (t.size == e.size == len(g_raw)):
        raise ValueError("time, event and group must have the same length")
    if not np.all(np.isin(e, (0.0, 1.0))):
        raise ValueError("event must be 0 (censored) or 1 (event)")
    labels = tuple(sorted(set(g_raw)))
    k = len(labels)
    if k < 2:
        raise ValueError("the log-rank test needs at least two groups")
    index = {label: i for i, label in enumerate(labels)}
    gidx = np.array([index[x] for x in g_raw], dtype=np.int64)

    # All distinct event times at once (O(n log n), not one pass over the data per time):
    # n_risk[j, g] = subjects of group g with time >= t_j, d[j, g] = their events at t_j.
    event_times = np.unique(t[e == 1])
    m = event_times.size
    n_risk = np.empty((m, k))
    for gi in range(k):
        tg = np.sort(t[gidx == gi])
        n_risk[:, gi] = tg.size - np.searchsorted(tg, event_times, side="left")
    d = np.zeros((m, k))
    dead = e == 1
    np.add.at(d, (np.searchsorted(event_times, t[dead]), gidx[dead]), 1.0)
    n_tot = n_risk.sum(axis=1)
    d_tot = d.sum(axis=1)
    frac = n_risk / n_tot[:, None]
    observed = d.sum(axis=0)
    expected = (d_tot[:, None] * frac).sum(axis=0)
    several = n_tot > 1
    factor = np.where(several, d_tot * (n_tot - d_tot) / np.where(several, n_tot - 1.0, 1.0), 0.0)
    weighted = frac * factor[:, None]
    var = np.diag(weighted.sum(axis=0)) - weighted.T @ frac
    diff = (observed - expected)[: k - 1]
    v = var[: k - 1, : k - 1]
    df = int(np.linalg.matrix_rank(v)) if m > 0 else 0
    reason = None
    if df > 0:
        stat = float(diff @ np.linalg.pinv(v) @ diff)
        p = float(chdtrc(df, stat))
    else:
        # as survdiff: chi-square 0 on 0 degrees of freedom, p = 1
        stat, p = 0.0, 1.0
        reason = ("no events in any group: nothing to compare" if m == 0 else
                  "no event happened while more than one group was at risk (e.g. one group was censored "
                  "before every event): nothing to compare")
    return LogRank(
        chisq=stat,
        df=df,
        p=p,
        groups=labels,
        n=tuple(int((gidx == i).sum()) for i in range(k)),
        observed=tuple(float(x) for x in observed),
        expected=tuple(float(x) for x in expected),
        reason=reason,
    )
