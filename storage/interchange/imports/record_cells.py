"""Writing a row's numbered-record cells into a case: course 1's melphalan, the second post-salvage
assessment's date, the first HSCT's donor.

Each (kind, number) names one record of the case for the whole row: for an existing case the
records it already has (courses by course number; the others in date order), and records created
in number order for what the row adds. Each cell's field path (as storage.record.rules names it)
is returned with the column it came from, so that a broken rule is reported on the user's column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from storage.interchange.case_template import new_record
from storage.interchange.imports.dose_cells import Dose, NamedDose
from storage.interchange.imports.mapping_targets import RecordTarget
from storage.record.models import (
    Case,
    Complication,
    DrugAdministration,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    SubsequentTherapy,
    Transplant,
)

_LISTS = {"assessment": "assessments", "pre_assessment": "assessments", "transplant": "transplants", "relapse": "relapses",
          "complication": "complications", "therapy": "subsequent_therapies", "prior_hsct": "prior_transplants"}
_DATES = {"assessment": "assessed_on", "pre_assessment": "assessed_on", "transplant": "transplant_date", "relapse": "relapse_date",
          "complication": "onset", "therapy": "start_date", "prior_hsct": "transplant_date"}


def _new(case: Case, kind: str) -> Any:
    if kind == "assessment":
        return new_record(case, ResponseAssessment, timing="post")
    if kind == "pre_assessment":
        return new_record(case, ResponseAssessment, timing="pre", specimen="BM")  # as the template's bm_blasts_pre
    model = {"transplant": Transplant, "relapse": Relapse, "complication": Complication,
             "therapy": SubsequentTherapy, "prior_hsct": PriorTransplant}[kind]
    return new_record(case, model)


def _in_order(records: list[Any], kind: str) -> list[Any]:
    attr = _DATES[kind]
    return sorted(records, key=lambda r: (getattr(r, attr) is None, getattr(r, attr) or dt.date.min, r.id or 0))


@dataclass
class RecordSlots:
    """The records a row's (kind, number) names, found once per row."""

    case: Case
    slots: dict[tuple[str, int], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind, attr in _LISTS.items():
            records = list(getattr(self.case, attr))
            if kind == "assessment":
                records = [a for a in records if a.timing != "pre"]
            elif kind == "pre_assessment":
                records = [a for a in records if a.timing == "pre"]
            for n, record in enumerate(_in_order(records, kind), start=1):
                self.slots[(kind, n)] = record

    def record(self, kind: str, number: int) -> Any:
        if kind == "course":
            return self.course(number)
        if (kind, number) not in self.slots:
            record = _new(self.case, kind)
            if kind == "complication":
                record.term = "other"  # replaced by the row's term cell, if it has one
            getattr(self.case, _LISTS[kind]).append(record)
            self.slots[(kind, number)] = record
        return self.slots[(kind, number)]

    def course(self, number: int) -> SalvageCourse:
        found = next((c for c in self.case.courses if c.course_number == number), None)
        if found is None:
            found = new_record(self.case, SalvageCourse, course_number=number)
            self.case.courses.append(found)
        return found


def _drug(case: Case, course: SalvageCourse, name: str, intrathecal: bool, skip: int = 0) -> DrugAdministration:
    """The course's drug of this name (the intrathecal one or not), the skip-th repeat; created if missing."""
    same = [d for d in course.drugs if d.drug.casefold() == name.casefold() and (d.route == "IT") is intrathecal]
    if skip < len(same):
        return same[skip]
    drug = new_record(case, DrugAdministration, drug=name)
    course.drugs.append(drug)
    return drug


def _write_dose(drug: DrugAdministration, dose: Dose, route: str | None) -> None:
    drug.dose, drug.unit, drug.doses = dose.dose, dose.unit, dose.doses or 1
    if dose.route or route:
        drug.route = dose.route or route
    drug.dose_modification = dose.modification


def _path(case: Case, record: Any, kind: str, attr: str) -> str:
    if kind == "course":
        return f"courses[{case.courses.index(record)}].{attr}"
    return f"{_LISTS[kind]}[{getattr(case, _LISTS[kind]).index(record)}].{attr}"


def _drug_paths(case: Case, course: SalvageCourse, drug: DrugAdministration) -> list[str]:
    prefix = f"courses[{case.courses.index(course)}].drugs[{course.drugs.index(drug)}]"
    return [f"{prefix}.{a}" for a in ("drug", "dose", "unit", "doses", "route")]


def put_records(case: Case, cells: list[tuple[RecordTarget, str, Any]]) -> dict[str, str]:
    """Write (target, column, typed value) cells into the case; field path -> column, for the rules' reports.

    An empty cell writes nothing and creates nothing (a record already stored keeps its value)."""
    slots = RecordSlots(case)
    written: list[tuple[Any, RecordTarget, str, list[Any]]] = []
    for target, column, value in sorted(cells, key=lambda c: (c[0].kind, c[0].number)):
        if value is None or value == []:
            continue
        record = slots.record(target.kind, target.number)
        if target.attr == "drug":
            assert isinstance(value, Dose) and target.drug is not None
            drug = _drug(case, record, target.drug, intrathecal=value.route == "IT")
            _write_dose(drug, value, None)
            written.append((record, target, column, [drug]))
        elif target.attr in ("intrathecal", "other_drugs"):
            drugs = []
            repeats: dict[tuple[str, bool], int] = {}
            for item in value:
                assert isinstance(item, NamedDose)
                intrathecal = target.attr == "intrathecal" or item.dose.route == "IT"
                key = (item.drug.casefold(), intrathecal)
                drug = _drug(case, record, item.drug, intrathecal, repeats.get(key, 0))
                repeats[key] = repeats.get(key, 0) + 1
                _write_dose(drug, item.dose, "IT" if intrathecal else None)
                drugs.append(drug)
            written.append((record, target, column, drugs))
        else:
            setattr(record, target.attr, value)
            written.append((record, target, column, []))
    paths: dict[str, str] = {}
    for record, target, column, drugs in written:  # indices once every record is in its list
        if drugs:
            for drug in drugs:
                paths.update(dict.fromkeys(_drug_paths(case, record, drug), column))
        else:
            paths[_path(case, record, target.kind, target.attr)] = column
    return paths
