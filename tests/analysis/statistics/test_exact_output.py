"""Issue 13's edge cases and the exact JSON: nothing to test gives p = 1, all censored is NR, no rounding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.json_output import result_json
from analysis.statistics.cohort import analyze_cohort
from analysis.statistics.competing_risks import cumulative_incidence
from analysis.statistics.endpoints import OVERALL_SURVIVAL
from analysis.statistics.kaplan_meier import kaplan_meier, median_survival
from analysis.statistics.logrank import logrank_test
from analysis.statistics.relapse_causes import relapse_causes
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
    data = relapse_causes(result.cases)
    cif = cumulative_incidence(data.time, data.cause, 1, conf_level=0.9)
    i = int(np.searchsorted(cif.time, 12, side="right")) - 1
    at12 = out["cif"]["groups"][0]["relapse"]["at"][0]
    assert (at12["estimate"], at12["std_err"], at12["ci"]) == (
        cif.estimate[i], cif.std_err[i], [cif.ci_lower[i], cif.ci_upper[i]])


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


def test_a_group_of_one_in_the_log_rank_and_its_median() -> None:
    """R> survdiff(Surv(1:12, e) ~ b) with b = 1 for one patient who died at 5: chi-square 0.899915531840376,
    p 0.342804361173016; survfit: that group's median 5 with both limits NA (no band to read)."""
    t = np.arange(1, 13, dtype=float)
    e = np.array([1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1])
    b = ["b" if i == 4 else "a" for i in range(12)]
    lr = logrank_test(t, e, b)
    assert (lr.chisq, lr.p, lr.df) == (pytest.approx(0.899915531840376, rel=1e-12),
                                       pytest.approx(0.342804361173016, rel=1e-12), 1)
    one = median_survival(kaplan_meier([5.0], [1]))
    assert one.median == 5.0 and one.ci_status == ("not_estimable", "not_estimable")
    rest = median_survival(kaplan_meier(t[np.array(b) == "a"], e[np.array(b) == "a"]))
    assert (rest.median, rest.ci_lower, rest.ci_upper) == (9.0, 4.0, None)


def test_every_json_key_is_documented(demo_db: Database) -> None:
    """docs/analysis-json.md names every key analyze --json can print (a grouping, covariates, landmarks)."""
    from pathlib import Path

    from analysis.statistics.hazards.models import analyse_models

    with demo_db.session() as s:
        cases = load_summaries(s)
    result = analyze_cohort(cases, OVERALL_SURVIVAL, group_by="prior_hsct", at=[12, 36])
    out = result_json(result, analyse_models(result, ["age"]))
    doc = (Path(__file__).resolve().parents[3] / "docs" / "analysis-json.md").read_text()
    keys: set[str] = set()

    def walk(node: object, parent: str = "") -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if parent not in ("counts",):  # Table 1's counts are keyed by the field's values
                    keys.add(key)
                walk(value, key)
        elif isinstance(node, list):
            for item in node:
                walk(item, parent)

    walk(out)
    missing = sorted(k for k in keys if not any(form in doc for form in (f"`{k}`", f".{k}`", f"{k}[]`")))
    assert not missing, missing
