"""Writing many new, already-checked cases with Core inserts instead of the ORM's unit of work.

The ORM needs about a second per thousand cases to sort out a dozen related objects each;
executemany with RETURNING does the same in a fraction of that. The cases were built as plain records
(storage.interchange.imports.light_records) and checked by storage.record.rules.check_case first, then
handed over as plain rows (CaseRows); here they are written in the caller's transaction, with one audit
entry per case carrying a keyed SHA-256 of the row it came from under the case's own audit salt, which
is stored with the case (study_info) and deleted with it (storage.safety.audit).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, insert, inspect

from storage.record.models import Case, CustomField, CustomValue, DrugAdministration, SalvageCourse
from storage.safety.audit import HASHED, append_entries, now_utc, os_user, store_salts
from storage.safety.case_content import CONTENT_MARK, content_digest, record_text

CHUNK = 2000


@dataclass
class CaseRows:
    """One new case as plain rows: the case, its records by table, its courses with their drugs."""

    study_id: str
    salt: str  # the case's audit salt (hex), stored with the case
    digest: str  # HMAC-SHA-256 of the imported row(s) under the salt (storage.safety.audit.row_hasher)
    case: dict[str, Any]
    children: list[tuple[Table, dict[str, Any]]] = field(default_factory=list)
    courses: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
    custom: list[tuple[CustomField, str | None]] = field(default_factory=list)


def _table(cls: type) -> Table:
    table: Any = inspect(cls).local_table
    assert isinstance(table, Table)
    return table


def insert_cases(connection: Connection, cases: list[CaseRows], reason: str) -> None:
    """Insert the cases and their records, and an audit entry per case, in the open transaction."""
    cases_table, courses_table, drugs_table = _table(Case), _table(SalvageCourse), _table(DrugAdministration)
    custom_table = _table(CustomValue)
    user = os_user()
    for start in range(0, len(cases), CHUNK):
        chunk = cases[start:start + CHUNK]
        ids = connection.execute(insert(cases_table).returning(cases_table.c.id, sort_by_parameter_order=True),
                                 [c.case for c in chunk]).scalars().all()
        by_table: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        courses: list[dict[str, Any]] = []
        drugs: list[list[dict[str, Any]]] = []
        for case_id, rows in zip(ids, chunk, strict=True):
            for table, values in rows.children:
                by_table[table].append({**values, "case_id": case_id})
            for course, course_drugs in rows.courses:
                courses.append({**course, "case_id": case_id})
                drugs.append(course_drugs)
            for custom, value in rows.custom:
                by_table[custom_table].append({"case_id": case_id, "field_id": custom.id, "value": value})
        for table, table_rows in by_table.items():
            connection.execute(insert(table), table_rows)
        if courses:
            course_ids = connection.execute(
                insert(courses_table).returning(courses_table.c.id, sort_by_parameter_order=True), courses
            ).scalars().all()
            drug_rows = [{**d, "course_id": cid} for cid, group in zip(course_ids, drugs, strict=True) for d in group]
            if drug_rows:
                connection.execute(insert(drugs_table), drug_rows)
        at = now_utc()
        store_salts(connection, {case_id: rows.salt for case_id, rows in zip(ids, chunk, strict=True)})
        append_entries(connection, [
            {"at": at, "os_user": user, "action": "create", "table_name": "cases", "record_id": case_id,
             "study_id": rows.study_id, "field": None, "old_value": None,
             "new_value": f"{HASHED}{rows.digest} (the imported row, keyed with the case's salt; all records "
                          f"of the case); {CONTENT_MARK}{HASHED}{_content(rows)}", "reason": reason}
            for case_id, rows in zip(ids, chunk, strict=True)
        ])


def _content(rows: CaseRows) -> str:
    """The keyed hash of the records as written (storage.safety.case_content), for verify to recompute."""
    courses, drugs = _table(SalvageCourse), _table(DrugAdministration)
    return content_digest(rows.salt, record_text(_table(Case), rows.case),
                          [(table.name, record_text(table, values)) for table, values in rows.children],
                          [(record_text(courses, course), [record_text(drugs, d) for d in course_drugs])
                           for course, course_drugs in rows.courses],
                          [(custom.id, value) for custom, value in rows.custom])
