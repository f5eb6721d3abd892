"""Checking the audit trail on a plain read-only sqlite3 connection: the hash chain, the append-only
triggers, and the data against the trail (cases deleted or values changed outside Casebook).

Apart from storage.safety.audit, which writes the trail, so that each stays a readable size.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.record.models import Case
from storage.safety.audit import CONTENT_FIELDS, GENESIS, entry_hash, text_value


@dataclass(frozen=True)
class ChainReport:
    entries: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(conn: sqlite3.Connection) -> ChainReport:
    """Recompute the hash chain of the audit trail on a plain (read-only) sqlite3 connection."""
    problems: list[str] = []
    prev = GENESIS
    count = 0
    last_id = 0
    query = f"SELECT id, {', '.join(CONTENT_FIELDS)}, prev_hash, hash FROM audit_log ORDER BY id"
    for row in conn.execute(query):
        count += 1
        entry_id, content, stored_prev, stored = row[0], row[1:11], row[11], row[12]
        if entry_id != last_id + 1:
            problems.append(f"audit entries {last_id + 1}..{entry_id - 1} are missing")
        if stored_prev != prev:
            problems.append(f"audit entry {entry_id}: the link to the previous entry is broken")
        if entry_hash(stored_prev, content) != stored:
            problems.append(f"audit entry {entry_id}: its content does not match its hash (changed after writing)")
        prev, last_id = stored, entry_id
    problems += _trigger_problems(conn)
    problems += _vanished_cases(conn)
    problems += _changed_case_values(conn)
    return ChainReport(count, problems)


# The append-only triggers exactly as migration 0002 creates them (a test keeps the two equal).
APPEND_ONLY_TRIGGERS = {
    "audit_log_no_update": "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                           "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be changed'); END",
    "audit_log_no_delete": "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                           "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be deleted'); END",
}


def _normalised_sql(sql: str | None) -> str:
    return " ".join((sql or "").replace("(", " ( ").replace(")", " ) ").replace(";", " ; ").split())


def _trigger_problems(conn: sqlite3.Connection) -> list[str]:
    """Each append-only trigger present, on audit_log, with exactly its original definition."""
    found = {name: (table, sql) for name, table, sql in
             conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type='trigger'")}
    problems = []
    for name, expected in APPEND_ONLY_TRIGGERS.items():
        if name not in found:
            problems.append(f"the append-only trigger {name} has been removed")
        elif found[name][0] != "audit_log" or _normalised_sql(found[name][1]) != _normalised_sql(expected):
            problems.append(f"the append-only trigger {name} has been replaced by another definition")
    return problems


def _vanished_cases(conn: sqlite3.Connection) -> list[str]:
    """Cases the trail shows created and never deleted that are no longer in the database (deleted by SQL)."""
    rows = conn.execute(  # one scan of the trail, grouped per case record; cases looked up by primary key
        "SELECT a.study_id FROM (SELECT record_id, max(study_id) AS study_id, "
        "max(CASE WHEN action = 'create' THEN id END) AS created, "
        "max(CASE WHEN action = 'delete' THEN id END) AS deleted "
        "FROM audit_log WHERE table_name = 'cases' AND record_id IS NOT NULL GROUP BY record_id) a "
        "LEFT JOIN cases c ON c.id = a.record_id "
        "WHERE a.created IS NOT NULL AND (a.deleted IS NULL OR a.deleted < a.created) AND c.id IS NULL "
        "ORDER BY a.study_id"
    ).fetchall()
    if not rows:
        return []
    shown = ", ".join(str(r[0]) for r in rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
    return [f"{len(rows)} case(s) in the audit trail are missing from the database without a recorded "
            f"deletion (deleted outside Casebook): {shown}"]


def _stored_text(value: Any, type_name: str) -> str | None:
    """A raw SQLite value of the cases table as text_value would write it in an entry."""
    if value is None:
        return None
    if type_name == "BOOLEAN":
        return "yes" if value else "no"
    return text_value(value)


def _changed_case_values(conn: sqlite3.Connection) -> list[str]:
    """Fields of cases whose value differs from the latest one the trail records (changed by SQL).

    A case's known values come from its create entry (an edit in the app holds them all; the bulk
    import's holds only a hash, so only its later updates are known) and every update after it.
    """
    known: dict[int, dict[str, str | None]] = {}
    query = ("SELECT action, record_id, field, new_value FROM audit_log "
             "WHERE table_name = 'cases' AND record_id IS NOT NULL ORDER BY id")
    for action, record_id, field, new_value in conn.execute(query):
        if action == "create":
            created = json.loads(new_value) if (new_value or "").startswith("{") else None
            known[record_id] = ({c.name: created.get(c.name) for c in Case.__table__.columns if c.name != "id"}
                                if created is not None else {})
        elif action == "update" and field:
            known.setdefault(record_id, {})[field] = new_value
        elif action == "delete":
            known.pop(record_id, None)
    types = {c.name: str(c.type).split("(")[0] for c in Case.__table__.columns}
    columns = [row[1] for row in conn.execute("PRAGMA table_info(cases)")]
    changed: list[str] = []
    for row in conn.execute(f"SELECT {', '.join(columns)} FROM cases"):
        current = dict(zip(columns, row, strict=True))
        for field, value in known.get(current["id"], {}).items():
            if field in current and _stored_text(current[field], types.get(field, "")) != value:
                changed.append(f"{current['study_id']} {field}")
    if not changed:
        return []
    shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
    return [f"{len(changed)} case value(s) differ from the last value the audit trail records "
            f"(changed outside Casebook): {shown}"]


def freeze_heads(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(facts, problems): the trail recomputed from its start still reaches the head each freeze recorded.

    The hashes are recomputed from the entries' content, not read from their hash column, so a trail
    rewritten before a freeze (an entry changed, removed or inserted, then rehashed) no longer reaches it."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(freezes)")}
    if "trail_head" not in columns:
        return [], []
    freezes = conn.execute("SELECT label, trail_head FROM freezes ORDER BY id").fetchall()
    if not freezes:
        return ["Freezes: none recorded"], []
    wanted = {head: label for label, head in freezes if head}
    reached: dict[str, int] = {}
    prev = GENESIS
    if wanted:
        query = f"SELECT id, {', '.join(CONTENT_FIELDS)} FROM audit_log ORDER BY id"
        for row in conn.execute(query):
            prev = entry_hash(prev, list(row[1:11]))
            if prev in wanted:
                reached[prev] = int(row[0])
    facts, problems = [], []
    for label, head in freezes:
        if not head:
            facts.append(f"Freeze {label}: made before Casebook recorded the trail head at a freeze; not checked")
        elif head in reached:
            facts.append(f"Freeze {label}: the trail up to entry {reached[head]} still hashes to the head it "
                         f"recorded ({head[:16]}…)")
        else:
            problems.append(f"freeze {label} recorded the audit trail head {head[:16]}…, which the trail no longer "
                            "reaches: entries up to the freeze were changed, removed or inserted since")
    return facts, problems
