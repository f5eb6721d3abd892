"""From a table's columns to the fields they fill, and from one row to a case.

Without a mapping a column fills the template column (or custom field) of its name; with one, the
mapping says which field each column fills and which code each written value stands for. Cells are
read with German and Excel conventions (decimal commas, percent cells, Excel serial dates, a date
order where the column's data fix it), and problems name the file's own column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.interchange import case_template as tpl
from storage.interchange.conventions import DateOrder, date_format_of
from storage.interchange.imports.column_mapping import ColumnMapping, relapse_number_of, unmapped_rule
from storage.interchange.imports.dose_cells import read_dose, read_drug_list
from storage.interchange.imports.mapping_targets import (
    CUSTOM,
    FLAT_KIND,
    IGNORE,
    RecordTarget,
    canonical,
    record_target,
    target_codes,
    target_problem,
)
from storage.interchange.imports.record_cells import put_records
from storage.interchange.table_files import Problem
from storage.record.custom_fields import name_rule
from storage.record.models import Case, CustomField, CustomValue
from storage.record.rules import custom_value_problem

WORD_BOOLEANS = frozenset({"yes", "no", "y", "n", "true", "false", "ja", "nein"})


@dataclass(frozen=True)
class NewField:
    name: str
    kind: str
    choices: tuple[str, ...] = ()


@dataclass
class Columns:
    header: list[str] = field(default_factory=list)  # as the file has them, stripped
    template: dict[int, tpl.TemplateColumn] = field(default_factory=dict)
    records: dict[int, RecordTarget] = field(default_factory=dict)
    custom: dict[int, CustomField] = field(default_factory=dict)
    date_formats: dict[int, str | None] = field(default_factory=dict)
    study_id: int | None = None
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    mapped: bool = False  # by the user's mapping (else by the template's names)
    # The columns whose cells decide something (plan_columns -> ColumnScan): "unnamed", "date", "datelist" or
    # "new field" (a custom field to add)
    scanned: dict[int, str] = field(default_factory=dict)
    # Transient stand-ins of existing custom fields for new cases, so that building a new case
    # never pulls it into the session through the field's list of values.
    stand_ins: dict[int, CustomField] = field(default_factory=dict)
    # Per coded target, the code of each written value met so far (None: it maps to none): the mapping is
    # asked once per distinct value, not once per cell (its synonyms are compared spelled out, per call).
    codes: dict[str, dict[str, str | None] | None] = field(default_factory=dict)  # None: not coded

    def custom_for(self, i: int, new_case: bool) -> CustomField:
        real = self.custom[i]
        if not new_case or real.id is None:
            return real
        if real.id not in self.stand_ins:
            self.stand_ins[real.id] = CustomField(id=real.id, name=real.name, kind=real.kind, choices=real.choices)
        return self.stand_ins[real.id]

    def header_of(self, template_name: str) -> str:
        """The file's column that fills a template column (the template name if none does)."""
        return next((self.header[i] for i, c in self.template.items() if c.name == template_name), template_name)


def infer_kind(values: list[Any], date_format: str | None, cells: int | None = None) -> NewField | None:
    """The kind of a new custom field its cells suggest (`values`: every cell, or the distinct ones of `cells`
    cells in all)."""
    present = [v for v in values if not tpl.is_blank(v)]
    count = len(present) if cells is None else cells

    def all_ok(parse: Callable[[Any], object]) -> bool:
        try:
            for v in present:
                parse(v)
        except ValueError:
            return False
        return True

    if not present:
        return None
    if all(str(v).strip().lower() in WORD_BOOLEANS for v in present):
        return NewField("", "yesno")
    if all_ok(lambda v: tpl.read_date(v, date_format or date_format_of(present))):
        return NewField("", "date")
    if all_ok(lambda v: tpl.parse_cell(tpl.BY_NAME["height_cm"], v, None)):
        return NewField("", "number")
    distinct = list(dict.fromkeys(str(v).strip() for v in present))
    if len(distinct) <= 12 and count >= 2 * len(distinct):
        return NewField("", "choice", tuple(distinct))
    return NewField("", "text")


