"""The data-quality view: missing items are listed per case, computed in bulk."""

from __future__ import annotations

import datetime as dt

from storage.database import Database
from storage.record.case_documents import empty_document, save_document
from storage.views import quality
from storage.views.summaries import load_summaries


def test_demo_cohort_dead_cases_are_complete(demo_db: Database) -> None:
    with demo_db.session() as s:
        summaries = load_summaries(s)
        problems = quality.problems_by_case(s, summaries, today=dt.date(2026, 1, 1))
    by_id = {sm.study_id: problems[sm.case_id] for sm in summaries}
    assert by_id["P04"] == []
    # P02 and P06 are alive; their last contact is years ago.
    assert by_id["P02"] == [quality.STALE_FOLLOW_UP]


def test_a_bare_case_lists_what_is_missing(empty_db: Database) -> None:
    doc = empty_document("P09")
    doc["death"] = {"death_date": "2020-01-01", "cause": None, "cause_detail": None}
    doc["assessments"] = [{"assessed_on": None, "timing": "post", "response": "CR"}]
    with empty_db.session() as s:
        save_document(s, doc)
    with empty_db.session() as s:
        summaries = load_summaries(s)
        (problems,) = quality.problems_by_case(s, summaries).values()
    assert problems == [
        quality.NO_DIAGNOSIS, quality.NO_BIRTH_DATE, quality.NO_TIME_ZERO,
        quality.DEATH_WITHOUT_CAUSE, quality.RESPONSE_WITHOUT_DATE,
    ]


def test_alive_without_follow_up(empty_db: Database) -> None:
    with empty_db.session() as s:
        save_document(s, empty_document("P10"))
    with empty_db.session() as s:
        (problems,) = quality.problems_by_case(s, load_summaries(s)).values()
    assert quality.NO_FOLLOW_UP in problems


def test_document_problems_equal_the_bulk_problems(demo_db: Database) -> None:
    from storage.record.case_documents import load_document

    today = dt.date(2026, 1, 1)
    with demo_db.session() as s:
        summaries = load_summaries(s)
        bulk = quality.problems_by_case(s, summaries, today=today)
        single = {sm.case_id: quality.document_problems(load_document(s, sm.case_id), today) for sm in summaries}
    assert single == bulk
