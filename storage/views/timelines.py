"""Every dated fact of a case as a plain, frozen timeline: the hand-off to the timeline figures.

Loaded with one query per table, never one per case (the pattern of storage.views.summaries). Each
event keeps the table and id of the record it came from, so that a click on its marker can open
exactly that record in the case form. Facts without a date cannot be placed on an axis; they are
listed in ``CaseTimeline.undated`` instead of being dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.record import codes
from storage.record.codes import best_response
from storage.record.models import (
    Case,
    Complication,
    Death,
    DrugAdministration,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    SubsequentTherapy,
    Transplant,
)

# Event kinds, in the order a legend lists them.
DIAGNOSIS: Final = "diagnosis"
PRIOR_TRANSPLANT: Final = "prior_transplant"
SALVAGE_COURSE: Final = "salvage_course"
ASSESSMENT: Final = "assessment"
COMPLICATION: Final = "complication"
TRANSPLANT: Final = "transplant"
SUBSEQUENT_THERAPY: Final = "subsequent_therapy"
RELAPSE: Final = "relapse"
DEATH: Final = "death"
LAST_FOLLOW_UP: Final = "last_follow_up"
EVENT_KINDS: Final = (
    DIAGNOSIS, PRIOR_TRANSPLANT, SALVAGE_COURSE, ASSESSMENT, COMPLICATION, TRANSPLANT,
    SUBSEQUENT_THERAPY, RELAPSE, DEATH, LAST_FOLLOW_UP,
)

# Above this many requested ids the filter runs in Python: SQLite caps bound parameters.
_MAX_SQL_IDS: Final = 900


@dataclass(frozen=True)
class RecordRef:
    """Where an event is stored: the table name and the row id (the case itself for diagnosis)."""

    table: str
    record_id: int


@dataclass(frozen=True)
class TimelineEvent:
    kind: str
    date: dt.date
    label: str  # short, for a legend or a marker ("relapse (extramedullary)")
    detail: str  # one or more lines for a tooltip
    record: RecordRef
    end_date: dt.date | None = None  # bars: salvage courses, complications, subsequent therapies
    grade: int | None = None  # CTCAE grade of a complication
    response: str | None = None  # response code of an assessment
    finding: str | None = None  # an assessment's number for the figure: "13%" blasts, "MRD 4%", "MRD neg."

    @property
    def is_bar(self) -> bool:
        return self.kind in (SALVAGE_COURSE, COMPLICATION, SUBSEQUENT_THERAPY)

    @property
    def is_remission(self) -> bool:
        return self.response in codes.REMISSION


@dataclass(frozen=True)
class CaseTimeline:
    case_id: int
    study_id: str
    time_zero: dt.date | None  # day 1 of the first salvage course
    diagnosis_date: dt.date | None
    events: tuple[TimelineEvent, ...]  # sorted by date
    end_of_observation: dt.date | None  # death, else last follow-up
    alive: bool  # no death recorded
    death_cause: str | None
    best_response: str | None
    status_label: str = ""  # "third relapse", "primary refractory"
    follow_up_status: str | None = None  # for the living: "remission" or "disease"
    undated: tuple[str, ...] = field(default=())  # facts that have no date

    def of_kind(self, kind: str) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == kind]

    def days_from_zero(self, when: dt.date) -> int | None:
        return None if self.time_zero is None else (when - self.time_zero).days

    @property
    def observed_days(self) -> int | None:
        """Days from time zero to death or last follow-up (the lane of a swimmer plot)."""
        if self.time_zero is None or self.end_of_observation is None:
            return None
        return (self.end_of_observation - self.time_zero).days

    @property
    def first_remission(self) -> TimelineEvent | None:
        """The first post-salvage assessment that found CR or CRi."""
        zero = self.time_zero
        for event in self.of_kind(ASSESSMENT):
            if event.is_remission and (zero is None or event.date >= zero):
                return event
        return None

    @property
    def last_date(self) -> dt.date | None:
        """End of observation, or the latest dated event when follow-up is missing."""
        if self.end_of_observation is not None:
            return self.end_of_observation
        ends = [e.end_date or e.date for e in self.events]
        return max(ends) if ends else None


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "?"


def _span(start: dt.date, end: dt.date | None) -> str:
    return f"{start.isoformat()} – {_iso(end)}" if end is not None else f"from {start.isoformat()}, no end date"


def _rows(session: Session, query: Any, case_column: Any, ids: Sequence[int] | None) -> list[Any]:
    if ids is not None and len(ids) <= _MAX_SQL_IDS:
        query = query.where(case_column.in_(ids))
    return list(session.execute(query).all())


def _number(value: float) -> str:
    return f"{value:g}"


def _finding(blast: float | None, mrd: float | None, mrd_negative: bool | None) -> str | None:
    if blast is not None:
        return f"{_number(blast)}%"
    if mrd is not None:
        return f"MRD {_number(mrd)}%"
    return "MRD neg." if mrd_negative else None


def _assessment_text(timing: str | None, specimen: str | None, blast: float | None, mrd: float | None,
                     mrd_negative: bool | None, response: str | None) -> tuple[str, str]:
    findings = []
    if blast is not None:
        findings.append(f"blasts {_number(blast)}%")
    if mrd is not None:
        findings.append(f"MRD {_number(mrd)}%")
    if mrd_negative:
        findings.append("MRD negative")
    where = codes.SPECIMEN.get(specimen or "", "")
    when = {"pre": "before salvage", "post": "after salvage"}.get(timing or "", "")
    label = "assessment" + (f" {when}" if when else "") + (f": {response}" if response else "")
    detail = ", ".join(p for p in (where, *findings) if p)
    if response:
        detail += ("; " if detail else "") + codes.RESPONSE.get(response, response)
    return label, detail


class _Collector:
    """Events and undated facts per case, restricted to the requested cases."""

    def __init__(self, wanted: set[int] | None) -> None:
        self.wanted = wanted
        self.events: dict[int, list[TimelineEvent]] = defaultdict(list)
        self.undated: dict[int, list[str]] = defaultdict(list)

    def keeps(self, cid: int) -> bool:
        return self.wanted is None or cid in self.wanted

    def add(self, cid: int, event: TimelineEvent) -> None:
        if self.keeps(cid):
            self.events[cid].append(event)

    def missing(self, cid: int, what: str) -> None:
        if self.keeps(cid):
            self.undated[cid].append(what)


def count_cases(session: Session) -> int:
    return int(session.scalar(select(func.count(Case.id))) or 0)


def load_timelines(session: Session, case_ids: Sequence[int] | None = None,
                   limit: int | None = None) -> list[CaseTimeline]:
    """Timelines of all cases (or of the given ids), ordered by study ID; at most ``limit`` of them.

    A plot of 50,000 lanes says nothing and takes seconds to load; callers showing a picture
    ask for the first cases by study ID (or for a selection) and say what was left out.
    """
    if limit is not None:
        in_order = select(Case.id).order_by(Case.study_id)
        if case_ids is None or len(case_ids) <= _MAX_SQL_IDS:
            if case_ids is not None:
                in_order = in_order.where(Case.id.in_(list(case_ids)))
            case_ids = list(session.scalars(in_order.limit(limit)))
        else:
            chosen = set(case_ids)
            case_ids = [cid for cid in session.scalars(in_order) if cid in chosen][:limit]
    ids = list(case_ids) if case_ids is not None else None
    found = _Collector(set(ids) if ids is not None else None)

    cases = _rows(session, select(
        Case.id, Case.study_id, Case.initial_diagnosis_date, Case.diagnosis, Case.subtype,
        Case.disease_status, Case.relapse_number, Case.best_response_override,
        Case.last_follow_up, Case.last_follow_up_status,
    ).order_by(Case.study_id), Case.id, ids)

    for cid, when, donor, rid in _rows(session, select(
        PriorTransplant.case_id, PriorTransplant.transplant_date, PriorTransplant.donor_type, PriorTransplant.id,
    ), PriorTransplant.case_id, ids):
        if when is None:
            found.missing(cid, "HSCT before salvage")
            continue
        donor_text = codes.DONOR.get(donor or "", "donor not recorded")
        found.add(cid, TimelineEvent(PRIOR_TRANSPLANT, when, "HSCT before salvage",
                                     f"{when.isoformat()}; {donor_text}", RecordRef("prior_transplants", rid)))

    assessments = _load_assessments(session, ids, found)
    _load_courses(session, ids, found, assessments)

    for cid, when, donor, number, rid in _rows(session, select(
        Transplant.case_id, Transplant.transplant_date, Transplant.donor_type, Transplant.transplant_number,
        Transplant.id,
    ), Transplant.case_id, ids):
        if when is None:
            found.missing(cid, "HSCT after salvage")
            continue
        nth = f", transplant no. {number}" if number else ""
        donor_text = codes.DONOR.get(donor or "", "donor not recorded")
        found.add(cid, TimelineEvent(TRANSPLANT, when, "HSCT after salvage",
                                     f"{when.isoformat()}; {donor_text}{nth}", RecordRef("transplants", rid)))

    for cid, term, description, grade, onset, resolved, icu, rid in _rows(session, select(
        Complication.case_id, Complication.term, Complication.description, Complication.grade,
        Complication.onset, Complication.resolved_on, Complication.intensive_care, Complication.id,
    ), Complication.case_id, ids):
        name = codes.COMPLICATION.get(term, term)
        if onset is None:
            found.missing(cid, name)
            continue
        grade_text = f"CTCAE grade {grade}" if grade is not None else "grade not recorded"
        lines = [f"{_span(onset, resolved)}; {grade_text}"]
        if icu:
            lines.append("intensive care")
        if description:
            lines.append(description)
        found.add(cid, TimelineEvent(COMPLICATION, onset, name, "\n".join(lines), RecordRef("complications", rid),
                                     end_date=resolved, grade=grade))

    for cid, therapy, start, end_date, rid in _rows(session, select(
        SubsequentTherapy.case_id, SubsequentTherapy.therapy, SubsequentTherapy.start_date,
        SubsequentTherapy.end_date, SubsequentTherapy.id,
    ), SubsequentTherapy.case_id, ids):
        if start is None:
            found.missing(cid, therapy)
            continue
        found.add(cid, TimelineEvent(SUBSEQUENT_THERAPY, start, therapy, _span(start, end_date),
                                     RecordRef("subsequent_therapies", rid), end_date=end_date))

    for cid, when, site, note, rid in _rows(session, select(
        Relapse.case_id, Relapse.relapse_date, Relapse.site, Relapse.note, Relapse.id,
    ), Relapse.case_id, ids):
        if when is None:
            found.missing(cid, "relapse")
            continue
        where = codes.RELAPSE_SITE.get(site or "", "")
        label = "relapse" + (f" ({where})" if where else "")
        found.add(cid, TimelineEvent(RELAPSE, when, label, when.isoformat() + (f"\n{note}" if note else ""),
                                     RecordRef("relapses", rid)))

    deaths: dict[int, tuple[dt.date | None, str | None]] = {}
    for cid, when, cause, cause_detail, rid in _rows(session, select(
        Death.case_id, Death.death_date, Death.cause, Death.cause_detail, Death.id,
    ), Death.case_id, ids):
        deaths[cid] = (when, cause)
        if when is None:
            found.missing(cid, "death")
            continue
        cause_text = codes.DEATH_CAUSE.get(cause or "", "cause not recorded")
        found.add(cid, TimelineEvent(
            DEATH, when, f"death, {cause_text}",
            f"{when.isoformat()}; {cause_text}" + (f"\n{cause_detail}" if cause_detail else ""),
            RecordRef("deaths", rid)))

    out = []
    for (cid, sid, diagnosed, diagnosis, subtype, status, relapse_no, override, lfu, lfu_status) in cases:
        if not found.keeps(cid):
            continue
        if diagnosed is None:
            found.missing(cid, "initial diagnosis")
        else:
            what = ", ".join(p for p in dict.fromkeys((codes.DIAGNOSIS.get(diagnosis or "", ""), subtype)) if p)
            found.add(cid, TimelineEvent(DIAGNOSIS, diagnosed, "initial diagnosis",
                                         diagnosed.isoformat() + (f"; {what}" if what else ""),
                                         RecordRef("cases", cid)))
        died = cid in deaths
        death_date, death_cause = deaths.get(cid, (None, None))
        if not died or death_date is None:
            if lfu is None:
                found.missing(cid, "last follow-up")
            else:
                status_text = codes.FOLLOW_UP_STATUS.get(lfu_status or "", "status not recorded")
                found.add(cid, TimelineEvent(LAST_FOLLOW_UP, lfu, "last follow-up",
                                             f"{lfu.isoformat()}; {status_text}", RecordRef("cases", cid)))
        case_events = sorted(found.events.get(cid, []), key=_order)
        starts = [e.date for e in case_events if e.kind == SALVAGE_COURSE]
        out.append(CaseTimeline(
            case_id=cid, study_id=sid, time_zero=min(starts) if starts else None, diagnosis_date=diagnosed,
            events=tuple(case_events), end_of_observation=death_date if died and death_date else lfu,
            alive=not died, death_cause=death_cause,
            best_response=override or best_response(assessments.post_responses.get(cid, [])),
            status_label=codes.status_label(status, relapse_no), follow_up_status=None if died else lfu_status,
            undated=tuple(found.undated.get(cid, [])),
        ))
    return out


@dataclass
class _Assessments:
    dated: dict[int, list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    post_responses: dict[int, list[str | None]] = field(default_factory=lambda: defaultdict(list))


def _load_assessments(session: Session, ids: Sequence[int] | None, found: _Collector) -> _Assessments:
    out = _Assessments()
    for (cid, when, timing, specimen, blast, mrd, mrd_neg, response, note, rid) in _rows(session, select(
        ResponseAssessment.case_id, ResponseAssessment.assessed_on, ResponseAssessment.timing,
        ResponseAssessment.specimen, ResponseAssessment.blast_percent, ResponseAssessment.mrd_percent,
        ResponseAssessment.mrd_negative, ResponseAssessment.response, ResponseAssessment.note,
        ResponseAssessment.id,
    ), ResponseAssessment.case_id, ids):
        if timing != "pre":  # the rule of storage.views.summaries: best response is judged after salvage
            out.post_responses[cid].append(response)
        label, detail = _assessment_text(timing, specimen, blast, mrd, mrd_neg, response)
        if when is None:
            found.missing(cid, label)
            continue
        out.dated[cid].append(when)
        found.add(cid, TimelineEvent(ASSESSMENT, when, label, f"{when.isoformat()}; {detail}"
                                     + (f"\n{note}" if note else ""),
                                     RecordRef("response_assessments", rid), response=response,
                                     finding=_finding(blast, mrd, mrd_neg)))
    return out


def _load_courses(session: Session, ids: Sequence[int] | None, found: _Collector, assessed: _Assessments) -> None:
    drugs: dict[int, list[str]] = defaultdict(list)
    for course_id, drug, dose, unit, count in _rows(session, select(
        DrugAdministration.course_id, DrugAdministration.drug, DrugAdministration.dose,
        DrugAdministration.unit, DrugAdministration.doses,
    ).join(SalvageCourse).order_by(DrugAdministration.id), SalvageCourse.case_id, ids):
        amount = f" {count or 1} × {_number(dose)} {codes.DOSE_UNIT.get(unit or '', unit or '')}" if dose else ""
        drugs[course_id].append(f"{drug}{amount}".rstrip())
    courses: dict[int, list[tuple[int, dt.date | None, int]]] = defaultdict(list)
    for cid, number, start, rid in _rows(session, select(
        SalvageCourse.case_id, SalvageCourse.course_number, SalvageCourse.start_date, SalvageCourse.id,
    ).order_by(SalvageCourse.case_id, SalvageCourse.course_number), SalvageCourse.case_id, ids):
        courses[cid].append((number, start, rid))
    # A course is drawn as a bar up to the next course or, for the last one, up to the first
    # assessment after it: the record holds no end date, and response is judged when a course ends.
    for cid, rows in courses.items():
        for i, (number, start, rid) in enumerate(rows):
            if start is None:
                found.missing(cid, f"salvage course {number}")
                continue
            later = [s for _, s, _ in rows[i + 1:] if s is not None and s > start]
            after = [d for d in assessed.dated.get(cid, []) if d > start]
            if later:
                end: dt.date | None = min(later) - dt.timedelta(days=1)
                until = "bar drawn until the next course"
            elif after:
                end, until = min(after), "bar drawn until the response assessment"
            else:
                end, until = None, "end not known"
            given = "; ".join(drugs.get(rid, [])) or "no drugs recorded"
            found.add(cid, TimelineEvent(SALVAGE_COURSE, start, f"salvage course {number}",
                                         f"day 1 {start.isoformat()} ({until})\n{given}",
                                         RecordRef("salvage_courses", rid), end_date=end))


def _order(event: TimelineEvent) -> tuple[dt.date, int]:
    return event.date, EVENT_KINDS.index(event.kind)
