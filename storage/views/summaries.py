"""Plain, frozen per-case summaries: the hand-off from storage to analysis and to the case list.

Loaded with one query per table, never one per case, so a 50,000-case list stays quick.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.orm import Session

from storage.record import codes
from storage.record.case_documents import Document, document_dates, iso_date
from storage.record.models import (
    DAYS_PER_YEAR,
    Case,
    Complication,
    CustomField,
    CustomValue,
    Death,
    Identity,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    Transplant,
)


@dataclass(frozen=True)
class CaseSummary:
    case_id: int
    study_id: str
    sex: str | None
    birth_date: dt.date | None
    diagnosis: str | None
    subtype: str | None
    disease_status: str | None
    relapse_number: int | None
    high_risk_cytogenetics: bool | None
    prior_transplants: int
    time_zero: dt.date | None
    best_response: str | None
    best_response_overridden: bool
    first_transplant_date: dt.date | None
    first_transplant_donor: str | None
    first_relapse_date: dt.date | None
    death_date: dt.date | None
    death_cause: str | None
    last_follow_up: dt.date | None
    last_follow_up_status: str | None
    complication_terms: frozenset[str] = frozenset()
    custom: dict[str, str | None] = field(default_factory=dict)

    @property
    def age_at_time_zero(self) -> float | None:
        if self.birth_date is None or self.time_zero is None:
            return None
        return (self.time_zero - self.birth_date).days / DAYS_PER_YEAR

    @property
    def status_label(self) -> str:
        return codes.status_label(self.disease_status, self.relapse_number)

    @property
    def in_remission(self) -> bool:
        return self.best_response in codes.REMISSION

    @property
    def treatment_failure(self) -> bool:
        """No complete remission after salvage (the article's treatment failure)."""
        return self.best_response is not None and self.best_response not in codes.REMISSION


def _per_case(conn: Connection, case_column: Any, aggregate: Any, where: Any = None) -> dict[int, Any]:
    """{case id: aggregate} for the cases that have the record, grouped inside SQLite."""
    query = select(case_column, aggregate).group_by(case_column)
    if where is not None:
        query = query.where(where)
    return {cid: value for cid, value in conn.execute(query) if value is not None}


_BY_RANK = {value: code for code, value in codes.RESPONSE_RANK.items()}


def load_summaries(session: Session, case_ids: Sequence[int] | None = None) -> list[CaseSummary]:
    """Summaries of all cases (or of the given ids), ordered by study ID.

    One query per table, aggregated by SQLite where one value per case is needed (GROUP BY over
    the case_id indexes), executed on the session's connection: Core rows, no ORM row processing.
    """
    session.flush()  # the connection must see what the session holds, as session.execute would
    conn = session.connection()
    rows = conn.execute(
        select(
            Case.id, Case.study_id, Case.sex, Case.diagnosis, Case.subtype, Case.disease_status,
            Case.relapse_number, Case.high_risk_cytogenetics, Case.best_response_override,
            Case.last_follow_up, Case.last_follow_up_status, Identity.birth_date, Death.death_date, Death.cause,
        )
        .outerjoin(Identity, Identity.case_id == Case.id)
        .outerjoin(Death, Death.case_id == Case.id)
        .order_by(Case.study_id)
    ).all()
    wanted = set(case_ids) if case_ids is not None else None
    zeros = _per_case(conn, SalvageCourse.case_id, func.min(SalvageCourse.start_date))
    relapses = _per_case(conn, Relapse.case_id, func.min(Relapse.relapse_date))
    prior = _per_case(conn, PriorTransplant.case_id, func.count())
    # Best response: the highest rank among coded responses of assessments not marked "pre".
    rank = case(*((ResponseAssessment.response == code, value) for code, value in codes.RESPONSE_RANK.items()))
    best = _per_case(conn, ResponseAssessment.case_id, func.max(rank),
                     (ResponseAssessment.timing != "pre") | ResponseAssessment.timing.is_(None))
    transplants: dict[int, tuple[dt.date | None, str | None]] = {}
    for cid, when, donor in conn.execute(
        select(Transplant.case_id, Transplant.transplant_date, Transplant.donor_type).order_by(
            Transplant.case_id, Transplant.transplant_date
        )
    ):
        transplants.setdefault(cid, (when, donor))
    terms: dict[int, set[str]] = defaultdict(set)
    for cid, term in conn.execute(select(Complication.case_id, Complication.term)):
        terms[cid].add(term)
    custom: dict[int, dict[str, str | None]] = defaultdict(dict)
    for cid, name, value in conn.execute(
        select(CustomValue.case_id, CustomField.name, CustomValue.value).join(CustomField)
    ):
        custom[cid][name] = value
    no_transplant: tuple[None, None] = (None, None)
    no_terms: frozenset[str] = frozenset()
    out = []
    for cid, sid, sex, diag, subtype, status, rel_no, high_risk, override, lfu, lfu_status, born, death_date, \
            death_cause in rows:
        if wanted is not None and cid not in wanted:
            continue
        transplant_date, donor = transplants.get(cid, no_transplant)
        complication_terms = terms.get(cid)
        best_rank = best.get(cid)
        out.append(
            CaseSummary(
                case_id=cid, study_id=sid, sex=sex, birth_date=born, diagnosis=diag, subtype=subtype,
                disease_status=status, relapse_number=rel_no, high_risk_cytogenetics=high_risk,
                prior_transplants=prior.get(cid, 0), time_zero=zeros.get(cid),
                best_response=override or (_BY_RANK[best_rank] if best_rank is not None else None),
                best_response_overridden=override is not None,
                first_transplant_date=transplant_date, first_transplant_donor=donor,
                first_relapse_date=relapses.get(cid), death_date=death_date, death_cause=death_cause,
                last_follow_up=lfu, last_follow_up_status=lfu_status,
                complication_terms=frozenset(complication_terms) if complication_terms else no_terms,
                custom=custom.get(cid, {}),
            )
        )
    return out


def summary_from_document(doc: Document) -> CaseSummary:
    """The case-list summary of one saved case, read from its document without a query.

    Lets the list update one row after an edit instead of reloading every case; a test keeps
    it equal to storage.views.summaries.load_summaries for the demo cohort.
    """
    dates = document_dates(doc)
    identity = doc.get("identity") or {}
    death = doc.get("death") or {}
    dated_transplants = sorted(
        (t for t in doc.get("transplants") or []),
        key=lambda t: (t.get("transplant_date") is not None, t.get("transplant_date") or ""),
    )  # undated first, as SQLite orders NULL in load_summaries
    first = dated_transplants[0] if dated_transplants else {}
    return CaseSummary(
        case_id=int(doc["id"]), study_id=doc.get("study_id") or "", sex=doc.get("sex"),
        birth_date=iso_date(identity.get("birth_date")), diagnosis=doc.get("diagnosis"), subtype=doc.get("subtype"),
        disease_status=doc.get("disease_status"), relapse_number=doc.get("relapse_number"),
        high_risk_cytogenetics=doc.get("high_risk_cytogenetics"),
        prior_transplants=len(doc.get("prior_transplants") or []), time_zero=dates.time_zero,
        best_response=dates.best_response, best_response_overridden=doc.get("best_response_override") is not None,
        first_transplant_date=iso_date(first.get("transplant_date")), first_transplant_donor=first.get("donor_type"),
        first_relapse_date=dates.first_relapse_date, death_date=dates.death_date, death_cause=death.get("cause"),
        last_follow_up=dates.last_follow_up, last_follow_up_status=doc.get("last_follow_up_status"),
        complication_terms=frozenset(c["term"] for c in doc.get("complications") or [] if c.get("term")),
        custom=dict(doc.get("custom") or {}),
    )
