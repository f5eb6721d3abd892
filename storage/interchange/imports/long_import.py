"""Importing the long format: every record of every case, as `export --long` writes it.

All sheets are read and checked together, case by case (the case row, then its records of every
kind; drugs join their course by course number), with the same rules as every flush. Only a file
without a single problem is written, all of it in one transaction (storage.interchange.imports.importing
writes the plan). With update-existing a stored case's records are matched by what identifies them
(a course by its number, an assessment by timing and date, a drug by name and route ...): a matched
record is changed, any other row is added, each change an ORM edit in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.interchange import case_template as tpl
from storage.interchange.export.export_writers import CODED
from storage.interchange.imports.import_plan import (
    ImportOptions,
    ImportPlan,
    ImportReport,
    Progress,
    load_existing,
    release,
)
from storage.interchange.imports.light_records import MODEL_OF, Light, LightCase, light_rows
from storage.interchange.imports.long_files import (
    KINDS,
    LongColumn,
    cell,
    check_columns,
    kind_columns,
    read_long,
)
from storage.interchange.imports.row_building import NewField
from storage.interchange.table_files import Problem, RawTable, UnreadableFile
from storage.record import codes
from storage.record.models import (
    Case,
    CustomField,
    CustomValue,
)
from storage.record.rules import check_case, custom_value_problem, shown_as, study_id_key
from storage.safety.audit import new_salt, row_hasher

MODELS: dict[str, type] = {k: v for k, v in MODEL_OF.items() if k not in ("cases", "custom_values")}
LISTS = {"cytogenetic_findings": "findings", "prior_transplants": "prior_transplants", "salvage_courses": "courses",
         "response_assessments": "assessments", "transplants": "transplants", "complications": "complications",
         "subsequent_therapies": "subsequent_therapies", "relapses": "relapses"}
SINGLE = {"identities": "identity", "deaths": "death"}
# What identifies a stored record that a row changes (update-existing); rows matching none are added.
IDENTIFIED_BY = {"cytogenetic_findings": ("finding",), "prior_transplants": ("transplant_date",),
                 "salvage_courses": ("course_number",), "drug_administrations": ("drug", "route"),
                 "response_assessments": ("timing", "assessed_on"), "transplants": ("transplant_date",),
                 "complications": ("term", "onset"), "subsequent_therapies": ("therapy", "start_date"),
                 "relapses": ("relapse_date",), "identities": (), "deaths": ()}
Origin = dict[int, tuple[str, int]]  # id(record) -> (sheet, row)


def _stand_in(column: LongColumn) -> tpl.TemplateColumn:
    allowed = CODED.get(column.name) if column.name not in ("kind",) else None
    kind = "code" if allowed else "percent" if column.name.endswith("_percent") else column.kind
    return tpl.TemplateColumn(column.name, kind, column.name, lambda _c: None, codes=allowed)


class _Reader:
    """Typed values of a table's rows, each problem named by sheet, row, column and value."""

    def __init__(self, kind: str, table: RawTable, columns: dict[str, LongColumn], date_format: str | None,
                 problems: list[Problem]):
        self.kind, self.table, self.problems, self.date_format = kind, table, problems, date_format
        header = [h.strip() for h in table.header]
        self.columns = [(header.index(n), _stand_in(c)) for n, c in columns.items() if n in header]
        self.required = {n for n, c in columns.items() if c.required}

    def values(self, number: int, row: list[Any]) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        ok = True
        for i, column in self.columns:
            value = row[i]
            kind = column.kind
            if value is None or (isinstance(value, str) and not value.strip()):
                out[column.name] = None
                if column.name in self.required:
                    self.problems.append(Problem(number, column.name, None, f"a row of {self.kind} needs its "
                                                 f"{column.name}", self.kind))
                    ok = False
                continue
            # The common cells of an exported workbook, typed already, without the general parser:
            if kind == "date" and type(value) is dt.datetime and value.time() == dt.time(0) \
                    and value.year >= tpl.EARLIEST.year:
                out[column.name] = value.date()
                continue
            if kind in ("float", "percent") and type(value) in (int, float):
                out[column.name] = float(value)
                continue
            if kind == "int" and type(value) is int:
                out[column.name] = value
                continue
            try:
                out[column.name] = tpl.parse_cell(column, value, self.date_format)
            except ValueError as exc:
                shown = tpl.cell_text(row[i])
                self.problems.append(Problem(number, column.name, shown, f"{shown!r} {exc}", self.kind))
                ok = False
        return out if ok else None


def _matching(stored: list[Any], claimed: set[int], values: dict[str, Any], key: tuple[str, ...]) -> Any | None:
    for record in stored:
        if id(record) not in claimed and all(getattr(record, k) == values.get(k) for k in key if k in values):
            return record
    return None


