"""The plain-data face of one case: a JSON-able nested dict for the form and for undo.

A document mirrors the case record: scalar fields by column name, dates as ISO strings,
``identity`` and ``death`` as dicts (or None), lists for the repeating parts (courses with
their drugs, assessments, transplants, ...), and ``custom`` as {field name: canonical text}.
The keys match the dotted paths of storage.record.rules.Violation.field ("courses[0].drugs[1].dose"),
so a form can put every rule message next to the field it concerns.

Callers open the session (one transaction per user action) and pass it in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, select
from sqlalchemy.orm import Session

from storage.record.codes import best_response
from storage.record.models import (
    Base,
    Case,
    Complication,
    CustomField,
    CustomValue,
    CytogeneticFinding,
    Death,
    DrugAdministration,
    Identity,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    SubsequentTherapy,
    Transplant,
)
from storage.record.rules import RecordRejected, Violation, same_study_id, study_id_key

Document = dict[str, Any]

# Columns that tie a row to its parent or identify it in the database: not part of a document.
_PLUMBING = frozenset({"id", "case_id", "course_id", "field_id"})

# Repeating parts of a case: document key -> model class (courses are handled with their drugs).
CHILD_LISTS: dict[str, type[Base]] = {
    "findings": CytogeneticFinding,
    "prior_transplants": PriorTransplant,
    "assessments": ResponseAssessment,
    "transplants": Transplant,
    "complications": Complication,
    "subsequent_therapies": SubsequentTherapy,
    "relapses": Relapse,
}
SINGLE_CHILDREN: dict[str, type[Base]] = {"identity": Identity, "death": Death}


def fields_of(model: type[Base]) -> list[str]:
    """The document keys of a model: its columns without the plumbing."""
    return [c.key for c in model.__table__.columns if c.key not in _PLUMBING]


CASE_FIELDS = fields_of(Case)


def _is_date(model: type[Base], key: str) -> bool:
    return isinstance(model.__table__.columns[key].type, Date)


_GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


def parse_date_text(text: str | None) -> dt.date | None:
    """A date typed as ISO (2019-03-14) or German-style (14.03.2019); blank gives None.

    Raises ValueError for anything else, so a form can say what it expected.
    """
    if text is None or not text.strip():
        return None
    german = _GERMAN_DATE.match(text)
    try:
        if german:
            day, month, year = (int(g) for g in german.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ValueError(f"{text.strip()!r} is not a date: type 2019-03-14 or 14.03.2019")


def _row_to_dict(obj: Base, model: type[Base]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in fields_of(model):
        value = getattr(obj, key)
        out[key] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _apply(obj: Base, model: type[Base], data: dict[str, Any]) -> None:
    for key in fields_of(model):
        if key not in data:
            continue
        value = _clean(data[key])
        if value is not None and _is_date(model, key):
            value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        setattr(obj, key, value)


def case_to_document(case: Case) -> Document:
    """Every field of a case and its children as plain data (identity included)."""
    doc: Document = {"id": case.id}
    doc.update(_row_to_dict(case, Case))
    for key, model in SINGLE_CHILDREN.items():
        child = getattr(case, key)
        doc[key] = None if child is None else _row_to_dict(child, model)
    doc["courses"] = [
        {**_row_to_dict(course, SalvageCourse), "drugs": [_row_to_dict(d, DrugAdministration) for d in course.drugs]}
        for course in case.courses
    ]
    for key, model in CHILD_LISTS.items():
        doc[key] = [_row_to_dict(child, model) for child in getattr(case, key)]
    doc["custom"] = {v.field.name: v.value for v in case.custom_values if v.field is not None}
    return doc


def empty_document(study_id: str = "") -> Document:
    """A new case with nothing but its study ID."""
    doc: Document = {"id": None, **{key: None for key in CASE_FIELDS}}
    doc["study_id"] = study_id
    doc.update({key: None for key in SINGLE_CHILDREN})
    doc["courses"] = []
    doc.update({key: [] for key in CHILD_LISTS})
    doc["custom"] = {}
    return doc


@dataclass(frozen=True)
class CustomFieldSpec:
    """A custom field's definition as plain data."""

    name: str
    kind: str
    choices: tuple[str, ...] = ()


