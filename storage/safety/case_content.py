"""A bulk-imported case's content as stored, as one keyed hash: what lets ``verify`` check every value of a
case the bulk import wrote without an audit entry per record.

The bulk import (storage.interchange.imports.bulk_insert) writes a case's records with Core inserts and one
audit entry for the whole case. Into that entry goes, besides the keyed hash of the imported row, a keyed
hash of the records as written: every column of every record (ids and links left out), in a canonical text,
under the case's own audit salt (so it proves nothing once the case and its salt are deleted). ``verify``
computes the same from the database: a value changed, a record added or removed by SQL no longer gives it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table

from storage.record.models import Base
from storage.safety.record_checks import listed

CONTENT_MARK = "content "  # in the create entry: "... content salted-sha256:<hex>"
_FOUND = re.compile(r"content salted-sha256:([0-9a-f]{64})")
_LINKS = frozenset({"id", "case_id", "course_id"})
COURSES, DRUGS, CUSTOM = "salvage_courses", "drug_administrations", "custom_values"


def _tables() -> dict[str, Table]:
    return {t.name: t for t in Base.metadata.sorted_tables}


def _value(type_name: str, value: Any) -> str | None:
    if value is None:
        return None
    if type_name == "BOOLEAN":
        return "yes" if bool(int(value)) else "no"
    if type_name == "FLOAT":
        return repr(float(value))
    if type_name == "INTEGER":
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_COLUMN_TYPES: dict[str, list[tuple[str, str]]] = {}  # table -> (column, type name): worked out once per table


def _columns(table: Table) -> list[tuple[str, str]]:
    """The columns record_text writes, with their type names. Naming a type compiles it against a default
    dialect (str(column.type)); done per value it took a third of a 50,000-row import."""
    found = _COLUMN_TYPES.get(table.name)
    if found is None:
        found = _COLUMN_TYPES[table.name] = [(c.name, str(c.type).split("(")[0])
                                            for c in table.columns if c.name not in _LINKS]
    return found


def record_text(table: Table, values: Mapping[str, Any]) -> str:
    """One record in the canonical text: every column but the ids and links, by name."""
    return json.dumps([[name, _value(kind, values.get(name))] for name, kind in _columns(table)],
                      ensure_ascii=False)


def content_digest(salt: str, case: str, children: Iterable[tuple[str, str]], courses: Iterable[tuple[str, list[str]]],
                   custom: Iterable[tuple[int, str | None]]) -> str:
    """The keyed hash of a case's canonical records (each list in any order: they are sorted here)."""
    content = json.dumps([case, sorted(children), sorted([c, sorted(d)] for c, d in courses),
                          sorted([int(f), v] for f, v in custom)], ensure_ascii=False)
    return hmac.new(bytes.fromhex(salt), content.encode("utf-8"), hashlib.sha256).hexdigest()


def recorded_digest(new_value: str | None) -> str | None:
    found = _FOUND.search(new_value or "")
    return found.group(1) if found else None


def stored_digests(conn: sqlite3.Connection, salts: Mapping[int, str]) -> dict[int, str]:
    """The content digest of each case in ``salts`` (case id -> salt) as the database holds it now."""
    tables = _tables()
    wanted = set(salts)
    children: dict[int, list[tuple[str, str]]] = defaultdict(list)
    drugs: dict[int, list[str]] = defaultdict(list)
    courses: dict[int, list[tuple[int, str]]] = defaultdict(list)
    custom: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    cases: dict[int, str] = {}
    for name, table in tables.items():
        columns = [c.name for c in table.columns]
        if "case_id" not in columns and name not in ("cases", DRUGS):
            continue
        for row in conn.execute(f'SELECT {", ".join(columns)} FROM "{name}"'):
            values = dict(zip(columns, row, strict=True))
            if name == DRUGS:
                drugs[int(values["course_id"])].append(record_text(table, values))
                continue
            case_id = int(values["id"] if name == "cases" else values["case_id"])
            if case_id not in wanted:
                continue
            if name == "cases":
                cases[case_id] = record_text(table, values)
            elif name == COURSES:
                courses[case_id].append((int(values["id"]), record_text(table, values)))
            elif name == CUSTOM:
                custom[case_id].append((int(values["field_id"]), values["value"]))
            elif name in ("deid_keys",) or "id" not in columns:
                continue  # not case data the import writes
            else:
                children[case_id].append((name, record_text(table, values)))
    return {case_id: content_digest(salt, cases.get(case_id, ""), children[case_id],
                                    [(text, drugs.get(course_id, [])) for course_id, text in courses[case_id]],
                                    custom[case_id])
            for case_id, salt in salts.items()}


def changed_bulk_cases(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(facts, problems): every bulk-imported case not edited since holds exactly what the import wrote.

    A case edited through Casebook since has per-field entries for what changed, which
    storage.safety.record_checks compares; its content as imported is no longer what it holds, so it is
    counted apart, not checked here."""
    imported: dict[int, tuple[int, str, str]] = {}  # case id -> (entry id, study id, digest)
    for entry_id, record_id, study_id, new_value in conn.execute(
            "SELECT id, record_id, study_id, new_value FROM audit_log WHERE action = 'create' "
            "AND table_name = 'cases' AND new_value LIKE '%content salted-sha256:%'"):
        digest = recorded_digest(new_value)
        if digest is not None:
            imported[int(record_id)] = (int(entry_id), str(study_id), digest)
    if not imported:
        return [], []
    newest = {str(s): int(i) for s, i in conn.execute(
        "SELECT study_id, max(id) FROM audit_log WHERE study_id IS NOT NULL GROUP BY study_id")}
    salts = {int(k.removeprefix("audit_salt:")): str(v) for k, v in conn.execute(
        "SELECT key, value FROM study_info WHERE key LIKE 'audit_salt:%'")}
    existing = {int(i) for (i,) in conn.execute("SELECT id FROM cases")}
    unchanged = {case_id: salts[case_id] for case_id, (entry, study_id, _d) in imported.items()
                 if case_id in existing and case_id in salts and newest.get(study_id, 0) <= entry}
    now = stored_digests(conn, unchanged)
    changed = sorted(imported[case_id][1] for case_id, digest in now.items() if digest != imported[case_id][2])
    edited = len([c for c in imported if c in existing]) - len(unchanged)
    facts = [f"Bulk-imported cases: {len(unchanged) - len(changed)} hold exactly what the import wrote"
             + (f"; {edited} edited in Casebook since (checked by their later entries)" if edited else "")]
    if not changed:
        return facts, []
    return facts, [f"{len(changed)} bulk-imported case(s) no longer hold what the import wrote, and the audit "
                   f"trail records no change to them (changed outside Casebook): {listed(changed)}"]
