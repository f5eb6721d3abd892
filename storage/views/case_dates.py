"""Every date of every case for the case list's filter, beyond the few the row's summary holds (no Qt here).

The filter's tooltip promises every field: a date typed either way (10.11.2018 or 2018-11-10) must find the
case by its initial diagnosis, any salvage course, assessment, transplant, complication, later therapy or
relapse, not only by the dates of the list's row (gui.case_list.rows.date_fields). Read in bulk, one query
per table, like storage.views.case_search; each date as (where, "2018-11-10 10.11.2018"), searched like
the fields that are not columns (where it matched is said, never what).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.record.models import (
    Case,
    Complication,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    SubsequentTherapy,
    Transplant,
)

Fields = list[tuple[str, str]]
# (model, its document list or None for the case itself, date column, where). Birth, death, last follow-up,
# the first course's day 1, the first relapse and HSCT are in the row's summary.
DATES: list[tuple[Any, str | None, str, str]] = [
    (Case, None, "initial_diagnosis_date", "Date of initial diagnosis"),
    (SalvageCourse, "courses", "start_date", "Salvage course"),
    (ResponseAssessment, "assessments", "assessed_on", "Response assessment"),
    (Transplant, "transplants", "transplant_date", "HSCT after salvage"),
    (PriorTransplant, "prior_transplants", "transplant_date", "HSCT before salvage"),
    (Complication, "complications", "onset", "Complication"),
    (Complication, "complications", "resolved_on", "Complication"),
    (SubsequentTherapy, "subsequent_therapies", "start_date", "Subsequent therapy"),
    (SubsequentTherapy, "subsequent_therapies", "end_date", "Subsequent therapy"),
    (Relapse, "relapses", "relapse_date", "Relapse"),
]


def both_forms(day: dt.date) -> str:
    return f"{day.isoformat()} {day.day:02d}.{day.month:02d}.{day.year:04d}"


def case_dates(session: Session) -> dict[int, Fields]:
    """Every case's dates (those not in its summary), keyed by case id."""
    out: dict[int, Fields] = defaultdict(list)
    for model, _key, column, where in DATES:
        owner = model.id if model is Case else model.case_id
        date = getattr(model, column)
        for case_id, day in session.execute(select(owner, date).where(date.is_not(None))):
            out[case_id].append((where, both_forms(day)))
    return dict(out)


def document_case_dates(doc: dict[str, Any]) -> Fields:
    """The same pairs from one case's document (storage.record.case_documents), without a query."""
    out: Fields = []
    for _model, key, column, where in DATES:
        records = [doc] if key is None else doc.get(key) or []
        for record in records:
            value = record.get(column)
            if value:
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
                out.append((where, both_forms(day)))
    return out
