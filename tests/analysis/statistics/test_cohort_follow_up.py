"""Median follow-up by reverse Kaplan–Meier, and what is said when it cannot be estimated."""

from __future__ import annotations

from analysis.statistics.cohort import Condition, analyze_cohort
from analysis.statistics.endpoints import EVENT_FREE_SURVIVAL, OVERALL_SURVIVAL
from storage.database import Database
from storage.views.summaries import load_summaries


def test_median_follow_up_of_the_seed_cohort(demo_db: Database) -> None:
    with demo_db.session() as s:
        cases = load_summaries(s)
    overall = analyze_cohort(cases, OVERALL_SURVIVAL).overall
    # the two survivors were followed 50.0 and 75.0 months: reverse KM median (50 + 75) / 2; the reverse
    # curve reaches 0 at 75 months, so its band ends there and the upper limit is NA in R: not estimable
    assert overall.follow_up_text("months") == "62.5 months (95% CI 50.0 to not estimable)"


def test_follow_up_is_not_estimable_when_every_case_had_an_event(demo_db: Database) -> None:
    with demo_db.session() as s:
        cases = load_summaries(s)
    responders = analyze_cohort(cases, EVENT_FREE_SURVIVAL, where=[Condition.parse("best_response=CR")]).overall
    assert responders.censored == 0
    assert responders.follow_up_text("months").startswith("not estimable")
