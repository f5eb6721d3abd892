"""Kaplan–Meier on the seed cohort: the numbers a clinician checks.

Expected values are hand-computed (shown inline) or given in the project
brief from R survival output; never produced by the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.statistics.survival import (
    kaplan_meier,
    kaplan_meier_by_group,
    median_follow_up,
    median_survival,
    survival_at,
    survival_quantile,
)

DAYS_PER_MONTH = 30.4375
Z95 = 1.959963984540054  # qnorm(0.975)

# Overall survival, months; case 4 dies at day 366.
OS_TIME = [42.0, 75.0, 4.0, 366 / DAYS_PER_MONTH, 2.0, 50.0, 3.0, 2.0]
OS_EVENT = [1, 0, 1, 1, 1, 0, 1, 1]


def test_case4_time_is_just_after_12_months() -> None:
    case4_months = 366 / DAYS_PER_MONTH
    assert case4_months == pytest.approx(12.0246, abs=1e-4)


def test_event_table() -> None:
    km = kaplan_meier(OS_TIME, OS_EVENT)
    np.testing.assert_allclose(km.time, [2, 3, 4, 366 / DAYS_PER_MONTH, 42, 50, 75])
    assert km.n_at_risk.tolist() == [8, 6, 5, 4, 3, 2, 1]
    assert km.n_events.tolist() == [2, 1, 1, 1, 1, 0, 0]
    assert km.n_censored.tolist() == [0, 0, 0, 0, 0, 1, 1]
    # 6/8, x5/6, x4/5, x3/4, x2/3
    np.testing.assert_allclose(km.survival, [0.75, 0.625, 0.5, 0.375, 0.25, 0.25, 0.25])
    assert km.n == 8 and km.total_events == 6
    np.testing.assert_allclose(km.censor_times, [50, 75])


def test_median_is_midpoint_rule_not_lifelines() -> None:
    km = kaplan_meier(OS_TIME, OS_EVENT)
    med = median_survival(km)
    # S = 0.5 exactly on [4, 12.02): median = (4 + 12.0246) / 2 = 8.012
    assert med.median == pytest.approx(8.0, abs=0.05)
    assert med.median == pytest.approx((4 + 366 / DAYS_PER_MONTH) / 2, abs=1e-9)
    # log CI: lower curve first <= 0.5 at t = 3 (0.625*exp(-z*sqrt(0.075)) = 0.365);
    # upper curve never drops to 0.5 -> not reached
    assert med.ci_lower == pytest.approx(3.0)
    assert med.ci_upper is None
    assert med.conf_type == "log" and "midpoint" in med.median_rule


def test_median_ci_under_loglog() -> None:
    # lower log-log curve at t=2: S=.75, se=sqrt(2/48):
    #   exp(-exp(log(-log .75) + z*se/-log .75)) = 0.315 <= 0.5  -> LCL = 2
    # upper log-log curve stays above 0.5 (0.674 at 12.02, 0.558 at 42) -> not reached
    med = median_survival(kaplan_meier(OS_TIME, OS_EVENT, conf_type="log-log"))
    assert med.median == pytest.approx((4 + 366 / DAYS_PER_MONTH) / 2)
    assert (med.ci_lower, med.ci_upper) == (2.0, None)
    assert med.as_text() == "8.0 months (95% CI 2.0 to not reached)"


def test_median_text_not_reached() -> None:
    # S = 2/3 after the only death at 1; lower CI 2/3*exp(-z*sqrt(1/6)) = 0.30 at 1
    med = median_survival(kaplan_meier([1, 2, 3], [1, 0, 0]))
    assert med.as_text(unit="weeks") == "not reached (95% CI 1.0 to not reached)"


def test_by_group_curves() -> None:
    curves = kaplan_meier_by_group(OS_TIME, OS_EVENT, ["b", "a"] * 4)
    assert [label for label, _ in curves] == ["a", "b"]
    assert sum(km.n for _, km in curves) == 8


def test_landmark_12_months() -> None:
    est = survival_at(kaplan_meier(OS_TIME, OS_EVENT), 12.0)
    assert est.survival == pytest.approx(0.5)
    assert (est.n_at_risk, est.n_events, est.n_censored) == (4, 4, 0)


def test_landmark_36_months_log_ci() -> None:
    est = survival_at(kaplan_meier(OS_TIME, OS_EVENT), 36.0)
    assert est.survival == pytest.approx(0.375)
    # Greenwood: 2/(8*6) + 1/(6*5) + 1/(5*4) + 1/(4*3) = 0.208333
    se_log = math.sqrt(2 / 48 + 1 / 30 + 1 / 20 + 1 / 12)
    assert est.std_err == pytest.approx(0.375 * se_log, rel=1e-9)
    assert est.ci_lower == pytest.approx(0.1533, abs=5e-5)
    assert est.ci_upper == pytest.approx(0.9174, abs=5e-5)
    assert (est.n_at_risk, est.n_events, est.n_censored) == (3, 5, 0)
    assert est.ci_method == "Greenwood, log transform"


def test_landmark_36_months_loglog_ci() -> None:
    est = survival_at(kaplan_meier(OS_TIME, OS_EVENT, conf_type="log-log"), 36.0)
    assert est.survival == pytest.approx(0.375)
    assert est.ci_lower == pytest.approx(0.0870, abs=5e-5)
    assert est.ci_upper == pytest.approx(0.6744, abs=5e-5)
    assert est.conf_type == "log-log"


def test_landmark_36_months_plain_ci() -> None:
    est = survival_at(kaplan_meier(OS_TIME, OS_EVENT, conf_type="plain"), 36.0)
    se_s = 0.375 * math.sqrt(2 / 48 + 1 / 30 + 1 / 20 + 1 / 12)  # 0.171163
    assert est.ci_lower == pytest.approx(0.375 - Z95 * se_s, abs=1e-9)  # 0.0395
    assert est.ci_upper == pytest.approx(0.375 + Z95 * se_s, abs=1e-9)  # 0.7105


def test_landmark_exactly_at_an_event_time_counts_as_r_summary() -> None:
    # summary(fit, times = 42): n.risk at 42-0 = 3 (42, 50, 75); the death at 42
    # is included in the cumulative events (6) and in S(42) = 0.25
    est = survival_at(kaplan_meier(OS_TIME, OS_EVENT), 42.0)
    assert (est.n_at_risk, est.n_events, est.n_censored) == (3, 6, 0)
    assert est.survival == pytest.approx(0.25)
    at_censoring = survival_at(kaplan_meier(OS_TIME, OS_EVENT), 50.0)
    assert (at_censoring.n_at_risk, at_censoring.n_events, at_censoring.n_censored) == (2, 6, 1)


def test_landmark_before_first_time_and_beyond_follow_up() -> None:
    km = kaplan_meier(OS_TIME, OS_EVENT)
    start = survival_at(km, 0.0)
    assert start.survival == 1.0 and start.n_at_risk == 8 and start.n_events == 0
    beyond = survival_at(km, 100.0)
    assert beyond.survival is None and beyond.ci_lower is None
    assert (beyond.n_at_risk, beyond.n_events, beyond.n_censored) == (0, 6, 2)


def test_efs_responders_median_4() -> None:
    km = kaplan_meier([42, 4, 2, 12, 2], [1, 1, 1, 1, 1])
    # S: 3/5 at 2, 2/5 at 4 -> first time S <= 0.5 is 4 (not exactly 0.5)
    assert median_survival(km).median == pytest.approx(4.0)


def test_ci_not_available_where_survival_is_zero() -> None:
    km = kaplan_meier([42, 4, 2, 12, 2], [1, 1, 1, 1, 1])
    assert km.survival[-1] == 0.0
    assert math.isnan(km.ci_lower[-1]) and math.isnan(km.ci_upper[-1])
    est = survival_at(km, 50.0)
    assert est.survival == 0.0
    assert est.ci_lower is None and est.ci_upper is None  # never 0


def test_midpoint_rule_all_events() -> None:
    # 4 deaths at 1, 2, 3, 4: S = .75, .5, .25, 0 -> median (2 + 3) / 2
    assert median_survival(kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])).median == 2.5


def test_midpoint_rule_skips_censoring_time() -> None:
    # 1, 2, 3+, 4: S = .75, .5 (flat through the censoring at 3), 0 at 4 -> (2 + 4) / 2
    assert median_survival(kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1])).median == 3.0


def test_flat_at_half_until_last_censoring_uses_first_time() -> None:
    # 1, 2, 3+, 4+: S stays exactly 0.5 to the end -> median is 2 (no later drop)
    assert median_survival(kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0])).median == 2.0


def test_midpoint_rule_uses_tolerance_not_float_equality() -> None:
    # 10 subjects, deaths at 1..10: 9/10*8/9*7/8*6/7*5/6 is 0.5 only up to rounding
    km = kaplan_meier(np.arange(1.0, 11.0), np.ones(10))
    assert abs(km.survival[4] - 0.5) < 1e-15
    assert median_survival(km).median == 5.5


def test_median_not_reached_is_none() -> None:
    med = median_survival(kaplan_meier([1, 2, 3, 4, 5], [0, 1, 0, 0, 0]))
    assert med.median is None and med.ci_upper is None
    assert not (isinstance(med.median, float) and math.isinf(med.median))


def test_other_quantile() -> None:
    # 25th percentile (S <= 0.75): S = .75 exactly at 2 -> midpoint of 2 and 3
    km = kaplan_meier(OS_TIME, OS_EVENT)
    assert survival_quantile(km, 0.25).median == 2.5


def test_median_follow_up_reverse_km() -> None:
    # reverse KM: "events" are the censorings at 50 and 75.  At 50: 2 at risk
    # -> S = 0.5 exactly, drops to 0 at 75 -> midpoint (50 + 75) / 2 = 62.5.
    fu = median_follow_up(OS_TIME, OS_EVENT)
    assert fu.median == pytest.approx(62.5)
    # lower CI: 0.5*exp(-z*sqrt(1/2)) = 0.125 <= 0.5 at 50; upper stays at 1 then NA
    assert fu.ci_lower == pytest.approx(50.0)
    assert fu.ci_upper is None
    assert "reverse" in fu.median_rule


def test_events_tied_with_censoring_count_censored_as_at_risk() -> None:
    # 2 deaths and 1 censoring at t=2 among 4: S = 1 - 2/4 (censored one is at risk)
    km = kaplan_meier([2, 2, 2, 5], [1, 1, 0, 1])
    assert km.n_at_risk.tolist() == [4, 1]
    assert km.survival.tolist() == [0.5, 0.0]


@pytest.mark.parametrize(
    ("time", "event"),
    [([1, 2], [1]), ([1, -2], [1, 1]), ([1, float("nan")], [1, 1]), ([1, 2], [1, 2]), ([], [])],
)
def test_bad_input_rejected(time: list[float], event: list[int]) -> None:
    with pytest.raises(ValueError):
        kaplan_meier(time, event)


def test_bad_conf_type_rejected() -> None:
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [1, 1], conf_type="logit")  # type: ignore[arg-type]
