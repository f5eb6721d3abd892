"""Cox partial likelihood with Efron's handling of ties: log-likelihood, score and information.

Own code where lifelines has no public function for what R's ``coxph`` and ``cox.zph`` report: the
score (log-rank) test needs the score and information at beta = 0, the likelihood-ratio test the
log-likelihood of the null model, and the proportional-hazards test (R's ``cox.zph`` since survival 3.0)
the score of the time-varying terms x·g(t) added at the fitted beta. Every sum is vectorised: one row
per event (each tied event is one of Efron's d steps), no loop over time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EfronTerms:
    """Per event row: Efron's weighted mean of x (``mean``) and covariance (``cov``) over the risk set,
    the row's own x, its distinct-time index, and the log-likelihood of the whole model."""

    x_event: FloatArray  # (events, p)
    mean: FloatArray  # (events, p)
    cov: FloatArray  # (events, p, p)
    time_index: npt.NDArray[np.int64]  # (events,) index into ``event_times``
    event_times: FloatArray
    loglik: float

    @property
    def score(self) -> FloatArray:
        out: FloatArray = (self.x_event - self.mean).sum(axis=0)
        return out

    @property
    def information(self) -> FloatArray:
        out: FloatArray = self.cov.sum(axis=0)
        return out


def efron_terms(time: FloatArray, event: FloatArray, x: FloatArray, beta: FloatArray) -> EfronTerms:
    """Efron's terms at ``beta`` (x is n × p; centred inside for numerical stability)."""
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.float64) > 0
    xc = np.asarray(x, dtype=np.float64)
    xc = xc - xc.mean(axis=0)
    eta = xc @ np.asarray(beta, dtype=np.float64)
    shift = float(eta.max()) if eta.size else 0.0
    w = np.exp(eta - shift)
    order = np.argsort(t, kind="stable")
    ts, ws, xs = t[order], w[order], xc[order]
    # risk-set sums at every position: everything from that (sorted) position to the end
    r0 = np.cumsum(ws[::-1])[::-1]
    r1 = np.cumsum((ws[:, None] * xs)[::-1], axis=0)[::-1]
    r2 = np.cumsum((ws[:, None, None] * xs[:, :, None] * xs[:, None, :])[::-1], axis=0)[::-1]
    event_times = np.unique(t[e])
    first = np.searchsorted(ts, event_times, side="left")  # first position with time >= t_j
    rows = np.flatnonzero(e)
    j = np.searchsorted(event_times, t[rows])
    d = np.bincount(j, minlength=event_times.size).astype(np.float64)
    d0 = np.bincount(j, weights=w[rows], minlength=event_times.size)
    p = xc.shape[1]
    d1 = np.zeros((event_times.size, p))
    np.add.at(d1, j, w[rows, None] * xc[rows])
    d2 = np.zeros((event_times.size, p, p))
    np.add.at(d2, j, w[rows, None, None] * xc[rows, :, None] * xc[rows, None, :])
    # Efron's step l = 0 .. d-1 for the tied events of one time: one step per event row
    sort_rows = np.argsort(j, kind="stable")
    rows, j = rows[sort_rows], j[sort_rows]
    starts = np.concatenate(([0], np.cumsum(d)[:-1])).astype(np.int64)
    step = np.arange(rows.size) - starts[j]
    frac = step / d[j]
    s0 = r0[first][j] - frac * d0[j]
    s1 = r1[first][j] - frac[:, None] * d1[j]
    s2 = r2[first][j] - frac[:, None, None] * d2[j]
    mean = s1 / s0[:, None]
    cov = s2 / s0[:, None, None] - mean[:, :, None] * mean[:, None, :]
    loglik = float(eta[rows].sum() - (np.log(s0) + shift).sum())
    return EfronTerms(x_event=xc[rows], mean=mean, cov=cov, time_index=j.astype(np.int64),
                      event_times=event_times, loglik=loglik)


def score_test(time: FloatArray, event: FloatArray, x: FloatArray) -> float:
    """R's score (log-rank) test: U(0)' I(0)^-1 U(0)."""
    terms = efron_terms(time, event, x, np.zeros(np.asarray(x).shape[1]))
    u = terms.score
    return float(u @ np.linalg.solve(terms.information, u))


def time_varying_score(terms: EfronTerms, g: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Score and information of the model with x and x·g(t) at (beta, 0), g given per distinct event
    time: the expanded score is (U, sum g (x - mean)), the information has blocks I, I·g, I·g²."""
    gj = np.asarray(g, dtype=np.float64)[terms.time_index]
    resid = terms.x_event - terms.mean
    p = resid.shape[1]
    u = np.concatenate((resid.sum(axis=0), (gj[:, None] * resid).sum(axis=0)))
    info = np.empty((2 * p, 2 * p))
    info[:p, :p] = terms.cov.sum(axis=0)
    info[:p, p:] = info[p:, :p] = (gj[:, None, None] * terms.cov).sum(axis=0)
    info[p:, p:] = (gj[:, None, None] ** 2 * terms.cov).sum(axis=0)
    return u, info
