"""Checks against published R ``survival`` output (typed in from the sources cited).

Sources
-------
* aml, Maintained arm, ``summary(survfit(Surv(time, status) ~ x, data = aml))``:
  RPubs "AML data set" report
  (rstudio-pubs-static.s3.amazonaws.com/610133_9d2b480275e04433aae84c8c4c4a7527.html).
  (Its Nonmaintained arm was typed with 30 censored, so it is not used; the
  Nonmaintained values below are hand-computed.)
* aml ``survdiff``: Chisq = 3.4 on 1 df, p = 0.0653, expected 10.69 / 7.31
  (R output reproduced in the "Exact tests for AML data" note; project brief: 3.396).
* aml ``print(survfit(...))``: medians 31 (18, NA) and 23 (8, NA): project brief.
* lung ``survdiff(Surv(time, status) ~ sex)``: expected 91.5817 / 73.4183,
  Chisq = 10.3267, p = 0.00131116 (Machine Learning with R Cookbook, 2nd ed.,
  "Using the log-rank test").
* lung ``summary(survfit(Surv(time, status) ~ sex))``, sex = 1 rows
  (drkim.quarto.pub/non_semi_parametric_survival_analysis).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from analysis.statistics.survival import kaplan_meier, logrank_test, median_survival, survival_at

Z95 = 1.959963984540054

MAINT_T = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
MAINT_S = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
NONM_T = [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
NONM_S = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]

# time, n.risk, n.event, survival, std.err, lower 95% CI, upper 95% CI (R, 3-4 digits)
AML_MAINTAINED_R = [
    (9, 11, 1, 0.909, 0.0867, 0.7541, 1.000),
    (13, 10, 1, 0.818, 0.1163, 0.6192, 1.000),
    (18, 8, 1, 0.716, 0.1397, 0.4884, 1.000),
    (23, 7, 1, 0.614, 0.1526, 0.3769, 0.999),
    (31, 5, 1, 0.491, 0.1642, 0.2549, 0.946),
    (34, 4, 1, 0.368, 0.1627, 0.1549, 0.875),
    (48, 2, 1, 0.184, 0.1535, 0.0359, 0.944),
]


@pytest.mark.parametrize("row", AML_MAINTAINED_R, ids=lambda r: f"t={r[0]}")
def test_aml_maintained_summary_rows(row: tuple[float, ...]) -> None:
    t, n_risk, n_event, surv, se, lo, hi = row
    km = kaplan_meier(MAINT_T, MAINT_S)
    i = int(np.nonzero(km.time == t)[0][0])
    assert km.n_at_risk[i] == n_risk
    assert km.n_events[i] == n_event
    assert km.survival[i] == pytest.approx(surv, abs=5e-4)
    assert km.std_err[i] == pytest.approx(se, abs=5e-5)
    assert km.ci_lower[i] == pytest.approx(lo, abs=5e-5)
    assert km.ci_upper[i] == pytest.approx(hi, abs=5e-4)


def test_aml_nonmaintained_t8_hand_computed() -> None:
    # S(8) = 10/12 * 8/10 = 2/3; Greenwood 2/(12*10) + 2/(10*8) = 1/24
    km = kaplan_meier(NONM_T, NONM_S)
    est = survival_at(km, 8)
    se_log = math.sqrt(1 / 24)
    assert est.survival == pytest.approx(2 / 3)
    assert est.n_at_risk == 10 and est.n_events == 4  # at risk at 8-0; events up to 8+0
    assert est.std_err == pytest.approx(2 / 3 * se_log)  # 0.1361
    assert est.ci_lower == pytest.approx(2 / 3 * math.exp(-Z95 * se_log))  # 0.4468
    assert est.ci_upper == pytest.approx(2 / 3 * math.exp(Z95 * se_log))  # 0.9946


def test_aml_print_survfit_medians() -> None:
    maint = kaplan_meier(MAINT_T, MAINT_S)
    nonm = kaplan_meier(NONM_T, NONM_S)
    assert (maint.n, maint.total_events) == (11, 7)
    assert (nonm.n, nonm.total_events) == (12, 11)
    m = median_survival(maint)
    assert (m.median, m.ci_lower, m.ci_upper) == (31.0, 18.0, None)
    m = median_survival(nonm)
    assert (m.median, m.ci_lower, m.ci_upper) == (23.0, 8.0, None)


def test_aml_survdiff() -> None:
    res = logrank_test(MAINT_T + NONM_T, MAINT_S + NONM_S, ["Maintained"] * 11 + ["Nonmaintained"] * 12)
    assert res.groups == ("Maintained", "Nonmaintained")
    assert res.n == (11, 12)
    assert res.observed == (7.0, 11.0)
    assert res.expected[0] == pytest.approx(10.69, abs=5e-3)
    assert res.expected[1] == pytest.approx(7.31, abs=5e-3)
    assert res.chisq == pytest.approx(3.396, abs=5e-4)
    assert res.df == 1
    assert res.p == pytest.approx(0.0653, abs=5e-5)


def _lung() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lifelines = pytest.importorskip("lifelines")
    path = Path(lifelines.__file__).parent / "datasets" / "lung.csv"
    if not path.exists():
        pytest.skip("lifelines lung.csv not available")
    data = np.genfromtxt(path, delimiter=",", names=True)
    # lifelines ships R's lung with status recoded 1 = dead, 0 = censored
    return data["time"], data["status"], data["sex"]


def test_lung_survdiff_by_sex() -> None:
    time, status, sex = _lung()
    assert len(time) == 228 and int(status.sum()) == 165
    res = logrank_test(time, status, sex.astype(int))
    assert res.n == (138, 90)
    assert res.observed == (112.0, 53.0)
    assert res.expected[0] == pytest.approx(91.5817, abs=5e-5)
    assert res.expected[1] == pytest.approx(73.4183, abs=5e-5)
    assert res.chisq == pytest.approx(10.3267, abs=5e-5)
    assert res.p == pytest.approx(0.00131116, rel=1e-5)


# lung, sex = 1: time, n.risk, n.event, survival, std.err, lower, upper
LUNG_MALE_R = [
    (11, 138, 3, 0.9783, 0.0124, 0.9542, 1.000),
    (53, 128, 2, 0.9130, 0.0240, 0.8672, 0.961),
    (163, 100, 3, 0.7029, 0.0389, 0.6306, 0.783),
    (175, 94, 1, 0.6811, 0.0397, 0.6076, 0.763),
    (180, 89, 1, 0.6445, 0.0408, 0.5693, 0.730),
]


@pytest.mark.parametrize("row", LUNG_MALE_R, ids=lambda r: f"t={r[0]}")
def test_lung_male_summary_rows(row: tuple[float, ...]) -> None:
    t, n_risk, n_event, surv, se, lo, hi = row
    time, status, sex = _lung()
    km = kaplan_meier(time[sex == 1], status[sex == 1])
    i = int(np.nonzero(km.time == t)[0][0])
    assert km.n_at_risk[i] == n_risk
    assert km.n_events[i] == n_event
    assert km.survival[i] == pytest.approx(surv, abs=5e-5)
    assert km.std_err[i] == pytest.approx(se, abs=5e-5)
    assert km.ci_lower[i] == pytest.approx(lo, abs=5e-5)
    assert km.ci_upper[i] == pytest.approx(hi, abs=5e-4)
