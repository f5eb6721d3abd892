"""OS and EFS derived from the demo cohort's dates give the article's months, with explanations."""

from __future__ import annotations

import pytest

from analysis.statistics.endpoints import (
    EVENT_FREE_SURVIVAL,
    OVERALL_SURVIVAL,
    EndpointRule,
    derive,
    derive_all,
)
from storage.database import Database
from storage.views.summaries import CaseSummary, load_summaries

PUBLISHED_OS = {"P01": 42, "P02": 75, "P03": 4, "P04": 12, "P05": 2, "P06": 50, "P07": 3, "P08": 2}
PUBLISHED_OS_EVENT = {"P01": 1, "P02": 0, "P03": 1, "P04": 1, "P05": 1, "P06": 0, "P07": 1, "P08": 1}
PUBLISHED_EFS_RESPONDERS = {"P01": 42, "P02": 4, "P03": 2, "P04": 12, "P07": 2}


def summaries(db: Database) -> list[CaseSummary]:
    with db.session() as s:
        return load_summaries(s)


def test_overall_survival_matches_published_months(demo_db: Database) -> None:
    for value in derive_all(summaries(demo_db), OVERALL_SURVIVAL):
        assert round(value.time("months") or -1) == PUBLISHED_OS[value.study_id]
        assert value.event == bool(PUBLISHED_OS_EVENT[value.study_id])



def test_case4_death_is_after_day_365(demo_db: Database) -> None:
    p04 = [v for v in derive_all(summaries(demo_db), OVERALL_SURVIVAL) if v.study_id == "P04"][0]
    assert p04.days is not None and p04.days >= 366 and (p04.time("months") or 0) > 12.0


def test_event_free_survival_of_responders(demo_db: Database) -> None:
    responders = [s for s in summaries(demo_db) if s.in_remission]
    values = {v.study_id: v for v in derive_all(responders, EVENT_FREE_SURVIVAL)}
    assert {k: round(v.time() or -1) for k, v in values.items()} == PUBLISHED_EFS_RESPONDERS
    assert all(v.event for v in values.values())
    assert values["P03"].explanation.startswith("P03: event (relapse) on ")
    assert values["P03"].explanation.endswith(", 2.0 months after time zero")
    assert values["P01"].event_kind == "death"


def test_treatment_failure_as_event_at_day_zero(demo_db: Database) -> None:
    rule = EndpointRule("efs-tf", "EFS", relapse_is_event=True, treatment_failure_is_event=True)
    values = {v.study_id: v for v in derive_all(summaries(demo_db), rule)}
    assert [k for k, v in values.items() if v.days == 0.0] == ["P05", "P06", "P08"]
    assert "treatment failure" in values["P06"].explanation


def test_censored_explanation_and_units(demo_db: Database) -> None:
    p02 = [s for s in summaries(demo_db) if s.study_id == "P02"][0]
    os_value = derive(p02, OVERALL_SURVIVAL, unit="years")
    assert not os_value.event
    assert os_value.explanation.startswith("P02: censored at last follow-up on ")
    assert os_value.time("years") == pytest.approx(2283 / 365.25)
    assert os_value.time("weeks") == pytest.approx(2283 / 7)


def test_case_without_time_zero_is_listed_with_reason(demo_db: Database) -> None:
    p01 = [s for s in summaries(demo_db) if s.study_id == "P01"][0]
    from dataclasses import replace

    value = derive(replace(p01, time_zero=None), OVERALL_SURVIVAL)
    assert not value.available and "no salvage start date" in value.explanation


def test_death_of_other_cause_is_censored_for_cause_specific_endpoint(demo_db: Database) -> None:
    disease_death = EndpointRule("dss", "Disease-specific survival", death_causes=frozenset({"disease"}))
    values = {v.study_id: v for v in derive_all(summaries(demo_db), disease_death)}
    assert not values["P04"].event and "another cause" in values["P04"].explanation
    assert values["P03"].event