def load_custom_fields(session: Session) -> list[CustomFieldSpec]:
    fields = session.scalars(select(CustomField).order_by(CustomField.name))
    return [CustomFieldSpec(f.name, f.kind, tuple(f.choice_list)) for f in fields]


def _fill_case(case: Case, doc: Document, fields: dict[str, CustomField]) -> list[Violation]:
    """Set a (fresh or emptied) case from a document; unknown custom fields are reported."""
    _apply(case, Case, doc)
    for key, model in SINGLE_CHILDREN.items():
        data = doc.get(key)
        if data is not None and any(_clean(v) is not None for v in data.values()):
            child = model()
            _apply(child, model, data)
            setattr(case, key, child)
    courses = []
    for data in doc.get("courses") or []:
        course = SalvageCourse()
        _apply(course, SalvageCourse, data)
        for drug_data in data.get("drugs") or []:
            drug = DrugAdministration()
            _apply(drug, DrugAdministration, drug_data)
            course.drugs.append(drug)
        courses.append(course)
    case.courses = courses
    for key, model in CHILD_LISTS.items():
        children = []
        for data in doc.get(key) or []:
            child = model()
            _apply(child, model, data)
            children.append(child)
        setattr(case, key, children)
    problems = []
    values = []
    for name, value in (doc.get("custom") or {}).items():
        value = _clean(value)
        if value is None:
            continue
        if name not in fields:
            problems.append(Violation(case.study_id or "", f"custom.{name}", f"there is no custom field {name!r}"))
            continue
        values.append(CustomValue(field=fields[name], value=str(value)))
    case.custom_values = values
    return problems


def _has_values(data: dict[str, Any] | None) -> bool:
    return data is not None and any(_clean(v) is not None for v in data.values())


