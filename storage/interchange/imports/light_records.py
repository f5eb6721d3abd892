"""Plain stand-ins of a new case and its records, for the imports' checks and bulk insert (flat and long format).

Building 50,000 new cases as ORM objects costs most of the import's time in SQLAlchemy's attribute
instrumentation (measured: two thirds of the checking), yet a new case is never flushed through the
ORM: it is checked by storage.record.rules.check_case, which only reads attributes, and then written by
storage.interchange.imports.bulk_insert. A Light record has every column of its model (None unless given) and
its model's lists, so the rules read it as they read the model; stored cases are changed as ORM objects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, inspect

from storage.interchange.imports.bulk_insert import CaseRows
from storage.record.models import (
    Case,
    Complication,
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

MODEL_OF: dict[str, type] = {
    "cases": Case, "identities": Identity, "cytogenetic_findings": CytogeneticFinding,
    "prior_transplants": PriorTransplant, "salvage_courses": SalvageCourse, "drug_administrations": DrugAdministration,
    "response_assessments": ResponseAssessment, "transplants": Transplant, "complications": Complication,
    "subsequent_therapies": SubsequentTherapy, "relapses": Relapse, "deaths": Death, "custom_values": CustomValue,
}
KIND_OF: dict[type, str] = {model: kind for kind, model in MODEL_OF.items()}


def _keys(model: type) -> list[str]:
    mapper: Any = inspect(model)
    return [str(a.key) for a in mapper.column_attrs if a.key not in ("id", "case_id", "course_id")]


_KEYS = {kind: _keys(model) for kind, model in MODEL_OF.items()}
_TABLES = {kind: cast(Table, inspect(model).local_table) for kind, model in MODEL_OF.items()}
CASE_LISTS = ("findings", "prior_transplants", "courses", "assessments", "transplants", "complications",
              "subsequent_therapies", "relapses", "custom_values")
CHILD_KIND = {"findings": "cytogenetic_findings", "prior_transplants": "prior_transplants",
              "assessments": "response_assessments", "transplants": "transplants", "complications": "complications",
              "subsequent_therapies": "subsequent_therapies", "relapses": "relapses"}


class Light:
    """A record's columns as plain attributes (plus its model's lists)."""

    id = None  # never stored yet (code that orders records by id reads it as the model's)

    def __init__(self, kind: str, values: dict[str, Any]):
        self.__dict__.update(dict.fromkeys(_KEYS[kind]))
        self.__dict__.update(values)
        self._kind = kind
        if kind == "cases":
            self.__dict__.update({name: [] for name in CASE_LISTS}, identity=None, death=None)
        elif kind == "salvage_courses":
            self.drugs: list[Light] = []

    def columns(self) -> dict[str, Any]:
        return {key: self.__dict__[key] for key in _KEYS[self._kind]}


class LightCase(Light):
    def __init__(self, values: dict[str, Any]):
        super().__init__("cases", values)

    @property
    def time_zero(self) -> dt.date | None:
        """Day 1 of the first salvage course (as Case.time_zero)."""
        starts = [c.start_date for c in self.__dict__["courses"] if c.start_date is not None]
        return min(starts) if starts else None

    def new_record(self, model: type, values: dict[str, Any]) -> Light:
        """A plain record of the model for this case's lists (storage.interchange.case_template.new_record)."""
        return Light(KIND_OF[model], values)


def light_rows(case: LightCase, salt: str, digest: str) -> CaseRows:
    """The new case as bulk_insert writes it."""
    rows = CaseRows(case.study_id, salt, digest, case.columns())  # type: ignore[attr-defined]
    attrs = case.__dict__
    if attrs["identity"] is not None:  # (in the order the ORM case was flattened in: the same ids)
        rows.children.append((_TABLES["identities"], attrs["identity"].columns()))
    for name, kind in CHILD_KIND.items():
        rows.children.extend((_TABLES[kind], record.columns()) for record in attrs[name])
    if attrs["death"] is not None:
        rows.children.append((_TABLES["deaths"], attrs["death"].columns()))
    rows.courses = [(course.columns(), [drug.columns() for drug in course.drugs]) for course in attrs["courses"]]
    rows.custom = [(value.field, value.value) for value in attrs["custom_values"]]
    return rows
