"""The flat case template: one row per case, shared by the import and the export.

Each column knows its type, its allowed codes, where it lives in the case record (get / put)
and which rule paths (storage.record.rules Violation.field) it answers for, so that a rule broken by
an imported row is reported against the column the user typed it in. Repeating records are
represented by their first (or best) instance; the long export holds all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from storage.interchange.cell_values import (  # re-exported: the template's readers, as callers know them
    EARLIEST as EARLIEST,
)
from storage.interchange.cell_values import LIST_SEPARATOR as LIST_SEPARATOR
from storage.interchange.cell_values import cell_text as cell_text
from storage.interchange.cell_values import excel_serial_date as excel_serial_date
from storage.interchange.cell_values import is_blank as is_blank
from storage.interchange.cell_values import neutralise as neutralise
from storage.interchange.cell_values import number_from_text as number_from_text
from storage.interchange.cell_values import number_text as number_text
from storage.interchange.cell_values import parse_code as parse_code
from storage.interchange.cell_values import parse_date as parse_date
from storage.interchange.cell_values import (
    parse_int,
    parse_number,
)
from storage.interchange.cell_values import parse_yesno as parse_yesno
from storage.interchange.cell_values import read_date as read_date
from storage.interchange.cell_values import unneutralise as unneutralise
from storage.record import codes
from storage.record.codes import best_response
from storage.record.models import (
    Case,
    CytogeneticFinding,
    Death,
    Identity,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    Transplant,
)

KINDS = {
    "text": "text", "date": "date (YYYY-MM-DD)", "int": "whole number", "float": "number",
    "percent": "percent, 0 to 100 (85, 85% or a percent-formatted cell)",
    "code": "code", "yesno": "yes/no", "list": f"list, items separated by '{LIST_SEPARATOR.strip()}'",
    "datelist": f"dates separated by '{LIST_SEPARATOR.strip()}'",
}


R = TypeVar("R")
Owner = Callable[[Case, bool], Any]  # (case, create) -> the record a column lives in, or None


@dataclass(frozen=True)
class TemplateColumn:
    name: str
    kind: str
    description: str
    get: Callable[[Case], Any]
    put: Callable[[Case, Any], None] | None = None  # None: derived, export only, ignored on import
    codes: Mapping[str, str] | None = None
    identifying: bool = False  # left out of a de-identified export
    free_text: bool = False  # may hold anything, so also left out of a de-identified export
    paths: tuple[str, ...] = ()
    owner: Owner | None = None  # the record the column's attr lives in, found once per row (put_values)
    attr: str | None = None

    @property
    def derived(self) -> bool:
        return self.put is None

    def allowed(self) -> str:
        if self.codes:
            return ", ".join(f"{code} ({label})" for code, label in self.codes.items())
        return KINDS[self.kind]


def _first(items: list[Any], key: Callable[[Any], Any] | None = None) -> Any:
    if not items:
        return None
    return min(items, key=key) if key else items[0]


def _by_date(attr: str) -> Callable[[Any], tuple[bool, dt.date]]:
    return lambda rec: (getattr(rec, attr) is None, getattr(rec, attr) or dt.date.min)


def new_record(case: Case, model: Callable[..., R], **values: Any) -> R:
    """A new record for the case's lists: the model's object, or for an import's plain stand-in of a new case
    (storage.interchange.imports.light_records.LightCase, never flushed) the plain record it makes."""
    make = getattr(type(case), "new_record", None)
    return model(**values) if make is None else cast(R, make(case, model, values))


def _identity(case: Case, create: bool) -> Identity | None:
    if case.identity is None and create:
        case.identity = new_record(case, Identity)
    return case.identity


def _course(case: Case, create: bool) -> SalvageCourse | None:
    course: SalvageCourse | None = _first(case.courses, key=lambda c: c.course_number)
    if course is None and create:
        course = new_record(case, SalvageCourse, course_number=1)
        case.courses.append(course)
    return course


def _pre_assessment(case: Case, create: bool) -> ResponseAssessment | None:
    found: ResponseAssessment | None = _first([a for a in case.assessments if a.timing == "pre"])
    if found is None and create:
        found = new_record(case, ResponseAssessment, timing="pre", specimen="BM")
        case.assessments.append(found)
    return found


def _post_assessments(case: Case) -> list[ResponseAssessment]:
    return [a for a in case.assessments if a.timing != "pre"]


def _best_assessment(case: Case, create: bool) -> ResponseAssessment | None:
    post = _post_assessments(case)
    best = best_response([a.response for a in post])
    found: ResponseAssessment | None = _first([a for a in post if a.response == best], key=_by_date("assessed_on"))
    if found is None:
        found = _first(post)
    if found is None and create:
        found = new_record(case, ResponseAssessment, timing="post")
        case.assessments.append(found)
    return found


def _transplant(case: Case, create: bool) -> Transplant | None:
    found: Transplant | None = _first(case.transplants, key=_by_date("transplant_date"))
    if found is None and create:
        found = new_record(case, Transplant, transplant_number=1)
        case.transplants.append(found)
    return found


def _relapse(case: Case, create: bool) -> Relapse | None:
    found: Relapse | None = _first(case.relapses, key=_by_date("relapse_date"))
    if found is None and create:
        found = new_record(case, Relapse)
        case.relapses.append(found)
    return found


def _death(case: Case, create: bool) -> Death | None:
    if case.death is None and create:
        case.death = new_record(case, Death)
    return case.death


def _get(owner: Owner, attr: str) -> Callable[[Case], Any]:
    def get(case: Case) -> Any:
        record = owner(case, False)
        return None if record is None else getattr(record, attr)

    return get


def _put(owner: Owner, attr: str) -> Callable[[Case, Any], None]:
    def put(case: Case, value: Any) -> None:
        record = owner(case, value is not None)
        if record is not None:
            setattr(record, attr, value)

    return put


def _own(case: Case, _create: bool) -> Case:
    return case


def _field(name: str, kind: str, description: str, owner: Owner = _own, attr: str | None = None,
           path: str | None = None, **extra: Any) -> TemplateColumn:
    attr = attr or name
    return TemplateColumn(name, kind, description, _get(owner, attr), _put(owner, attr),
                          paths=(path or attr,), owner=owner, attr=attr, **extra)


def _age(case: Case) -> float | None:
    age = case.age_at_time_zero
    return None if age is None else round(age, 2)


def _put_findings(case: Case, value: list[str] | None) -> None:
    if [f.finding for f in case.findings] != (value or []):  # unchanged: keep the records (and the audit quiet)
        case.findings = [new_record(case, CytogeneticFinding, finding=f) for f in value or []]


def _put_prior_count(case: Case, value: int | None) -> None:
    if value is None:
        return
    ordered = sorted(case.prior_transplants, key=_by_date("transplant_date"))
    while len(ordered) < value:
        ordered.append(new_record(case, PriorTransplant))
    case.prior_transplants = ordered[:value]


def _put_prior_dates(case: Case, value: list[dt.date] | None) -> None:
    dates = sorted(value or [])
    ordered = sorted(case.prior_transplants, key=_by_date("transplant_date"))
    while len(ordered) < len(dates):
        ordered.append(new_record(case, PriorTransplant))
    for i, record in enumerate(ordered):
        record.transplant_date = dates[i] if i < len(dates) else None
    case.prior_transplants = ordered


def _best(case: Case) -> str | None:
    return best_response([a.response for a in _post_assessments(case)])


def _best_date(case: Case) -> dt.date | None:
    best = _best(case)
    record = _first([a for a in _post_assessments(case) if a.response == best], key=_by_date("assessed_on"))
    return None if record is None or best is None else record.assessed_on


C = codes
COLUMNS: tuple[TemplateColumn, ...] = (
    _field("study_id", "text", "pseudonymous study ID, unique (required)", path="study_id"),
    _field("name", "text", "patient's name (identifying)", _identity, path="identity.name", identifying=True),
    _field("hospital_number", "text", "hospital number (identifying)", _identity,
           path="identity.hospital_number", identifying=True),
    _field("birth_date", "date", "date of birth (identifying)", _identity, path="identity.birth_date",
           identifying=True),
    _field("sex", "code", "sex", codes=C.SEX),
    TemplateColumn("age_at_time_zero", "float", "age in years at day 1 of salvage (derived; ignored on import)",
                   _age),
    _field("diagnosis", "code", "diagnosis category", codes=C.DIAGNOSIS),
    _field("subtype", "text", "subtype / immunophenotype, e.g. cALL, AML M2"),
    _field("initial_diagnosis_date", "date", "date of initial diagnosis"),
    TemplateColumn("cytogenetics", "list", "cytogenetic and molecular findings",
                   lambda c: [f.finding for f in c.findings], _put_findings, paths=("findings",)),
    _field("high_risk_cytogenetics", "yesno", "high-risk cytogenetics"),
    _field("disease_status", "code", "disease status at salvage", codes=C.DISEASE_STATUS),
    _field("relapse_number", "int", "relapse number n (status 'relapse' only)"),
    _field("prior_regimens", "int", "number of prior regimens"),
    _field("prior_therapies", "text", "prior therapies of note", free_text=True),
    TemplateColumn("prior_hsct_count", "int", "number of allogeneic HSCTs before salvage",
                   lambda c: len(c.prior_transplants), _put_prior_count, paths=("prior_transplants",)),
    TemplateColumn("prior_hsct_dates", "datelist", "dates of the HSCTs before salvage",
                   lambda c: sorted(t.transplant_date for t in c.prior_transplants if t.transplant_date),
                   _put_prior_dates, paths=("prior_transplants[0].transplant_date",
                                            "prior_transplants[1].transplant_date",
                                            "prior_transplants[2].transplant_date")),
    _field("salvage_start", "date", "day 1 of the first salvage course (time zero)", _course, "start_date",
           "courses[0].start_date"),
    _field("height_cm", "float", "height (cm) at the first course", _course, path="courses[0].height_cm"),
    _field("weight_kg", "float", "weight (kg) at the first course", _course, path="courses[0].weight_kg"),
    _field("bm_blasts_pre", "percent", "bone-marrow blasts (%) before salvage", _pre_assessment, "blast_percent",
           "assessments[0].blast_percent"),
    TemplateColumn("best_response", "code", "best response after salvage (from the assessments)", _best,
                   _put(_best_assessment, "response"), codes=C.RESPONSE, paths=("assessments[1].response",),
                   owner=_best_assessment, attr="response"),
    TemplateColumn("best_response_date", "date", "date of the assessment showing the best response", _best_date,
                   _put(_best_assessment, "assessed_on"), paths=("assessments[1].assessed_on",),
                   owner=_best_assessment, attr="assessed_on"),
    _field("best_response_override", "code", "manual best response (needs a reason)", codes=C.RESPONSE),
    _field("best_response_override_reason", "text", "why the best response was set manually", free_text=True),
    _field("hsct_after_date", "date", "date of the (first) HSCT after salvage", _transplant, "transplant_date",
           "transplants[0].transplant_date"),
    _field("donor_type", "code", "donor of the HSCT after salvage", _transplant, "donor_type",
           "transplants[0].donor_type", codes=C.DONOR),
    _field("relapse_date", "date", "date of (first) relapse or progression after salvage", _relapse,
           "relapse_date", "relapses[0].relapse_date"),
    _field("relapse_site", "code", "site of that relapse", _relapse, "site", "relapses[0].site",
           codes=C.RELAPSE_SITE),
    _field("death_date", "date", "date of death", _death, "death_date", "death.death_date"),
    _field("death_cause", "code", "cause of death", _death, "cause", "death.cause", codes=C.DEATH_CAUSE),
    _field("death_cause_detail", "text", "cause of death, in words", _death, "cause_detail",
           "death.cause_detail", free_text=True),
    _field("last_follow_up", "date", "date of last follow-up (a dead patient's: the date of death)"),
    _field("last_follow_up_status", "code", "status at last follow-up (alive patients only)",
           codes=C.FOLLOW_UP_STATUS),
    _field("notes", "text", "free-text notes", free_text=True),
)
BY_NAME: dict[str, TemplateColumn] = {c.name: c for c in COLUMNS}
DATE_COLUMNS = frozenset(c.name for c in COLUMNS if c.kind in ("date", "datelist"))


def column_for_path(path: str) -> str:
    """The template column a rule's field path belongs to (or the path itself)."""
    for column in COLUMNS:
        if path in column.paths:
            return column.name
    if path.startswith("custom."):
        return path.removeprefix("custom.")
    for column in COLUMNS:  # e.g. "courses[0].start_date" of a second course still names salvage
        if any(path.split(".")[0].split("[")[0] == p.split(".")[0].split("[")[0] for p in column.paths):
            return column.name
    return path


