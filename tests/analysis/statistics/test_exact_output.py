"""Issue 13's edge cases and the exact JSON: nothing to test gives p = 1, all censored is NR, no rounding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.json_output import result_json
from analysis.statistics.cohort import analyze_cohort
from analysis.statistics.endpoints import OVERALL_SURVIVAL
from analysis.statistics.kaplan_meier import kaplan_meier, median_survival
from analysis.statistics.logrank import logrank_test
from storage.database import Database
from storage.views.summaries import load_summaries


def test_logrank_with_one_group_censored_before_every_event_is_chi2_0_df_0_p_1() -> None:
    """R: survdiff(Surv(c(1,2,3,4), c(0,0,1,1)) ~ c('a','a','b','b')) gives Chisq 0 on 0 df, p = 1."""
    lr = logrank_test([1, 2, 3, 4], [0, 0, 1, 1], ["a", "a", "b", "b"])
    assert (lr.chisq, lr.df, lr.p) == (0.0, 0, 1.0)
    assert lr.reason is not None and "censored before every event" in lr.reason


def test_logrank_without_any_event_is_chi2_0_df_0_p_1() -> None:
    lr = logrank_test([1, 2, 3, 4], [0, 0, 0, 0], ["a", "a", "b", "b"])
    assert (lr.chisq, lr.df, lr.p) == (0.0, 0, 1.0)
    assert lr.reason == "no events in any group: nothing to compare"


def test_all_censored_is_not_reached_never_not_estimable() -> None:
    """30 cases all censored: the curve and its log band stay at 1, so median and both limits are NR."""
    m = median_survival(kaplan_meier(np.arange(1, 31), np.zeros(30)))
    assert (m.median, m.ci_lower, m.ci_upper) == (None, None, None)
    assert m.median_status == "not_reached" and m.ci_status == ("not_reached", "not_reached")
    assert m.median_text(short=True) + " ({} to {})".format(*m.limit_texts(short=True)) == "NR (NR to NR)"


def test_a_single_case_with_an_event_has_no_band_to_read() -> None:
    m = median_survival(kaplan_meier([2.0], [1]))
    assert m.median == 2.0 and m.ci_status == ("not_estimable", "not_estimable")


def test_json_values_equal_the_module_values_exactly(demo_db: Database) -> None:
    with demo_db.session() as s:
        cases = load_summaries(s)
    result = analyze_cohort(cases, OVERALL_SURVIVAL, group_by="prior_hsct", at=[12, 36], conf_level=0.9)
    out = json.loads(json.dumps(result_json(result)))
    assert out["conf_level"] == 0.9
    for g, j in zip(result.groups, out["groups"], strict=True):
        assert j["median"] == g.median.median and j["median_ci"] == [g.median.ci_lower, g.median.ci_upper]
        for lm, jl in zip(g.landmarks, j["at"], strict=True):
            assert (jl["survival"], jl["ci"], jl["std_err"]) == (lm.survival, [lm.ci_lower, lm.ci_upper], lm.std_err)
    assert result.logrank is not None
    assert (out["logrank"]["chisq"], out["logrank"]["p"]) == (result.logrank.chisq, result.logrank.p)
    fu = result.overall.follow_up
    assert out["follow_up"]["median"] == fu.median and out["follow_up"]["median_ci"] == [fu.ci_lower, fu.ci_upper]


def test_landmarks_count_each_interval_since_the_previous_landmark(demo_db: Database) -> None:
    """Cumulative counts up to t, and as R's summary(fit, times = c(12, 36)): events in (0, 12], (12, 36]."""
    with demo_db.session() as s:
        cases = load_summaries(s)
    out = result_json(analyze_cohort(cases, OVERALL_SURVIVAL, at=[36, 12]))
    at36, at12 = out["groups"][0]["at"]
    assert (at12["events"], at12["interval_events"]) == (4, 4)
    assert (at36["events"], at36["interval_events"]) == (5, 1)


def test_rates_and_table1_are_in_the_json_as_numbers(demo_db: Database) -> None:
    with demo_db.session() as s:
        cases = load_summaries(s)
    out = result_json(analyze_cohort(cases, OVERALL_SURVIVAL))
    cr = next(r for r in out["rates"] if r["name"].startswith("Complete remission"))
    assert (cr["k"], cr["n"]) == (5, 8)
    assert cr["ci"] == pytest.approx([0.2448632, 0.9147666], abs=1e-7)  # R: binom.test(5, 8)$conf.int
    sex = next(v for v in out["table1"]["variables"] if v["field"] == "sex")
    assert sum(sex["columns"][-1]["counts"].values()) == 8
