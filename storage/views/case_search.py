"""Case search: every field of the record as (where, text) pairs, so that the list's filter finds any case.

The case list shows a few columns; a search for "MLL", "0004" or a drug must also find a case by its
findings, drugs, notes, custom fields and, on this workstation, its name and hospital number. The
pairs name where the text is ("Cytogenetic finding", "Hospital number") so that the list can say
where a case matched without showing the text itself: identifying data found by the filter is never
displayed. Read in bulk, one query per table, never one per case.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.record import codes
from storage.record.models import (
    Case,
    Complication,
    CustomField,
    CustomValue,
    CytogeneticFinding,
    Death,
    DrugAdministration,
    Identity,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    SubsequentTherapy,
)

Fields = list[tuple[str, str]]  # (where, text)
IDENTIFYING = frozenset({"Name", "Hospital number"})

# Free-text and coded columns worth searching, by table: (column, where, codes for their labels).
_COLUMNS: list[tuple[Any, str, dict[str, str] | None]] = [
    (Case.subtype, "Subtype / immunophenotype", None),
    (Case.prior_therapies, "Prior therapies", None),
    (Case.best_response_override_reason, "Reason for the manual best response", None),
    (Case.notes, "Notes", None),
]


def _add(out: dict[int, Fields], case_id: int, where: str, value: Any, labels: dict[str, str] | None = None) -> None:
    if value is None or value == "":
        return
    text = str(value)
    if labels and text in labels:
        text = f"{text} {labels[text]}"
    out[case_id].append((where, text))


def search_fields(session: Session) -> dict[int, Fields]:
    """Every case's searchable fields beyond the list's columns, keyed by case id."""
    out: dict[int, Fields] = defaultdict(list)
    for column, where, labels in _COLUMNS:
        for case_id, value in session.execute(select(Case.id, column)):
            _add(out, case_id, where, value, labels)
    for case_id, name, number in session.execute(select(Identity.case_id, Identity.name, Identity.hospital_number)):
        _add(out, case_id, "Name", name)
        _add(out, case_id, "Hospital number", number)
    for case_id, finding in session.execute(select(CytogeneticFinding.case_id, CytogeneticFinding.finding)):
        _add(out, case_id, "Cytogenetic finding", finding)
    drugs = select(SalvageCourse.case_id, DrugAdministration.drug, DrugAdministration.dose_modification).join(
        DrugAdministration, DrugAdministration.course_id == SalvageCourse.id)
    for case_id, drug, reason in session.execute(drugs):
        _add(out, case_id, "Drug", drug)
        _add(out, case_id, "Reason for the dose", reason)
    for case_id, note in session.execute(select(ResponseAssessment.case_id, ResponseAssessment.note)):
        _add(out, case_id, "Assessment note", note)
    for case_id, term, text in session.execute(
            select(Complication.case_id, Complication.term, Complication.description)):
        _add(out, case_id, "Complication", term, codes.COMPLICATION)
        _add(out, case_id, "Complication", text)
    for case_id, therapy in session.execute(select(SubsequentTherapy.case_id, SubsequentTherapy.therapy)):
        _add(out, case_id, "Subsequent therapy", therapy)
    for case_id, site, note in session.execute(select(Relapse.case_id, Relapse.site, Relapse.note)):
        _add(out, case_id, "Relapse", site, codes.RELAPSE_SITE)
        _add(out, case_id, "Relapse note", note)
    for case_id, detail in session.execute(select(Death.case_id, Death.cause_detail)):
        _add(out, case_id, "Cause of death", detail)
    custom = select(CustomValue.case_id, CustomField.name, CustomValue.value).join(
        CustomField, CustomField.id == CustomValue.field_id)
    for case_id, name, value in session.execute(custom):
        _add(out, case_id, name, value)
    return dict(out)


def document_search_fields(doc: dict[str, Any]) -> Fields:
    """The same pairs from one case's document (storage.record.case_documents), without a query."""
    out: dict[int, Fields] = defaultdict(list)
    for key, where in (("subtype", "Subtype / immunophenotype"), ("prior_therapies", "Prior therapies"),
                       ("best_response_override_reason", "Reason for the manual best response"),
                       ("notes", "Notes")):
        _add(out, 0, where, doc.get(key))
    identity = doc.get("identity") or {}
    _add(out, 0, "Name", identity.get("name"))
    _add(out, 0, "Hospital number", identity.get("hospital_number"))
    for finding in doc.get("findings") or []:
        _add(out, 0, "Cytogenetic finding", finding.get("finding"))
    for course in doc.get("courses") or []:
        for drug in course.get("drugs") or []:
            _add(out, 0, "Drug", drug.get("drug"))
            _add(out, 0, "Reason for the dose", drug.get("dose_modification"))
    for assessment in doc.get("assessments") or []:
        _add(out, 0, "Assessment note", assessment.get("note"))
    for complication in doc.get("complications") or []:
        _add(out, 0, "Complication", complication.get("term"), codes.COMPLICATION)
        _add(out, 0, "Complication", complication.get("description"))
    for therapy in doc.get("subsequent_therapies") or []:
        _add(out, 0, "Subsequent therapy", therapy.get("therapy"))
    for relapse in doc.get("relapses") or []:
        _add(out, 0, "Relapse", relapse.get("site"), codes.RELAPSE_SITE)
        _add(out, 0, "Relapse note", relapse.get("note"))
    _add(out, 0, "Cause of death", (doc.get("death") or {}).get("cause_detail"))
    for name, value in (doc.get("custom") or {}).items():
        _add(out, 0, name, value)
    return out.get(0, [])


def where_matched(fields: Fields, words: list[str]) -> list[str]:
    """The places (never the texts) where the given lowercase words occur."""
    places: list[str] = []
    for where, text in fields:
        lowered = text.lower()
        if any(word in lowered for word in words) and where not in places:
            places.append(where)
    return places