def _target_for(name: str, mapping: ColumnMapping | None, existing: dict[str, CustomField],
                add_fields: bool) -> str | None:
    """The target of a column, or None if it has none (a problem)."""
    target = mapping.target_of(name) if mapping is not None else None
    if target is not None:
        return target
    if name.lower() in tpl.BY_NAME:
        return tpl.BY_NAME[name.lower()].name
    if record_target(name) is not None:
        return name
    if name.lower() in existing or add_fields:
        return CUSTOM
    return None


def plan_columns(session: Session, header: list[str], mapping: ColumnMapping | None, add_fields: bool,
                 problems: list[Problem]) -> Columns:
    """Each column's field, from the header and the mapping alone; what a column's cells decide (its date order,
    a new custom field's kind) is left to a ColumnScan of the rows and complete_columns."""
    existing = {f.name.lower(): f for f in session.scalars(select(CustomField))}
    mapped = Columns(header=[h.strip() for h in header], mapping=mapping or ColumnMapping(), mapped=mapping is not None)
    if mapping is not None:
        problems.extend(Problem(None, None, None, f"the mapping{f' {mapping.name}' if mapping.name else ''}: {p}")
                        for p in mapping.problems())
    seen: dict[str, int] = {}
    filled: dict[str, str] = {}  # canonical target -> column
    for i, name in enumerate(mapped.header):
        key = name.lower()
        if not name:
            mapped.scanned[i] = "unnamed"
            continue
        if key in seen:
            problems.append(Problem(None, name, None, f"the column appears twice (columns {seen[key] + 1} and {i + 1})"))
            continue
        seen[key] = i
        target = _target_for(name, mapping, existing, add_fields)
        if target is None:
            known = f" and not in the mapping {mapping.name}".rstrip() if mapping is not None else ""
            problems.append(Problem(None, name, None, f"unknown column: not in the case template{known} and not a "
                                    "custom field (rename it, or add it as a custom field: [[add-fields]])"))
            continue
        if target == IGNORE or target_problem(target):
            continue  # a wrong target is reported with the mapping's problems
        if target != CUSTOM:
            key_of = canonical(target)
            both_mapped = mapping is not None and key_of in filled and {filled[key_of], name} <= set(mapping.columns)
            if key_of in filled and not both_mapped:  # (two mapped columns: said with the mapping's problems)
                problems.append(Problem(None, name, None, f"columns {filled[key_of]} and {name} are both mapped to "
                                        f"{key_of}; map one of them to another field [[mapping]]"))
            if key_of in filled:
                continue
            filled[key_of] = name
        if target == CUSTOM:
            if key in existing:
                mapped.custom[i] = existing[key]
            elif (broken := name_rule(name)) is not None:
                problems.append(Problem(None, name, None, f"cannot be added as a custom field: {broken}"))
            else:
                mapped.scanned[i] = "new field"
            continue
        column = tpl.BY_NAME.get(canonical(target))
        if column is not None:
            if column.name == "study_id":
                mapped.study_id = i
            mapped.template[i] = column
            kind = column.kind
        else:
            record = record_target(target)
            assert record is not None
            mapped.records[i] = record
            kind = record.field.kind
        if kind in ("date", "datelist"):
            mapped.scanned[i] = kind
    return mapped


