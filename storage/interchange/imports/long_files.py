"""The long format's files: one sheet per kind of record in an XLSX, or one CSV per kind in a folder or a
zip, as `export --long` writes them. Each kind's columns are the record's own (coded values, with the
export's *_label columns and derived columns read past) plus the study ID that joins it to its case.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Boolean, Date, Float, Integer
from sqlalchemy import Table as SqlTable

from storage.interchange.table_files import (
    MAX_BYTES,
    Problem,
    RawTable,
    UnreadableFile,
    check_lines,
    csv_table,
    finish,
    is_xlsx,
)
from storage.interchange.xlsx_sheets import read_all_sheets, sheet_names
from storage.record.models import Base

KINDS = ("cases", "identities", "cytogenetic_findings", "prior_transplants", "salvage_courses",
         "drug_administrations", "response_assessments", "transplants", "complications", "subsequent_therapies",
         "relapses", "deaths", "custom_values")
SKIPPED_SHEETS = frozenset({"about"})
SKIP_COLUMNS = frozenset({"id", "case_id", "course_id", "field_id"})
DERIVED = {"cases": frozenset({"time_zero", "age_at_time_zero", "best_response"}),
           "drug_administrations": frozenset({"total_dose", "total_dose_unit"})}
CUSTOM_COLUMNS = ("study_id", "field", "kind", "value")


@dataclass(frozen=True)
class LongColumn:
    name: str
    kind: str  # "date", "float", "int", "yesno", "text"
    required: bool = False


def kind_columns() -> dict[str, dict[str, LongColumn]]:
    """Each kind's importable columns (besides study_id), from the record's model."""
    by_name = {cast(SqlTable, m.local_table).name: m for m in Base.registry.mappers}
    out: dict[str, dict[str, LongColumn]] = {}
    for kind in KINDS[:-1]:
        columns: dict[str, LongColumn] = {}
        for attr in by_name[kind].column_attrs:
            if attr.key in SKIP_COLUMNS or attr.key == "study_id":
                continue
            sql = attr.columns[0]
            kind_of = ("date" if isinstance(sql.type, Date) else "yesno" if isinstance(sql.type, Boolean) else
                       "float" if isinstance(sql.type, Float) else "int" if isinstance(sql.type, Integer) else "text")
            columns[attr.key] = LongColumn(attr.key, kind_of, required=not sql.nullable)
        if kind == "drug_administrations":
            columns = {"course_number": LongColumn("course_number", "int", True), **columns}
        out[kind] = columns
    return out


def is_long(path: Path) -> bool:
    """A folder or zip of record tables, or a workbook with a sheet per record kind (beyond 'cases')."""
    path = Path(path)
    if path.is_dir():
        return True
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    if not is_xlsx(path, head):
        return False
    names = set(sheet_names(path))
    return "cases" in names and bool(names & set(KINDS[1:]))


def _fail(rule: str) -> UnreadableFile:
    return UnreadableFile([Problem(None, None, None, rule)])


def read_long(path: Path) -> dict[str, RawTable]:
    """The record tables by kind; UnreadableFile naming what cannot be read (an unknown sheet is a problem)."""
    path = Path(path)
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    if path.is_dir():
        files = {p.stem: p for p in sorted(path.glob("*.csv"))}
        for stem, file in files.items():
            if stem in SKIPPED_SHEETS:
                continue
            try:
                check_lines(file)
                tables[stem] = finish(csv_table(file.name, file.read_bytes()))
            except UnreadableFile as exc:
                problems.extend(Problem(p.row, p.column, p.value, p.rule, stem) for p in exc.problems)
    elif path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    name = Path(info.filename)
                    if info.is_dir() or name.suffix.lower() != ".csv" or name.stem in SKIPPED_SHEETS:
                        continue
                    if info.file_size > MAX_BYTES:
                        raise _fail(f"{info.filename} in {path.name} is larger than {MAX_BYTES // 1_000_000} MB")
                    try:
                        tables[name.stem] = finish(csv_table(name.name, archive.read(info)))
                    except UnreadableFile as exc:
                        problems.extend(Problem(p.row, p.column, p.value, p.rule, name.stem) for p in exc.problems)
        except (zipfile.BadZipFile, OSError) as exc:
            raise _fail(f"{path.name} is not a readable zip file: {exc}") from None
    else:
        tables = {name: table for name, table in read_all_sheets(path).items() if name not in SKIPPED_SHEETS}
    if problems:
        raise UnreadableFile(problems)
    if "cases" not in tables and not tables:
        raise _fail(f"{path.name} holds no record tables (cases, salvage_courses, drug_administrations, ...)")
    return tables


def check_columns(kind: str, table: RawTable, known: dict[str, LongColumn]) -> list[Problem]:
    """Unknown or missing columns of one table."""
    problems: list[Problem] = []
    header = [h.strip() for h in table.header]
    allowed = set(CUSTOM_COLUMNS) if kind == "custom_values" else {"study_id", *known, *DERIVED.get(kind, ())}
    for name in header:
        if name and name not in allowed and not (name.endswith("_label") and name[:-6] in allowed):
            problems.append(Problem(None, name, None, f"unknown column: not a field of {kind}", kind))
    needed = CUSTOM_COLUMNS if kind == "custom_values" else ["study_id", *(c.name for c in known.values() if c.required)]
    for name in needed:
        if name not in header:
            problems.append(Problem(None, name, None, f"the sheet has no {name} column", kind))
    return problems


def cell(table: RawTable, row: list[Any], name: str) -> Any:
    header = [h.strip() for h in table.header]
    return row[header.index(name)] if name in header else None
