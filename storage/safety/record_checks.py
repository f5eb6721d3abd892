"""Every record against the audit trail: was it created through Casebook, and is it as the trail last left it?

A case or a record inserted by SQL has no entry that created it; a value changed by SQL differs from the
value the trail last recorded. Read on a plain read-only sqlite3 connection, for ``verify``. Identifying
values are compared as salted hashes (storage.safety.audit), with the salt of their case.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from storage.record.models import Base, StudyInfo
from storage.safety.audit import (
    EVENT_ACTION,
    HASHED,
    IDENTIFYING_FIELDS,
    SALT_PREFIX,
    identity_digest,
    text_value,
)

SHOWN = 10


def _record_tables() -> dict[str, Any]:
    """The tables of the case record that have an integer id (all but study_info), by name."""
    return {t.name: t for t in Base.metadata.sorted_tables if t.name != StudyInfo.__tablename__ and "id" in t.c}


def listed(items: list[str]) -> str:
    """The first few of a list, and how many more (verify's lines stay readable)."""
    return ", ".join(items[:SHOWN]) + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _case_of_rows(conn: sqlite3.Connection, table: str) -> dict[int, int | None]:
    if table == "cases":
        return {i: i for (i,) in conn.execute("SELECT id FROM cases")}
    if table == "drug_administrations":
        return dict(conn.execute("SELECT d.id, c.case_id FROM drug_administrations d "
                                 "LEFT JOIN salvage_courses c ON c.id = d.course_id").fetchall())
    columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    if "case_id" in columns:
        return dict(conn.execute(f"SELECT id, case_id FROM {table}").fetchall())
    return {i: None for (i,) in conn.execute(f"SELECT id FROM {table}")}


def _trail_start(conn: sqlite3.Connection) -> tuple[bool, dict[str, int]]:
    """Whether the trail began with the database (a "created" event), and the records an upgrade found."""
    created = conn.execute("SELECT 1 FROM audit_log WHERE action = ? AND field = 'created' LIMIT 1",
                           (EVENT_ACTION,)).fetchone() is not None
    baseline: dict[str, int] = {}
    for (detail,) in conn.execute("SELECT new_value FROM audit_log WHERE action = ? AND field = 'upgrade'",
                                  (EVENT_ACTION,)):
        found = json.loads(detail or "{}").get("baseline") or {}
        baseline.update({str(k): int(v) for k, v in found.items()})
    return created or bool(baseline), baseline


def missing_creations(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(facts, problems): every case and every record of a case has the entry that created it (or its
    case's bulk-import entry, or it predates the trail by an upgrade's baseline)."""
    tracked, baseline = _trail_start(conn)
    if not tracked:
        return (["Creation entries: not checked (this database's trail began before Casebook recorded a "
                 "database's creation or upgrade)"], [])
    created: dict[tuple[str, int], int] = {}
    deleted: dict[tuple[str, int], int] = {}
    bulk_cases: set[int] = set()
    for entry_id, action, table, record_id, new_value in conn.execute(
            "SELECT id, action, table_name, record_id, new_value FROM audit_log "
            "WHERE action IN ('create', 'delete') AND record_id IS NOT NULL"):
        (created if action == "create" else deleted)[(table, record_id)] = entry_id
        # a bulk import's entry: keyed under the case's salt, or (imports before issue 14) a plain SHA-256
        if action == "create" and table == "cases" and (new_value or "").startswith(("salted-sha256:", "sha256:")):
            bulk_cases.add(record_id)
    problems = []
    total = 0
    for name, table in _record_tables().items():
        if not (name in ("cases", "drug_administrations") or "case_id" in table.c):
            continue  # study-level tables (endpoint definitions, custom fields) are seeded by migrations
        rows = _case_of_rows(conn, name)
        total += len(rows)
        missing = [rid for rid, case_id in rows.items()
                   if created.get((name, rid), 0) <= deleted.get((name, rid), 0)  # never created, or deleted since
                   and case_id not in bulk_cases and rid > baseline.get(name, 0)]
        if missing:
            problems.append(f"{len(missing)} record(s) of {name} have no audit entry that created them (inserted "
                            f"outside Casebook): id {listed([str(i) for i in sorted(missing)])}")
    facts = [] if problems else [f"Creation entries: all {total} records of the cases have the audit entries "
                                 "that created them"]
    return facts, problems


def _same(stored: Any, recorded: str | None, type_name: str) -> bool:
    if stored is None or recorded is None:
        return stored is None and recorded is None
    if type_name == "BOOLEAN":
        return ("yes" if stored else "no") == recorded
    if type_name == "FLOAT":
        try:
            return float(stored) == float(recorded)
        except ValueError:
            return False
    return text_value(stored) == recorded


def changed_values(conn: sqlite3.Connection) -> list[str]:
    """Values of every record but the cases' own (storage.safety.trail_checks checks those) that differ
    from the last value the trail records for them: changed outside Casebook."""
    salts = {key.removeprefix(SALT_PREFIX): value for key, value in
             conn.execute("SELECT key, value FROM study_info WHERE key LIKE ?", (SALT_PREFIX + "%",))}
    changed: list[str] = []
    for name, table in _record_tables().items():
        if name == "cases":
            continue
        known: dict[int, dict[str, str | None]] = {}
        names = [c.name for c in table.columns if c.name != "id"]
        for action, record_id, field, new_value in conn.execute(
                "SELECT action, record_id, field, new_value FROM audit_log WHERE table_name = ? "
                "AND record_id IS NOT NULL ORDER BY id", (name,)):
            if action == "create":
                values = json.loads(new_value) if (new_value or "").startswith("{") else None
                known[record_id] = {n: values.get(n) for n in names} if values is not None else {}
            elif action == "update" and field:
                known.setdefault(record_id, {})[field] = new_value
            elif action == "delete":
                known.pop(record_id, None)
        if not known:
            continue
        types = {c.name: str(c.type).split("(")[0] for c in table.columns}
        hashed = IDENTIFYING_FIELDS.get(name, frozenset())
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({name})")]
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM {name}"):
            current = dict(zip(columns, row, strict=True))
            for field, value in known.get(current["id"], {}).items():
                if field not in current:
                    continue
                stored = current[field]
                if field in hashed and (value or "").startswith(HASHED):
                    salt = salts.get(str(current.get("case_id")))
                    same = salt is not None and identity_digest(salt, text_value(stored)) == value
                else:
                    same = _same(stored, value, types.get(field, ""))
                if not same:
                    changed.append(f"{name} {current['id']} {field}")
    if not changed:
        return []
    return [f"{len(changed)} record value(s) differ from the last value the audit trail records "
            f"(changed outside Casebook): {listed(changed)}"]