class ColumnScan:
    """What the cells of the columns plan_columns left open show, gathered a row at a time: whether an
    unnamed column has values, each date column's order (unless a date format was given), and the distinct
    cells (with their counts) of a column that becomes a new custom field, whose kind they decide."""

    def __init__(self, columns: Columns, date_format: str | None):
        self.date_format = date_format
        self.unnamed = [i for i, kind in columns.scanned.items() if kind == "unnamed"]
        self.filled: set[int] = set()
        self.orders = {i: DateOrder() for i, kind in columns.scanned.items()
                       if kind in ("date", "datelist", "new field") and not date_format}
        self.lists = {i for i, kind in columns.scanned.items() if kind == "datelist"}
        # per new field: each distinct cell (by type and value) with how many rows hold it
        self.cells: dict[int, dict[Any, list[Any]]] = {i: {} for i, kind in columns.scanned.items()
                                                       if kind == "new field"}

    def feed(self, row: list[Any]) -> None:
        for i in self.unnamed:
            if i not in self.filled and not tpl.is_blank(row[i]):
                self.filled.add(i)
        for i, order in self.orders.items():
            value = row[i]
            if i in self.lists and value:
                for part in str(value).split("|"):
                    order.feed(part)
            else:
                order.feed(value)
        for i, cells in self.cells.items():
            value = row[i]
            if not tpl.is_blank(value):
                key = (type(value), value if value.__hash__ is not None else str(value))
                if key in cells:
                    cells[key][1] += 1
                else:
                    cells[key] = [value, 1]

    def format_of(self, i: int) -> str | None:
        return self.date_format or self.orders[i].format


def complete_columns(mapped: Columns, scan: ColumnScan, problems: list[Problem], new_fields: list[NewField]) -> None:
    """The columns' date orders and new custom fields from the scan of their cells, and the problems of the
    columns as a whole."""
    for i, kind in mapped.scanned.items():
        name = mapped.header[i]
        if kind == "unnamed":
            if i in scan.filled:
                problems.append(Problem(None, f"#{i + 1}", None, "this column has values but no name"))
        elif kind == "new field":
            cells = scan.cells[i]
            values = [value for value, _count in cells.values()]
            guess = infer_kind(values, scan.format_of(i), sum(n for _value, n in cells.values())) \
                or NewField("", "text")
            new_fields.append(NewField(name, guess.kind, guess.choices))
            mapped.custom[i] = CustomField(name=name, kind=guess.kind, choices="\n".join(guess.choices) or None)
            mapped.date_formats[i] = scan.format_of(i)
        else:
            mapped.date_formats[i] = scan.format_of(i)
    kinds_by_flat = {FLAT_KIND[c.name]: mapped.header[i] for i, c in mapped.template.items() if c.name in FLAT_KIND}
    for i, record in mapped.records.items():
        if record.kind in kinds_by_flat:
            problems.append(Problem(None, mapped.header[i], None, f"fills the same records as the column "
                                    f"{kinds_by_flat[record.kind]}; map the records one way: numbered fields or the "
                                    "template's first-record column [[mapping]]"))
    if mapped.study_id is None and mapped.header:
        problems.append(Problem(None, "study_id", None, "the file has no study_id column" if not mapped.mapped
                                else "no column is mapped to study_id (the study ID is required) [[mapping]]"))


def _custom_text(custom: CustomField, value: Any, date_format: str | None) -> str | None:
    if tpl.is_blank(value):
        return None
    if custom.kind == "date":
        return tpl.parse_date(value, date_format).isoformat()
    if custom.kind == "number":
        return tpl.number_text(tpl.parse_cell(tpl.BY_NAME["height_cm"], value, None))
    if custom.kind == "yesno":
        return "yes" if tpl.parse_yesno(value) else "no"
    text = tpl.unneutralise(tpl.cell_text(value).strip())
    problem = custom_value_problem(custom, text)
    if problem:
        raise ValueError(problem.removeprefix(f"{custom.name} "))
    return text


def _set_custom(case: Case, custom: CustomField, text: str | None, held: dict[int, CustomValue]) -> None:
    """Set one custom value; held is the case's values by id(field), looked up once per row (not per column:
    8,000 custom columns would make that quadratic)."""
    current = held.get(id(custom))
    if current is not None:
        if text is None:
            case.custom_values.remove(current)
            del held[id(custom)]
        else:
            current.value = text
    elif text is not None:
        held[id(custom)] = value = tpl.new_record(case, CustomValue, field=custom, value=text)
        case.custom_values.append(value)


