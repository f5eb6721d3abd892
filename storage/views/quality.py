"""Data quality: what is missing or stale in a case, listed, never refused.

Retrospective collection fills a case in over weeks, so missing items are normal; this module
names them so that the investigator can chase them. Impossible data is storage.record.rules' job.
Computed in bulk from CaseSummary rows plus one query, never one query per case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.record.models import Death, ResponseAssessment
from storage.views.summaries import CaseSummary

# "Follow-up older than six months": half a year of 365.25 days.
STALE_FOLLOW_UP_DAYS = 183

NO_TIME_ZERO = "no salvage start date (time zero)"
NO_BIRTH_DATE = "no date of birth (age at time zero unknown)"
NO_DIAGNOSIS = "no diagnosis"
NO_FOLLOW_UP = "no last follow-up date"
STALE_FOLLOW_UP = "last follow-up is more than six months old"
DEATH_WITHOUT_CAUSE = "death without a cause"
DEATH_WITHOUT_DATE = "death without a date"
RESPONSE_WITHOUT_DATE = "response recorded without an assessment date"


def undated_responses(session: Session) -> set[int]:
    """Ids of cases with a response category on an assessment that has no date (one query)."""
    rows = session.scalars(
        select(ResponseAssessment.case_id)
        .where(ResponseAssessment.response.is_not(None), ResponseAssessment.assessed_on.is_(None))
        .distinct()
    )
    return set(rows)


def case_problems(
    summary: CaseSummary,
    *,
    dead: bool = False,
    undated_response: bool = False,
    today: dt.date | None = None,
) -> list[str]:
    """Missing items of one case, in the order a clinician would chase them.

    ``dead`` says a death record exists (its date or cause may be missing); a summary with a
    death date is dead in any case.
    """
    today = today or dt.date.today()
    dead = dead or summary.death_date is not None
    problems = []
    if summary.diagnosis is None:
        problems.append(NO_DIAGNOSIS)
    if summary.birth_date is None:
        problems.append(NO_BIRTH_DATE)
    if summary.time_zero is None:
        problems.append(NO_TIME_ZERO)
    if dead:
        if summary.death_date is None:
            problems.append(DEATH_WITHOUT_DATE)
        if summary.death_cause is None:
            problems.append(DEATH_WITHOUT_CAUSE)
    elif summary.last_follow_up is None:
        problems.append(NO_FOLLOW_UP)
    elif (today - summary.last_follow_up).days > STALE_FOLLOW_UP_DAYS:
        problems.append(STALE_FOLLOW_UP)
    if undated_response:
        problems.append(RESPONSE_WITHOUT_DATE)
    return problems


def dead_case_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Death.case_id)))


def problems_by_case(
    session: Session, summaries: Iterable[CaseSummary], today: dt.date | None = None
) -> dict[int, list[str]]:
    """Missing items for every given case, keyed by case id (cases with none map to [])."""
    undated = undated_responses(session)
    dead = dead_case_ids(session)
    today = today or dt.date.today()
    return {
        s.case_id: case_problems(s, dead=s.case_id in dead, undated_response=s.case_id in undated, today=today)
        for s in summaries
    }


def document_problems(doc: dict[str, Any], today: dt.date | None = None) -> list[str]:
    """Missing items of one case from its document (storage.record.case_documents), without a query."""
    from storage.views.summaries import summary_from_document

    undated = any(a.get("response") and not a.get("assessed_on") for a in doc.get("assessments") or [])
    return case_problems(
        summary_from_document(doc), dead=doc.get("death") is not None, undated_response=undated, today=today
    )