# --- cell values: storage.interchange.cell_values ---------------------------------------------

def parse_cell(column: TemplateColumn, value: Any, date_format: str | None) -> Any:
    """The typed value of a cell for a template column; raises ValueError('is not ...')."""
    if is_blank(value):
        return None
    kind = column.kind
    if kind == "text":
        text = unneutralise(str(value).strip() if not isinstance(value, float) else number_text(value))
        return text or None
    if kind == "date":
        return parse_date(value, date_format)
    if kind == "int":
        return parse_int(value)
    if kind in ("float", "percent"):
        return parse_number(value, percent=kind == "percent")
    if kind == "code":
        assert column.codes is not None
        return parse_code(value, column.codes)
    if kind == "yesno":
        return parse_yesno(value)
    items = [unneutralise(item.strip()) for item in str(value).split(LIST_SEPARATOR.strip())]
    items = [item for item in items if item]
    if kind == "datelist":
        return [parse_date(item, date_format) for item in items]
    return items or None


def row_values(case: Case) -> dict[str, Any]:
    """The flat template's values of one case (typed: dates, numbers, lists)."""
    return {column.name: column.get(case) for column in COLUMNS}


_FIRST_ONLY = {  # owner: (its date attribute, why a row cannot move it)
    _transplant: ("transplant_date", "the first HSCT after salvage would then be the one on {other}; the flat "
                  "template holds the first HSCT only (change the transplants in the case form)"),
    _relapse: ("relapse_date", "the first relapse would then be the one on {other}; the flat template holds the "
               "first relapse only (change the relapses in the case form)"),
    _best_assessment: ("assessed_on", "the best response would then be shown first by the assessment on {other}; "
                       "the flat template holds that assessment only (change the assessments in the case form)"),
}