def _merge_list(current: list[Any], model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Update rows in place by position, add the new ones, drop the surplus (so that the audit
    trail shows which fields changed instead of every row deleted and written again)."""
    for obj, data in zip(current, rows, strict=False):
        _apply(obj, model, data)
    for data in rows[len(current):]:
        obj = model()
        _apply(obj, model, data)
        current.append(obj)
    del current[len(rows):]


def _merge_into(case: Case, doc: Document, fields: dict[str, CustomField]) -> list[Violation]:
    """Bring an existing case in line with a document, changing only what differs."""
    _apply(case, Case, doc)
    for key, model in SINGLE_CHILDREN.items():
        data = doc.get(key)
        child = getattr(case, key)
        if not _has_values(data):
            setattr(case, key, None)
        elif child is None:
            child = model()
            _apply(child, model, data or {})
            setattr(case, key, child)
        else:
            _apply(child, model, data or {})
    # Courses are matched by their number (unique within a case), their drugs by position.
    by_number = {c.course_number: c for c in case.courses}
    kept = []
    for data in doc.get("courses") or []:
        course = by_number.pop(data.get("course_number"), None) or SalvageCourse()
        _apply(course, SalvageCourse, data)
        _merge_list(course.drugs, DrugAdministration, list(data.get("drugs") or []))
        kept.append(course)
    case.courses = kept
    for key, model in CHILD_LISTS.items():
        _merge_list(getattr(case, key), model, list(doc.get(key) or []))
    problems = []
    current = {v.field.name: v for v in case.custom_values if v.field is not None}
    values = []
    for name, raw in (doc.get("custom") or {}).items():
        value = _clean(raw)
        if value is None:
            continue
        if name not in fields:
            problems.append(Violation(case.study_id or "", f"custom.{name}", f"there is no custom field {name!r}"))
            continue
        holder = current.pop(name, None) or CustomValue(field=fields[name])
        holder.value = str(value)
        values.append(holder)
    case.custom_values = values
    return problems


def case_from_document(doc: Document, custom_fields: Sequence[CustomFieldSpec] = ()) -> Case:
    """A transient Case (in no session) for inline validation with rules.check_case."""
    fields = {
        spec.name: CustomField(name=spec.name, kind=spec.kind, choices="\n".join(spec.choices))
        for spec in custom_fields
    }
    case = Case()
    _fill_case(case, doc, fields)
    return case


def load_document(session: Session, case_id: int) -> Document:
    case = session.get(Case, case_id)
    if case is None:
        raise KeyError(f"there is no case with id {case_id}")
    return case_to_document(case)


def save_document(session: Session, doc: Document, case_id: int | None = None) -> int:
    """Create a case from a document, or replace an existing case's fields and children with it.

    With no case_id, a document that carries the id of a case that no longer exists (undo of a
    deletion) is restored under that same id. The rules run at flush: RecordRejected leaves the
    caller's transaction to be rolled back, so nothing is half-saved. Returns the case's id.
    """
    fields = {f.name: f for f in session.scalars(select(CustomField))}
    if case_id is None:
        wanted = doc.get("id")
        free = wanted is not None and session.get(Case, wanted) is None
        case = Case(id=wanted) if free else Case()
    else:
        existing = session.get(Case, case_id)
        if existing is None:
            raise KeyError(f"there is no case with id {case_id}")
        problems = _merge_into(existing, doc, fields)
        if problems:
            raise RecordRejected(problems)
        session.flush()
        return existing.id
    problems = _fill_case(case, doc, fields)
    if problems:
        raise RecordRejected(problems)
    session.add(case)
    session.flush()
    return case.id


def delete_case(session: Session, case_id: int) -> Document:
    """Delete a case with everything it holds; returns its document so that undo can restore it."""
    case = session.get(Case, case_id)
    if case is None:
        raise KeyError(f"there is no case with id {case_id}")
    doc = case_to_document(case)
    session.delete(case)
    session.flush()
    return doc


def study_id_exists(session: Session, study_id: str, except_case_id: int | None = None) -> bool:
    """True if another case has this study ID in any spelling the rules count as the same (p01 for P01)."""
    key = study_id_key(study_id)
    rows = session.execute(select(Case.id, Case.study_id).where(same_study_id({key}))).all()
    return any(study_id_key(stored) == key for case_id, stored in rows if case_id != except_case_id)


@dataclass(frozen=True)
class DocumentDates:
    """The dates endpoint derivation needs, read from a document (analysis.statistics.endpoints.CaseDates)."""

    study_id: str
    time_zero: dt.date | None
    first_relapse_date: dt.date | None
    death_date: dt.date | None
    death_cause: str | None
    last_follow_up: dt.date | None
    best_response: str | None

    @property
    def treatment_failure(self) -> bool:
        return self.best_response is not None and self.best_response not in ("CR", "CRi")


def iso_date(value: Any) -> dt.date | None:
    """A document's ISO date text (or date) as a date; None for empty or unreadable text."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def document_dates(doc: Document) -> DocumentDates:
    starts = [d for d in (iso_date(c.get("start_date")) for c in doc.get("courses") or []) if d]
    relapses = [d for d in (iso_date(r.get("relapse_date")) for r in doc.get("relapses") or []) if d]
    death = doc.get("death") or {}
    responses = [a.get("response") for a in doc.get("assessments") or [] if a.get("timing") != "pre"]
    return DocumentDates(
        study_id=doc.get("study_id") or "",
        time_zero=min(starts) if starts else None,
        first_relapse_date=min(relapses) if relapses else None,
        death_date=iso_date(death.get("death_date")),
        death_cause=death.get("cause"),
        last_follow_up=iso_date(doc.get("last_follow_up")),
        best_response=doc.get("best_response_override") or best_response(responses),
    )
