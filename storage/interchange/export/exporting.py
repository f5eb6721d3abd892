"""Exporting a database: the flat case template, the long format, SPSS and Stata.

The flat export is exactly what the import reads, so export -> import round-trips. The long
format holds every record (one table per kind of record) with coded values and readable
labels. Exports carry the latest data freeze's label; a de-identified export leaves out every
identifier and free text, codes the study IDs and shifts or relativises the dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Date, String, select
from sqlalchemy import Table as SqlTable
from sqlalchemy.orm import Session, selectinload

from storage.interchange import case_template as tpl
from storage.interchange.export import export_writers as writers
from storage.interchange.export.deidentify import Deidentifier
from storage.interchange.export.export_writers import CODED, Table
from storage.interchange.export.export_writers import ExportError as ExportError  # re-exported for callers
from storage.interchange.export.identifier_scan import IdentifierFound, scan_rows
from storage.record.codes import best_response
from storage.record.models import Base, Case, CustomField, SalvageCourse
from storage.record.study_settings import get_setting, put_setting
from storage.safety.anchors import record_anchor, trail_head
from storage.safety.audit import os_user
from storage.safety.freeze import freeze_label

FORMATS = ("csv", "xlsx", "sav", "dta")
Progress = Callable[[int, int, str], None]

FREE_TEXT = frozenset({"notes", "prior_therapies", "best_response_override_reason", "dose_modification", "note",
                       "description", "cause_detail"})
IDENTIFYING_TABLES = frozenset({"identities"})
SKIP_COLUMNS = frozenset({"id", "case_id", "course_id", "field_id"})
# Text columns that hold a fixed code although the long format gives them no label.
CODED_TEXT = frozenset({"timing"})
SAFE_FIELDS_SETTING = ("study", "deid_safe_fields")  # study_settings: fields the user marked safe to export


def safe_fields(session: Session, options: ExportOptions) -> frozenset[str]:
    """Free-text and custom fields the user marked safe for de-identified exports (stored, or for this export)."""
    stored = get_setting(session, *SAFE_FIELDS_SETTING) or []
    return frozenset(str(name) for name in stored) | options.safe_fields


def mark_fields_safe(session: Session, names: list[str]) -> None:
    """Store which free-text or custom fields de-identified exports may carry (checked for identifiers still)."""
    put_setting(session, *SAFE_FIELDS_SETTING, sorted(set(names)))


def _free_text_column(column: tpl.TemplateColumn) -> bool:
    """A flat column that may hold anything typed: free text, or a text (list) column without codes."""
    return column.free_text or (column.kind in ("text", "list") and not column.codes and column.name != "study_id")


@dataclass(frozen=True)
class ExportOptions:
    fmt: str = "csv"
    long: bool = False
    deidentify: bool = False
    date_mode: str = "shift"  # de-identified dates: "shift" or "days" (from time zero)
    overwrite: bool = False  # replace an existing export file (never a database)
    safe_fields: frozenset[str] = frozenset()  # de-identified: free-text or custom fields to keep, this export only


@dataclass
class ExportResult:
    paths: list[Path] = field(default_factory=list)
    cases: int = 0
    about: list[str] = field(default_factory=list)


def load_cases(session: Session) -> list[Case]:
    """Every case with all its records, in study-ID order (a handful of queries, not one per case)."""
    rels = ("identity", "findings", "prior_transplants", "assessments", "transplants", "complications",
            "subsequent_therapies", "relapses", "death")
    query = select(Case).order_by(Case.study_id).options(
        *(selectinload(getattr(Case, r)) for r in rels),
        selectinload(Case.courses).selectinload(SalvageCourse.drugs),
        selectinload(Case.custom_values),
    )
    return list(session.scalars(query))


def flat_table(session: Session, cases: list[Case], deid: Deidentifier | None = None,
               safe: frozenset[str] = frozenset()) -> Table:
    """The flat case template: header and one row of typed values per case."""
    # De-identified: no free text and no custom field unless marked safe. Any kind of custom field can
    # hold an identifier (an "mrn" number, an "initials" choice).
    fields = list(session.scalars(select(CustomField).order_by(CustomField.name)))
    if deid:
        fields = [f for f in fields if f.name in safe]
    columns = [c for c in tpl.COLUMNS
               if not (deid and (c.identifying or (_free_text_column(c) and c.name not in safe)))]
    header = [c.name for c in columns] + [f.name for f in fields]
    rows = []
    for case in cases:
        custom = {v.field_id: v.value for v in case.custom_values}
        row: list[Any] = []
        for column in columns:
            value = column.get(case)
            if deid:
                value = deid.study_id(case) if column.name == "study_id" else deid.value(case, value)
            row.append(value)
        for f in fields:
            value = custom.get(f.id)
            if f.kind == "date" and value:
                value = dt.date.fromisoformat(value)
                value = deid.value(case, value) if deid else value
            elif f.kind == "number" and value:
                value = float(value)
            row.append(value)
        rows.append(row)
    return header, rows


def _records(case: Case) -> dict[str, list[Any]]:
    return {
        "identities": [case.identity] if case.identity else [],
        "cytogenetic_findings": case.findings, "prior_transplants": case.prior_transplants,
        "salvage_courses": case.courses, "drug_administrations": [d for c in case.courses for d in c.drugs],
        "response_assessments": case.assessments, "transplants": case.transplants,
        "complications": case.complications, "subsequent_therapies": case.subsequent_therapies,
        "relapses": case.relapses, "deaths": [case.death] if case.death else [],
    }


def _with_labels(names: list[str]) -> list[str]:
    out = []
    for name in names:
        out.append(name)
        if name in CODED:
            out.append(f"{name}_label")
    return out


def _long_free_text(mapper: Any) -> set[str]:
    """Text columns of a record without a fixed code list: what a user may type anything into."""
    return {a.key for a in mapper.column_attrs if isinstance(a.columns[0].type, String)
            and a.key not in CODED and a.key not in CODED_TEXT and a.key != "study_id"}


def long_tables(session: Session, cases: list[Case], deid: Deidentifier | None = None,
                safe: frozenset[str] = frozenset()) -> dict[str, Table]:
    """One table per kind of record, each row keyed by study ID, coded values followed by labels."""
    by_name = {cast(SqlTable, m.local_table).name: m for m in Base.registry.mappers}
    specs: dict[str, list[str]] = {}
    dates: set[str] = set()
    for name in ("cases", *_records(Case(study_id="")).keys()):
        if deid and name in IDENTIFYING_TABLES:
            continue
        mapper = by_name[name]
        cols = [a.key for a in mapper.column_attrs if a.key not in SKIP_COLUMNS and a.key != "study_id"]
        dates.update(a.key for a in mapper.column_attrs if isinstance(a.columns[0].type, Date))
        if deid:
            free = FREE_TEXT | _long_free_text(mapper)
            cols = [c for c in cols if c not in free or f"{name}.{c}" in safe]
        if name == "cases":
            cols += ["time_zero", "age_at_time_zero", "best_response"]
        if name == "drug_administrations":
            cols = ["course_number", *cols, "total_dose", "total_dose_unit"]
        specs[name] = cols
    tables: dict[str, Table] = {n: (["study_id", *_with_labels(cols)], []) for n, cols in specs.items()}
    for case in cases:
        sid = deid.study_id(case) if deid else case.study_id
        extra = {"time_zero": case.time_zero, "age_at_time_zero": tpl.BY_NAME["age_at_time_zero"].get(case),
                 "best_response": best_response([a.response for a in case.assessments if a.timing != "pre"])}
        groups = {"cases": [case], **_records(case)}
        for name, cols in specs.items():
            for record in groups[name]:
                values: dict[str, Any] = {c: getattr(record, c, None) for c in cols}
                if name == "cases":
                    values.update(extra)
                elif name == "drug_administrations":
                    total = record.total
                    values.update(course_number=record.course.course_number,
                                  total_dose=None if total is None else round(total[0], 3),
                                  total_dose_unit=None if total is None else total[1])
                row: list[Any] = [sid]
                for c in cols:
                    value = values[c]
                    if deid and (c in dates or c == "time_zero"):
                        value = deid.value(case, value)
                    row.append(value)
                    if c in CODED:
                        row.append(CODED[c].get(value, "") if value is not None else None)
                tables[name][1].append(row)
    fields = {f.id: f for f in session.scalars(select(CustomField)) if not deid or f.name in safe}
    if deid and not fields:
        return tables  # no custom fields in a de-identified export unless marked safe (see flat_table)
    custom_rows = []
    for case in cases:
        for v in case.custom_values:
            if v.field_id not in fields:
                continue
            f = fields[v.field_id]
            text = v.value
            if deid and f.kind == "date" and v.value:
                text = str(deid.value(case, dt.date.fromisoformat(v.value)))
            custom_rows.append([deid.study_id(case) if deid else case.study_id, f.name, f.kind, text])
    tables["custom_values"] = (["study_id", "field", "kind", "value"], custom_rows)
    return tables


def _freeze_line(session: Session) -> str:
    label = freeze_label(session)
    if label is None:
        return "No data freeze: the dataset was not frozen before this export."
    return label if label.endswith(".") else label + "."


def about_lines(session: Session, options: ExportOptions, cases: int, deid: Deidentifier | None) -> list[str]:
    lines = [
        f"Casebook export, {dt.datetime.now():%Y-%m-%d %H:%M} by {os_user()}",
        f"{cases} cases; {'long format (one table per record)' if options.long else 'flat case template'}",
        deid.describe() if deid else "identified: contains names, hospital numbers and dates of birth",
        _freeze_line(session),
    ]
    database = _database_path(session)
    head = trail_head(database) if database is not None else None
    if head is not None:  # the trail's head at export: verify checks it is still there (anchors)
        lines.append(head.line())
    return lines


SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".sav": "sav", ".dta": "dta"}
DATABASE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3", ".db3", ".wal", ".shm", ".lock", ".partial"})
SQLITE_HEADER = b"SQLite format 3\x00"


def _database_path(session: Session) -> Path | None:
    name = session.get_bind().engine.url.database
    return Path(name).resolve() if name and name != ":memory:" else None


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_target(out: Path, options: ExportOptions, database: Path | None) -> Path:
    """The export's target with symlinks resolved, or ExportError if writing there could destroy data.

    Never the database, its -wal/-shm/-journal/lock files or its backups, nor any SQLite file;
    an existing file only with ``options.overwrite``; the suffix must fit the format.
    """
    folder_export = options.long and options.fmt == "csv"
    if not str(out).strip() or (out == Path(".") and not folder_export):
        raise ExportError(f"no output file given; name the file to write, e.g. cases.{options.fmt}")
    target = Path(out).expanduser().resolve()
    if database is not None:
        forbidden = {database, *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal", ".lock"))}
        if target in forbidden:
            raise ExportError(f"{out} is the database {database.name} (or one of its files); "
                              "an export must go to another file")
        if database.parent / "backups" in (target, *target.parents):
            raise ExportError(f"{out} is in the backups folder of {database.name}; choose another place")
    if folder_export:
        return target
    suffix = target.suffix.lower()
    if suffix in DATABASE_SUFFIXES:
        raise ExportError(f"{out} has the suffix {suffix} of a database file; name the export e.g. cases.{options.fmt}")
    if SUFFIXES.get(suffix, options.fmt) != options.fmt:
        raise ExportError(f"{out} ends in {suffix}, but the format is {options.fmt}; "
                          f"name the file .{options.fmt} or choose the format {SUFFIXES[suffix]}")
    if target.is_dir():
        raise ExportError(f"{out} is a folder; name the file to write in it, e.g. cases.{options.fmt}")
    folder = next((p for p in target.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise ExportError(f"cannot write {out}: {folder} is a file, not a folder")
    targets = [target]
    if options.fmt == "csv" and not options.long:
        targets.append(target.with_name(target.stem + ".about.txt"))
    for path in targets:
        if path.exists() or path.is_symlink():
            if _is_sqlite(path):
                raise ExportError(f"{path} is an SQLite database; Casebook never overwrites one with an export")
            if path.is_dir():
                raise ExportError(f"{path} is a folder; choose another file name")
            if not options.overwrite:
                raise ExportError(f"{path} already exists; choose another name, or overwrite it "
                                  "(--overwrite on the command line)")
    return target


def export_database(session: Session, out: Path, options: ExportOptions = ExportOptions(),
                    progress: Progress | None = None) -> ExportResult:
    """Write the export; a de-identified one first creates missing keys in the session's transaction."""
    if options.fmt not in FORMATS:
        raise ExportError(f"unknown format {options.fmt!r}; use one of {', '.join(FORMATS)}")
    if options.long and options.fmt in ("sav", "dta"):
        raise ExportError("the long format is written as xlsx (one sheet per table) or csv (a folder of tables)")
    out = check_target(Path(out), options, _database_path(session))
    if progress:
        progress(0, 3, "reading cases")
    cases = load_cases(session)
    deid = Deidentifier(session, cases, options.date_mode) if options.deidentify else None
    safe = safe_fields(session, options) if deid else frozenset()
    if deid:  # in code order: the study-ID order would let row positions give the key away
        cases.sort(key=deid.study_id)
        if deid.created:
            # The key is committed before any file that uses it appears: a file whose codes no key
            # can map back would orphan the statistician's questions.
            session.commit()
    result = ExportResult(cases=len(cases))
    result.about = about_lines(session, options, len(cases), deid)
    if progress:
        progress(1, 3, "building tables")
    try:
        if options.long:
            tables = long_tables(session, cases, deid, safe)
            if deid:
                by_code = {deid.study_id(c): c for c in cases}
                for name, (header, rows) in tables.items():
                    scan_rows(name, header, ((by_code[row[0]], row) for row in rows))
            result.paths = writers.write_long(out, tables, options.fmt, result.about)
        else:
            header, rows = flat_table(session, cases, deid, safe)
            if deid:
                scan_rows("cases", header, zip(cases, rows, strict=True))
            result.paths = writers.write_flat(out, header, rows, options.fmt, result.about,
                                              date_mode=options.date_mode if deid else None)
    except IdentifierFound as exc:
        raise ExportError(str(exc)) from None
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from exc
    database = _database_path(session)
    if database is not None:
        record_anchor(database, f"export to {out.name}")
    if progress:
        progress(3, 3, "done")
    return result