def shown(value: Any) -> str:
    return tpl.cell_text(value)


def _mapped_code(columns: Columns, target: str, value: Any) -> Any:
    """A coded cell's code by the mapping (or the known synonyms); ValueError if it maps to nothing."""
    if tpl.is_blank(value):
        return value
    if target not in columns.codes:
        columns.codes[target] = {} if target_codes(target) is not None else None
    known = columns.codes[target]
    if known is None:
        return value
    text = tpl.cell_text(value).strip()
    if text in known:
        code = known[text]
    else:
        code = known[text] = columns.mapping.code_for(target, text)
    if code is None:
        raise ValueError(unmapped_rule(target, text))
    return code


def _record_value(target: RecordTarget, value: Any, date_format: str | None) -> Any:
    if tpl.is_blank(value):
        return None
    if target.field.kind == "dose":
        return read_dose(tpl.cell_text(value))
    if target.field.kind == "druglist":
        return read_drug_list(tpl.cell_text(value), "IT" if target.attr == "intrathecal" else None)
    stand_in = tpl.TemplateColumn(target.key, target.field.kind, target.field.label, lambda _c: None,
                                  codes=target.field.codes)
    return tpl.parse_cell(stand_in, value, date_format)


def build_row(case: Case, number: int, row: list[Any], columns: Columns, problems: list[Problem],
              new_case: bool) -> dict[str, str]:
    """Write one row into the case; problems of its cells are appended. Field path -> column of the records."""
    values: dict[str, Any] = {}
    cells: dict[str, Any] = {}
    header = columns.header
    mapped_names = {c.name for c in columns.template.values()}
    for i, column in columns.template.items():
        if column.name == "study_id":
            continue
        cells[column.name] = row[i]
        try:
            typed = tpl.parse_cell(column, _mapped_code(columns, column.name, row[i]), columns.date_formats.get(i))
        except ValueError as exc:
            problems.append(Problem(number, header[i], shown(row[i]), f"{shown(row[i])!r} {exc}"))
            continue
        values[column.name] = typed
        if column.name == "disease_status" and "relapse_number" not in mapped_names and not tpl.is_blank(row[i]):
            stated = relapse_number_of(tpl.cell_text(row[i]))  # "3. Rezidiv": a relapse, the third
            if stated is not None:
                values["relapse_number"] = stated
                cells["relapse_number"] = row[i]
    for name, rule in tpl.put_values(case, values):  # every record found once, before anything is written
        problems.append(Problem(number, columns.header_of(name), shown(cells[name]), rule))
    record_cells: list[tuple[RecordTarget, str, Any]] = []
    for i, target in columns.records.items():
        try:
            typed = _record_value(target, _mapped_code(columns, target.key, row[i]), columns.date_formats.get(i))
        except ValueError as exc:
            problems.append(Problem(number, header[i], shown(row[i]), f"{shown(row[i])!r} {exc}"))
            continue
        record_cells.append((target, header[i], typed))
    paths = put_records(case, record_cells)
    held = {id(v.field): v for v in case.custom_values} if columns.custom else {}
    for i in columns.custom:
        custom = columns.custom_for(i, new_case)
        try:
            _set_custom(case, custom, _custom_text(custom, row[i], columns.date_formats.get(i)), held)
        except ValueError as exc:
            problems.append(Problem(number, custom.name, shown(row[i]), f"{shown(row[i])!r} {exc}"))
    names = {c.name: i for i, c in columns.template.items()}
    if "prior_hsct_count" in names and "prior_hsct_dates" in names:
        try:
            stated = tpl.parse_cell(tpl.BY_NAME["prior_hsct_count"], row[names["prior_hsct_count"]], None)
        except ValueError:
            stated = None  # reported above
        if stated is not None and len(case.prior_transplants) > stated:
            problems.append(Problem(number, header[names["prior_hsct_dates"]], shown(row[names["prior_hsct_dates"]]),
                                    f"lists more dates than prior_hsct_count ({stated})"))
    return paths
