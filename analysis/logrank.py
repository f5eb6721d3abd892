"""Log-rank (Mantel–Haenszel) test for 2 or more groups, as R ``survdiff(rho = 0)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import chi2

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
    gidx = np.array([labels.index(x) for x in g_raw], dtype=np.int64)

    observed = np.zeros(k)
    expected = np.zeros(k)
    var = np.zeros((k, k))
    for tj in np.unique(t[e == 1]):
        at_risk = t >= tj
        dying = (t == tj) & (e == 1)
        n_g = np.bincount(gidx[at_risk], minlength=k).astype(np.float64)
        d_g = np.bincount(gidx[dying], minlength=k).astype(np.float64)
        n_tot = n_g.sum()
        d_tot = d_g.sum()
        observed += d_g
        expected += d_tot * n_g / n_tot
        if n_tot > 1:
            factor = d_tot * (n_tot - d_tot) / (n_tot - 1.0)
            frac = n_g / n_tot
            var += factor * (np.diag(frac) - np.outer(frac, frac))
    diff = (observed - expected)[: k - 1]
    v = var[: k - 1, : k - 1]
    stat = float(diff @ np.linalg.pinv(v) @ diff)
    df = int(np.linalg.matrix_rank(v))
    p = float(chi2.sf(stat, df)) if df > 0 else float("nan")
    return LogRank(
        chisq=stat,
        df=df,
        p=p,
        groups=labels,
        n=tuple(int((gidx == i).sum()) for i in range(k)),
        observed=tuple(float(x) for x in observed),
        expected=tuple(float(x) for x in expected),
    )