def _contradicted_best(case: Case, value: str | None) -> str | None:
    """Why a row's best response cannot be written without rewriting the recorded assessments."""
    current = _best(case)
    if current is None or value == current:
        return None  # the same, or no assessment has a response yet: filling it in rewrites nothing
    shown = f"best response {value}" if value else "an empty best response"
    return (f"{shown} contradicts the recorded assessments ({current} on {_best_date(case) or 'no date'}); change "
            "the assessments in the form or set a manual best response with a reason")


def put_values(case: Case, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Write one row's typed values (by column name) into the case; (column, rule) of what cannot be.

    Each record a column lives in (the first HSCT, the best assessment, ...) is found once, before any
    value is written. A row that would make another record the first, or whose best response contradicts
    the assessments, is refused, never written into another record: a repeated import changes nothing."""
    problems: list[tuple[str, str]] = []
    groups: dict[Owner, list[TemplateColumn]] = {}
    for name, value in values.items():
        column = BY_NAME[name]
        if column.owner is None:
            assert column.put is not None
            column.put(case, value)
        else:
            groups.setdefault(column.owner, []).append(column)
    written: list[tuple[Owner, Any, list[TemplateColumn]]] = []
    for owner, columns in groups.items():
        record = owner(case, False)
        if owner is _best_assessment and "best_response" in values:
            rule = _contradicted_best(case, values["best_response"])
            if rule:
                problems.append(("best_response", rule))
                continue
        if record is None and any(values[c.name] is not None for c in columns):
            record = owner(case, True)
        if record is None:
            continue
        for column in columns:
            assert column.attr is not None
            setattr(record, column.attr, values[column.name])
        written.append((owner, record, columns))
    for owner, record, columns in written:
        now = owner(case, False)
        if now is not record and owner in _FIRST_ONLY:
            attr, rule = _FIRST_ONLY[owner]
            blamed = next((c for c in columns if c.attr == attr), columns[0])
            problems.append((blamed.name, rule.format(other=getattr(now, attr, None) or "no date")))
    return problems