def _set(record: Any, values: dict[str, Any]) -> None:
    """Change a stored record where a value differs (each change is an audited update)."""
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)


def _fields(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    if kind == "drug_administrations":  # course_number is the join to the course, not a field of the drug
        return {k: v for k, v in values.items() if k != "course_number"}
    return values


class _CaseBuilder:
    """One case's rows of every kind, into a new case or into the stored one."""

    def __init__(self, case: Case, stored: bool, origin: Origin, problems: list[Problem]):
        self.case, self.stored, self.origin, self.problems = case, stored, origin, problems
        self.claimed: set[int] = set()

    def add(self, kind: str, number: int, values: dict[str, Any]) -> None:
        if kind == "drug_administrations":
            course = next((c for c in self.case.courses if c.course_number == values.get("course_number")), None)
            if course is None:
                self.problems.append(Problem(number, "course_number", tpl.cell_text(values.get("course_number")),
                                             f"study ID {self.case.study_id} has no salvage course "
                                             f"{tpl.cell_text(values.get('course_number'))} (neither in the "
                                             "salvage_courses sheet nor in the database)", kind))
                return
            self._put(kind, number, values, course.drugs)
        elif kind in SINGLE:
            current = getattr(self.case, SINGLE[kind])
            if current is not None and id(current) in self.claimed:
                self.problems.append(Problem(number, "study_id", self.case.study_id, f"study ID {self.case.study_id} "
                                             f"has a second row in {kind}; a case has one", kind))
                return
            if current is None:
                current = self._new(kind, values)
                setattr(self.case, SINGLE[kind], current)
            else:
                _set(current, values)
            self.claimed.add(id(current))
            self.origin[id(current)] = (kind, number)
        else:
            self._put(kind, number, values, getattr(self.case, LISTS[kind]))

    def _new(self, kind: str, values: dict[str, Any]) -> Any:
        """A stored case's new record is an ORM object (its constructor: far cheaper than attribute by
        attribute); a new case's a Light one (storage.interchange.imports.light_records)."""
        return MODELS[kind](**values) if self.stored else Light(kind, values)

    def _put(self, kind: str, number: int, values: dict[str, Any], records: list[Any]) -> None:
        fields = _fields(kind, values)
        record = _matching(records, self.claimed, fields, IDENTIFIED_BY[kind]) if self.stored else None
        if record is None:
            record = self._new(kind, fields)
            records.append(record)
        else:
            _set(record, fields)
        self.claimed.add(id(record))
        self.origin[id(record)] = (kind, number)


_INDEXED = re.compile(r"^(\w+)\[(\d+)\]$")


def _where(case: Case, path: str, origin: Origin) -> tuple[str, int, str]:
    """(sheet, row, column) of a rule's field path, e.g. courses[0].drugs[1].dose -> drug_administrations."""
    record: Any = case
    parts = path.split(".")
    column = parts[-1]
    for part in parts[:-1] if len(parts) > 1 else []:
        found = _INDEXED.match(part)
        if found:
            items = getattr(record, found[1], None)
            index = int(found[2])
            record = items[index] if isinstance(items, list) and index < len(items) else record
        elif part == "custom":
            record = next((v for v in case.custom_values if v.field is not None and v.field.name == column), record)
            column = "value"
        else:
            record = getattr(record, part, None) or record
    if _INDEXED.match(path):  # e.g. "courses": a rule on the list, shown on its first record
        found = _INDEXED.match(path)
        assert found is not None
        column = found[1]
    if path == "courses" and case.courses:
        record, column = case.courses[0], "course_number"
    sheet, row = origin.get(id(record)) or origin.get(id(case)) or ("cases", 0)
    return sheet, row, column


def _custom_rows(session: Session, table: RawTable, problems: list[Problem],
                 new_fields: list[NewField]) -> tuple[dict[str, list[tuple[int, CustomField, str | None]]],
                                                      list[CustomField]]:
    """Custom values by study_id_key, with their fields (stored ones, or new ones of the rows' kind)."""
    stored = {f.name.lower(): f for f in session.scalars(select(CustomField))}
    created: dict[str, CustomField] = {}
    by_case: dict[str, list[tuple[int, CustomField, str | None]]] = {}
    rows = [(n + 1, r) for n, r in enumerate(table.rows) if not all(tpl.is_blank(v) for v in r)]
    kinds: dict[str, str] = {}
    choices: dict[str, list[str]] = {}
    for number, row in rows:
        name = tpl.cell_text(cell(table, row, "field")).strip()
        value = cell(table, row, "value")
        text = None if tpl.is_blank(value) else tpl.unneutralise(tpl.cell_text(value).strip())
        try:
            kind = tpl.parse_code(tpl.cell_text(cell(table, row, "kind")), codes.CUSTOM_FIELD_KIND)
        except ValueError as exc:
            problems.append(Problem(number, "kind", tpl.cell_text(cell(table, row, "kind")), f"the kind {exc}",
                                    "custom_values"))
            continue
        if not name or len(name) > 60:
            problems.append(Problem(number, "field", name, "a custom field needs a name of 1 to 60 characters",
                                    "custom_values"))
            continue
        field = stored.get(name.lower())
        if field is not None and field.kind != kind:
            problems.append(Problem(number, "kind", kind, f"the custom field {field.name} is a {field.kind} field "
                                    "in the database", "custom_values"))
            continue
        if field is None and kinds.setdefault(name.lower(), kind) != kind:
            problems.append(Problem(number, "kind", kind, f"the custom field {name} is given as "
                                    f"{kinds[name.lower()]} in an earlier row", "custom_values"))
            continue
        if field is None and text is not None and text not in choices.setdefault(name.lower(), []):
            choices[name.lower()].append(text)
        key = study_id_key(tpl.unneutralise(tpl.cell_text(cell(table, row, "study_id")).strip()))
        by_case.setdefault(key, []).append((number, field or CustomField(name=name, kind=kind), text))
    for rows_of_case in by_case.values():
        for i, (number, field, text) in enumerate(rows_of_case):
            if field.id is None:  # one object per new field, its choices the values given
                if field.name.lower() not in created:
                    field.choices = "\n".join(choices.get(field.name.lower(), [])) if field.kind == "choice" else None
                    created[field.name.lower()] = field
                    new_fields.append(NewField(field.name, field.kind, tuple(field.choice_list)))
                field = created[field.name.lower()]
                rows_of_case[i] = (number, field, text)
            problem = custom_value_problem(field, text)
            if problem:
                problems.append(Problem(number, "value", text, problem, "custom_values"))
    return by_case, list(created.values())


def plan_long_import(session: Session, path: Path, options: ImportOptions,
                     progress: Progress | None = None) -> ImportPlan:
    """Read and check every sheet of a long-format file, case by case, without writing anything."""
    report = ImportReport(Path(path), sheet="cases")
    plan = ImportPlan(report)
    problems = report.problems
    # Reading and building make millions of long-lived objects and almost no cyclic garbage (the new cases
    # are plain records): the cyclic collector would only walk them again and again, each pass holding the
    # interpreter lock for over half a second (the dialog's window stalled 540-650 ms at 50,000 cases).
    # It stays off while reading and checking; what the plan keeps is then frozen out of later passes
    # (storage.interchange.imports.importing unfreezes it once the import is written or refused).
    enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            tables = read_long(report.path)
        except UnreadableFile as exc:
            problems.extend(exc.problems)
            return plan
        _plan_tables(session, tables, plan, options, progress)
        del tables
        gc.freeze()
        plan.frozen = True
        return plan
    finally:
        if enabled:
            gc.enable()


def _plan_tables(session: Session, tables: dict[str, RawTable], plan: ImportPlan, options: ImportOptions,
                 progress: Progress | None) -> ImportPlan:
    report, problems = plan.report, plan.report.problems
    known = kind_columns()
    for kind, table in tables.items():
        problems.extend(Problem(p.row, p.column, p.value, p.rule, kind) for p in table.problems)
        if kind not in KINDS:
            problems.append(Problem(None, None, None, f"unknown sheet {kind}: the long format's sheets are "
                                    f"{', '.join(KINDS)}", kind))
            continue
        problems.extend(check_columns(kind, table, known.get(kind, {})))
    if "cases" in tables:
        report.header, report.rows = tables["cases"].header, tables["cases"].rows
    if problems:
        return plan
    groups: dict[str, dict[str, list[tuple[int, list[Any]]]]] = {}  # study_id_key -> kind -> rows
    written_as: dict[str, str] = {}
    first_case_row: dict[str, int] = {}
    for kind in KINDS:
        if kind not in tables:
            continue
        table = tables[kind]
        for index, row in enumerate(table.rows):
            if all(tpl.is_blank(v) for v in row):
                continue
            sid = tpl.unneutralise(tpl.cell_text(cell(table, row, "study_id")).strip())
            key = study_id_key(sid)
            if not key:
                problems.append(Problem(index + 1, "study_id", sid, "the study ID is required", kind))
                continue
            if kind == "cases":
                if key in first_case_row:
                    problems.append(Problem(index + 1, "study_id", sid, f"study ID {sid} is also in row "
                                            f"{first_case_row[key]}{shown_as(sid, written_as[key])}", kind))
                    continue
                first_case_row[key] = index + 1
            written_as.setdefault(key, sid)
            groups.setdefault(key, {}).setdefault(kind, []).append((index + 1, row))
    custom, plan.new_fields = _custom_rows(session, tables["custom_values"], problems, report.new_fields) \
        if "custom_values" in tables else ({}, [])
    for key in custom:
        groups.setdefault(key, {})
    existing = load_existing(session, list(groups), options.update_existing)
    readers = {kind: _Reader(kind, tables[kind], known[kind], options.date_format, problems)
               for kind in KINDS[:-1] if kind in tables}
    for done, (key, rows) in enumerate(groups.items()):
        if progress and done % 500 == 0:
            progress(done, len(groups), "checking cases")
        _plan_case(plan, options, key, written_as.get(key, key), rows, existing.get(key, []), readers,
                   custom.get(key, []))
    if progress:
        progress(len(groups), len(groups), "checked")
    problems.sort(key=lambda p: (KINDS.index(p.sheet) if p.sheet in KINDS else -1, p.row or 0))
    release(groups)
    for kind, table in tables.items():
        if kind != "cases":  # the cases sheet stays for the preview
            release(table.rows)
    return plan


def _plan_case(plan: ImportPlan, options: ImportOptions, key: str, sid: str,
               rows: dict[str, list[tuple[int, list[Any]]]], matches: list[Case], readers: dict[str, _Reader],
               custom: list[tuple[int, CustomField, str | None]]) -> None:
    report, problems = plan.report, plan.report.problems
    case_row = rows.get("cases", [(0, [])])[0][0]
    sheet_of_id, row_of_id = next(((kind, r[0][0]) for kind, r in rows.items() if r), ("custom_values", 0))
    if not matches and "cases" not in rows:
        problems.append(Problem(row_of_id, "study_id", sid, f"study ID {sid} is neither in the cases sheet nor in "
                                "the database", sheet_of_id if custom or rows else "custom_values"))
        return
    case = next((c for c in matches if c.study_id == sid), matches[0] if len(matches) == 1 else None)
    if matches and not options.update_existing:
        problems.append(Problem(case_row or row_of_id, "study_id", sid, f"study ID {sid} already exists in the "
                                f"database{shown_as(sid, matches[0].study_id)} (to change that case, choose to "
                                "update existing cases)", "cases" if case_row else sheet_of_id))
        return
    if matches and case is None:
        problems.append(Problem(case_row or row_of_id, "study_id", sid, f"study ID {sid} matches several cases; "
                                "give one exactly", "cases" if case_row else sheet_of_id))
        return
    stored = case is not None
    if case is None:  # a new case is built from its row in one call (see _CaseBuilder.add)
        reader = readers.get("cases")
        first = reader.values(case_row, rows["cases"][0][1]) if reader is not None else None
        case = cast(Case, LightCase({**(first or {}), "study_id": sid}))
    origin: Origin = {id(case): ("cases", case_row)} if case_row else {}
    before = len(problems)
    salt = new_salt()  # the rows hold name and hospital number: only a keyed hash of them is kept
    digest = row_hasher(salt)
    builder = _CaseBuilder(case, stored, origin, problems)
    for kind in KINDS[:-1]:
        reader = readers.get(kind)
        for number, row in rows.get(kind, []):
            digest.update(json.dumps([kind, row], ensure_ascii=False, default=str).encode("utf-8"))
            if reader is None:
                continue
            if kind == "cases" and not stored:
                continue  # read above
            values = reader.values(number, row)
            if values is None:
                continue
            if kind == "cases":
                _set(case, {k: v for k, v in values.items() if k != "study_id"})
            else:
                builder.add(kind, number, values)
    for number, field, text in custom:
        digest.update(json.dumps(["custom_values", field.name, text], ensure_ascii=False).encode("utf-8"))
        _put_custom(case, stored, field, text, origin, number)
    for violation in check_case(case):
        sheet, at, column = _where(case, violation.field, origin)
        problems.append(Problem(at or None, column, None, violation.rule, sheet))
    (report.updated if stored else report.created).append(case.study_id)
    if stored:
        plan.updated.append(case)
    elif len(problems) == before and not problems:  # once anything is wrong nothing is written: keep no rows
        plan.new.append(light_rows(cast(LightCase, case), salt, digest.hexdigest()))


def _put_custom(case: Case, stored: bool, field: CustomField, text: str | None, origin: Origin,
                number: int) -> None:
    if stored:
        current = next((v for v in case.custom_values if v.field_id == field.id and field.id is not None), None)
        if current is not None:
            if current.value != text:
                current.value = text
            origin[id(current)] = ("custom_values", number)
            return
    else:  # a new case's value: plain, so that no field's list of values is touched here
        light = Light("custom_values", {"value": text})
        light.field = field  # type: ignore[attr-defined]
        case.custom_values.append(cast(CustomValue, light))
        origin[id(light)] = ("custom_values", number)
        return
    value = CustomValue(field=field, value=text)
    case.custom_values.append(value)
    origin[id(value)] = ("custom_values", number)

