"""Integrity rules of the case record: the single source for the form, the import and the CLI.

Every flush of every Session runs them on each case it touches, so no way in can store
impossible data. A violation raises RecordRejected naming the case, the field and the rule;
the caller's transaction is then rolled back, so nothing is half-saved.
Missing data is never refused here: that is the data-quality view's job (storage.views.quality).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, event, func, or_, select
from sqlalchemy.orm import Session

from storage.record import codes
from storage.record.models import (
    Case,
    Complication,
    CustomField,
    CustomValue,
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


@dataclass(frozen=True)
class Violation:
    study_id: str
    field: str  # dotted path a form can map to a widget, e.g. "death.death_date", "courses[1].start_date"
    rule: str

    def __str__(self) -> str:
        return f"{self.study_id or 'new case'}: {self.field}: {self.rule}"


class RecordRejected(ValueError):
    """Impossible data; nothing of the transaction was saved."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__("; ".join(str(v) for v in violations))


def _code(value: str | None, allowed: dict[str, str], field: str, what: str) -> Iterator[tuple[str, str]]:
    if value is not None and value not in allowed:
        yield field, f"{what} must be one of {', '.join(allowed)} (got {value!r})"


def _range(value: float | None, low: float, high: float | None, field: str, what: str) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if value < low or (high is not None and value > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        yield field, f"{what} must be {bound} (got {value:g})"


def _positive(value: float | None, field: str, what: str) -> Iterator[tuple[str, str]]:
    if value is not None and value <= 0:
        yield field, f"{what} must be greater than 0 (got {value:g})"


STUDY_ID_MAX_LENGTH = 32
EARLIEST_DATE = dt.date(1900, 1, 1)  # no patient of a retrospective cohort has a date before it
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def study_id_problem(study_id: str | None) -> str | None:
    """Why a study ID cannot be stored, or None: required, one line, at most 32 characters, and written in
    Latin letters, digits and ASCII punctuation only, so that a Cyrillic or Greek look-alike (Р01, Ρ01)
    can never become a second case beside P01. Compatibility forms (full-width P) and invisible
    characters count as what study_id_key makes of them."""
    text = (study_id or "").strip()
    if not text:
        return "the study ID is required"
    if any(ch in _LINE_BREAKS for ch in text):
        return "the study ID must be on one line (it contains a line break)"
    key_chars = [ch for ch in unicodedata.normalize("NFKC", text)
                 if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")]
    if len(key_chars) > STUDY_ID_MAX_LENGTH:
        return f"the study ID is too long ({len(key_chars)} characters; at most {STUDY_ID_MAX_LENGTH})"
    for ch in key_chars:
        if not "!" <= ch <= "~":
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            return (f"the study ID {text!r} contains {ch!r} ({name}); study IDs use only the Latin letters A-Z, "
                    "digits and ASCII punctuation, so that a look-alike letter cannot make a second case")
    return None


def _finite_numbers(case: Case) -> Iterator[tuple[str, str]]:
    """Every number of every record is finite: no Infinity, and no NaN (which SQLite would store as empty)."""
    records: list[tuple[str, Any]] = [("", case)]
    records += [("identity.", case.identity)] if case.identity is not None else []
    for name in ("prior_transplants", "courses", "assessments", "transplants", "complications",
                 "subsequent_therapies", "relapses"):
        records += [(f"{name}[{i}].", r) for i, r in enumerate(getattr(case, name))]
    records += [(f"courses[{i}].drugs[{j}].", d) for i, c in enumerate(case.courses) for j, d in enumerate(c.drugs)]
    if case.death is not None:
        records.append(("death.", case.death))
    for prefix, record in records:
        for key, value in vars(record).items():
            if isinstance(value, float) and not math.isfinite(value):
                yield f"{prefix}{key}", f"{key.replace('_', ' ')} must be a finite number (got {value!r})"


def _field_rules(case: Case) -> Iterator[tuple[str, str]]:
    problem = study_id_problem(case.study_id)
    if problem:
        yield "study_id", problem
    yield from _finite_numbers(case)
    yield from _code(case.sex, codes.SEX, "sex", "sex")
    yield from _code(case.diagnosis, codes.DIAGNOSIS, "diagnosis", "diagnosis")
    yield from _code(case.disease_status, codes.DISEASE_STATUS, "disease_status", "status at salvage")
    yield from _code(case.best_response_override, codes.RESPONSE, "best_response_override", "best response")
    yield from _code(case.last_follow_up_status, codes.FOLLOW_UP_STATUS, "last_follow_up_status", "follow-up status")
    yield from _range(case.relapse_number, 1, 20, "relapse_number", "relapse number")
    yield from _range(case.prior_regimens, 0, 50, "prior_regimens", "number of prior regimens")
    if case.disease_status == "refractory" and case.relapse_number:
        yield "relapse_number", "a primary refractory case has no relapse number"
    if case.best_response_override and not (case.best_response_override_reason or "").strip():
        yield "best_response_override_reason", "a manual best response needs a reason"
    for i, t in enumerate(case.prior_transplants):
        yield from _code(t.donor_type, codes.DONOR, f"prior_transplants[{i}].donor_type", "donor type")
    for i, course in enumerate(case.courses):
        p = f"courses[{i}]"
        yield from _range(course.course_number, 1, 50, f"{p}.course_number", "course number")
        yield from _range(course.height_cm, 30, 230, f"{p}.height_cm", "height (cm)")
        yield from _range(course.weight_kg, 1, 250, f"{p}.weight_kg", "weight (kg)")
        for j, drug in enumerate(course.drugs):
            q = f"{p}.drugs[{j}]"
            if not (drug.drug or "").strip():
                yield f"{q}.drug", "the drug name is required"
            yield from _positive(drug.dose, f"{q}.dose", "dose")
            yield from _code(drug.unit, codes.DOSE_UNIT, f"{q}.unit", "dose unit")
            yield from _code(drug.route, codes.ROUTE, f"{q}.route", "route")
            yield from _range(drug.doses, 1, 100, f"{q}.doses", "number of doses")
    numbers = [c.course_number for c in case.courses]
    if len(numbers) != len(set(numbers)):
        yield "courses", "course numbers must be unique within a case"
    for i, a in enumerate(case.assessments):
        p = f"assessments[{i}]"
        yield from _range(a.blast_percent, 0, 100, f"{p}.blast_percent", "blast %")
        yield from _range(a.mrd_percent, 0, 100, f"{p}.mrd_percent", "MRD %")
        yield from _code(a.specimen, codes.SPECIMEN, f"{p}.specimen", "specimen")
        yield from _code(a.mrd_method, codes.MRD_METHOD, f"{p}.mrd_method", "MRD method")
        yield from _code(a.response, codes.RESPONSE, f"{p}.response", "response")
        if a.timing is not None and a.timing not in ("pre", "post"):
            yield f"{p}.timing", "timing must be 'pre' or 'post' salvage"
        if a.mrd_negative and a.mrd_percent:
            yield f"{p}.mrd_percent", "MRD cannot be both negative and a positive value"
    for i, hsct in enumerate(case.transplants):
        yield from _code(hsct.donor_type, codes.DONOR, f"transplants[{i}].donor_type", "donor type")
        yield from _range(hsct.transplant_number, 1, 10, f"transplants[{i}].transplant_number", "transplant number")
    for i, c in enumerate(case.complications):
        yield from _code(c.term, codes.COMPLICATION, f"complications[{i}].term", "complication")
        yield from _range(c.grade, 1, 5, f"complications[{i}].grade", "CTCAE grade")
        if c.grade is not None and c.grade != int(c.grade):
            yield f"complications[{i}].grade", "CTCAE grade must be a whole number from 1 to 5"
    for i, r in enumerate(case.relapses):
        yield from _code(r.site, codes.RELAPSE_SITE, f"relapses[{i}].site", "relapse site")
    if case.death is not None:
        yield from _code(case.death.cause, codes.DEATH_CAUSE, "death.cause", "cause of death")
        if case.last_follow_up_status is not None:
            yield "last_follow_up_status", "a dead patient's follow-up status must be empty"


def _dated_events(case: Case) -> Iterator[tuple[str, str, dt.date]]:
    """(field, label, date) of every date after the start of salvage."""
    for i, c in enumerate(case.courses):
        if c.start_date:
            yield f"courses[{i}].start_date", f"salvage course {c.course_number} start", c.start_date
    for i, a in enumerate(case.assessments):
        if a.assessed_on and a.timing != "pre":
            yield f"assessments[{i}].assessed_on", "response assessment", a.assessed_on
    for i, t in enumerate(case.transplants):
        if t.transplant_date:
            yield f"transplants[{i}].transplant_date", "transplant after salvage", t.transplant_date
    for i, x in enumerate(case.complications):
        if x.onset:
            yield f"complications[{i}].onset", "complication onset", x.onset
        if x.resolved_on:
            yield f"complications[{i}].resolved_on", "complication resolution", x.resolved_on
    for i, s in enumerate(case.subsequent_therapies):
        if s.start_date:
            yield f"subsequent_therapies[{i}].start_date", "subsequent therapy start", s.start_date
        if s.end_date:
            yield f"subsequent_therapies[{i}].end_date", "subsequent therapy end", s.end_date
    for i, r in enumerate(case.relapses):
        if r.relapse_date:
            yield f"relapses[{i}].relapse_date", "relapse", r.relapse_date
    if case.last_follow_up:
        yield "last_follow_up", "last follow-up", case.last_follow_up


def _date_rules(case: Case) -> Iterator[tuple[str, str]]:
    birth = case.identity.birth_date if case.identity else None
    diagnosis = case.initial_diagnosis_date
    zero = case.time_zero
    death = case.death.death_date if case.death else None
    today = dt.date.today()
    if birth and diagnosis and diagnosis < birth:
        yield "initial_diagnosis_date", f"date of diagnosis ({diagnosis}) is before the date of birth ({birth})"
    if birth and birth > today:
        yield "identity.birth_date", f"date of birth ({birth}) is in the future"
    for path, label, day in _every_date(case):
        if day < EARLIEST_DATE:
            yield path, f"{label} ({day}) is before {EARLIEST_DATE.year}; check the year"
    for i, a in enumerate(case.assessments):  # before salvage: still a date of this patient's life
        assessed = a.assessed_on
        if a.timing != "pre" or assessed is None:
            continue
        where = f"assessments[{i}].assessed_on"
        if assessed > today:
            yield where, f"assessment before salvage ({assessed}) is in the future"
        if birth and assessed < birth:
            yield where, f"assessment before salvage ({assessed}) is before the date of birth ({birth})"
        if death and assessed > death:
            yield where, f"assessment before salvage ({assessed}) is after the date of death ({death})"
    before_salvage = [("initial_diagnosis_date", "date of diagnosis", diagnosis)]
    before_salvage += [
        (f"prior_transplants[{i}].transplant_date", "prior transplant", t.transplant_date)
        for i, t in enumerate(case.prior_transplants)
    ]
    for field, label, when in before_salvage:
        if when and birth and when < birth:
            yield field, f"{label} ({when}) is before the date of birth ({birth})"
        if when and zero and when > zero:
            yield field, f"{label} ({when}) is after the start of salvage ({zero})"
    for field, label, when in _dated_events(case):
        if when > today:
            yield field, f"{label} ({when}) is in the future"
        if birth and when < birth:
            yield field, f"{label} ({when}) is before the date of birth ({birth})"
        if zero and when < zero and not field.startswith("courses["):
            yield field, f"{label} ({when}) is before day 1 of salvage ({zero})"
        if diagnosis and when < diagnosis:
            yield field, f"{label} ({when}) is before the date of diagnosis ({diagnosis})"
        if death and when > death:
            yield field, f"{label} ({when}) is after the date of death ({death})"
    if death:
        if zero and death < zero:
            yield "death.death_date", f"date of death ({death}) is before day 1 of salvage ({zero})"
        if birth and death < birth:
            yield "death.death_date", f"date of death ({death}) is before the date of birth ({birth})"
        if death > today:
            yield "death.death_date", f"date of death ({death}) is in the future"
    for i, x in enumerate(case.complications):
        if x.onset and x.resolved_on and x.resolved_on < x.onset:
            yield f"complications[{i}].resolved_on", f"resolution ({x.resolved_on}) is before onset ({x.onset})"
    for i, s in enumerate(case.subsequent_therapies):
        if s.start_date and s.end_date and s.end_date < s.start_date:
            yield f"subsequent_therapies[{i}].end_date", f"end ({s.end_date}) is before start ({s.start_date})"


def _every_date(case: Case) -> Iterator[tuple[str, str, dt.date]]:
    """(field, label, date) of every date the case holds."""
    if case.identity is not None and case.identity.birth_date:
        yield "identity.birth_date", "date of birth", case.identity.birth_date
    if case.initial_diagnosis_date:
        yield "initial_diagnosis_date", "date of diagnosis", case.initial_diagnosis_date
    for i, t in enumerate(case.prior_transplants):
        if t.transplant_date:
            yield f"prior_transplants[{i}].transplant_date", "prior transplant", t.transplant_date
    for i, a in enumerate(case.assessments):
        if a.assessed_on:
            yield f"assessments[{i}].assessed_on", "response assessment", a.assessed_on
    yield from _dated_events(case)
    if case.death is not None and case.death.death_date:
        yield "death.death_date", "date of death", case.death.death_date


def _custom_rules(case: Case) -> Iterator[tuple[str, str]]:
    seen: set[int] = set()
    death = case.death.death_date if case.death else None
    for value in case.custom_values:
        field = value.field
        if field is None:
            continue
        if field.id is not None and field.id in seen:
            yield f"custom.{field.name}", "a custom field can hold one value per case"
        if field.id is not None:
            seen.add(field.id)
        problem = custom_value_problem(field, value.value)
        if problem:
            yield f"custom.{field.name}", problem
        elif field.kind == "date" and value.value and death and dt.date.fromisoformat(value.value) > death:
            yield f"custom.{field.name}", f"{field.name} ({value.value}) is after the date of death ({death})"


def custom_value_problem(field: CustomField, value: str | None) -> str | None:
    """Why a custom field's canonical text value is impossible, or None."""
    if value is None or value == "":
        return None
    if field.kind == "number":
        try:
            number = float(value)
        except ValueError:
            return f"{field.name} must be a number (got {value!r})"
        if not math.isfinite(number):
            return f"{field.name} must be a finite number (got {value!r})"
    elif field.kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return f"{field.name} must be a date (got {value!r})"
        if day < EARLIEST_DATE:
            return f"{field.name} ({value}) is before {EARLIEST_DATE.year}; check the year"
        if day > dt.date.today():
            return f"{field.name} ({value}) is in the future"
    elif field.kind == "yesno" and value not in ("yes", "no"):
        return f"{field.name} must be yes or no (got {value!r})"
    elif field.kind == "choice" and value not in field.choice_list:
        return f"{field.name} must be one of {', '.join(field.choice_list)} (got {value!r})"
    return None


def check_case(case: Case) -> list[Violation]:
    """Every rule the case breaks; an empty list means it can be saved."""
    found = [*_field_rules(case), *_date_rules(case), *_custom_rules(case)]
    unique = dict.fromkeys(found)  # keep order, drop repeats
    return [Violation(case.study_id or "", field, rule) for field, rule in unique]


_CHILD_TYPES = (
    Identity, PriorTransplant, SalvageCourse, ResponseAssessment, Transplant,
    Complication, SubsequentTherapy, Relapse, Death, CustomValue,
)


def _cases_touched(objects: Iterable[Any]) -> Iterator[Case]:
    for obj in objects:
        if isinstance(obj, Case):
            yield obj
        elif isinstance(obj, _CHILD_TYPES) and obj.case is not None:
            yield obj.case
        elif isinstance(obj, DrugAdministration) and obj.course is not None and obj.course.case is not None:
            yield obj.course.case


def study_id_key(study_id: str | None) -> str:
    """A study ID as compared for uniqueness: Unicode NFKC, without invisible (format and control)
    characters or whitespace, in any letter case; so P01, p01, 'P01 ' and P<zero-width space>01 are one ID."""
    text = unicodedata.normalize("NFKC", study_id or "")
    kept = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc"))
    return unicodedata.normalize("NFKC", kept.casefold())


def same_study_id(keys: Collection[str]) -> ColumnElement[bool]:
    """SQL that selects every case whose study ID may have one of these keys (compare study_id_key after):
    lower() settles plain ASCII IDs; any ID with another character is fetched and compared in Python."""
    return or_(func.lower(Case.study_id).in_(list(keys)), Case.study_id.op("GLOB")("*[^!-~]*"))


def shown_as(study_id: str, stored: str) -> str:
    return "" if stored == study_id else f" (as {stored!r})"


def _study_id_problems(session: Session, cases: list[Case]) -> Iterator[Violation]:
    first: dict[str, str] = {}
    for case in cases:
        sid = (case.study_id or "").strip()
        key = study_id_key(sid)
        if key in first:
            yield Violation(sid, "study_id", f"study ID {sid} is used twice{shown_as(sid, first[key])}")
        first.setdefault(key, sid)
    keys = {k for k in first if k}
    if not keys:
        return
    with session.no_autoflush:  # one query for all of them
        stored = session.execute(select(Case.id, Case.study_id).where(same_study_id(keys))).all()
    for case in cases:
        sid = (case.study_id or "").strip()
        key = study_id_key(sid)
        other = next((s for i, s in stored if i != case.id and key and study_id_key(s) == key), None)
        if other is not None:
            yield Violation(sid, "study_id", f"study ID {sid} already exists{shown_as(sid, other)}")


@event.listens_for(Session, "before_flush")
def _enforce_rules(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("skip_rules"):  # only for bulk paths that validated already
        return
    touched = [*session.new, *session.dirty]
    deleted = set(session.deleted)
    cases = list(dict.fromkeys(c for c in _cases_touched(touched) if c not in deleted))
    if not cases:
        return
    violations: list[Violation] = []
    with session.no_autoflush:
        for case in cases:
            violations.extend(check_case(case))
    new_ids = [c for c in cases if c in session.new or _study_id_changed(c)]
    violations.extend(_study_id_problems(session, new_ids))
    if violations:
        raise RecordRejected(violations)


def _study_id_changed(case: Case) -> bool:
    from sqlalchemy import inspect

    history = inspect(case).attrs.study_id.history
    return bool(history.added)
