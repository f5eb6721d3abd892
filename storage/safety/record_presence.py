"""What the audit trail says must still be there: records it created and never deleted, the data freezes it
recorded, and the endpoint definitions as the first migration wrote them until the trail records a change.

storage.safety.record_checks finds records the trail never created and values that differ from its last
ones; this finds what was removed by SQL (a death deleted, which turns an event into a censoring) and the
seeded rules changed by SQL (``death_is_event`` switched off, which empties the OS analysis). Read on a plain
read-only sqlite3 connection, for ``verify``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from storage.safety.audit import EVENT_ACTION
from storage.safety.record_checks import listed

# The endpoint definitions migration 0001 seeds, as it writes them (ids 1-3); a test keeps them equal to a
# new database's. A seeded definition the trail has no entry for must still hold exactly these values.
SEEDED_ENDPOINTS: dict[int, dict[str, Any]] = {
    1: {"name": "os", "label": "Overall survival", "death_is_event": 1, "relapse_is_event": 0,
        "treatment_failure_is_event": 0, "death_causes": None},
    2: {"name": "efs", "label": "Event-free survival", "death_is_event": 1, "relapse_is_event": 1,
        "treatment_failure_is_event": 0, "death_causes": None},
    3: {"name": "efs-tf", "label": "Event-free survival, treatment failure as event at day 0",
        "death_is_event": 1, "relapse_is_event": 1, "treatment_failure_is_event": 1, "death_causes": None},
}


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def vanished_records(conn: sqlite3.Connection) -> list[str]:
    """Records the trail created and never deleted that are no longer in their table."""
    alive: dict[tuple[str, int], bool] = {}
    for action, table, record_id in conn.execute(
            "SELECT action, table_name, record_id FROM audit_log WHERE action IN ('create', 'delete') "
            "AND record_id IS NOT NULL ORDER BY id"):
        alive[(str(table), int(record_id))] = action == "create"
    tables = _tables(conn)
    gone: list[str] = []
    present: dict[str, set[int]] = {}
    for (table, record_id), exists in sorted(alive.items()):
        if not exists or table not in tables:
            continue
        if table not in present:
            present[table] = {int(i) for (i,) in conn.execute(f'SELECT id FROM "{table}"')}
        if record_id not in present[table]:
            gone.append(f"{table} {record_id}")
    if not gone:
        return []
    return [f"{len(gone)} record(s) the audit trail created and never deleted are gone (deleted outside "
            f"Casebook): {listed(gone)}"]


def missing_freezes(conn: sqlite3.Connection) -> list[str]:
    """Every freeze the trail recorded still has its row, with the label and cut-off the event names."""
    if "freezes" not in _tables(conn):
        return []
    rows = {str(label): (str(cut_off), str(digest)) for label, cut_off, digest in
            conn.execute("SELECT label, cut_off, content_hash FROM freezes")}
    problems = []
    for (detail,) in conn.execute("SELECT new_value FROM audit_log WHERE action = ? AND field = 'freeze'",
                                  (EVENT_ACTION,)):
        event = json.loads(detail or "{}")
        label = str(event.get("label", ""))
        recorded = (str(event.get("cut_off", "")), str(event.get("content_hash", "")))
        if label not in rows:
            problems.append(f"the data freeze {label!r} recorded in the audit trail is missing from the freezes "
                            "table (deleted outside Casebook)")
        elif rows[label] != recorded:
            problems.append(f"the data freeze {label!r} differs from what the audit trail recorded for it (cut-off "
                            "or content hash changed outside Casebook)")
    return problems


def changed_seeded_endpoints(conn: sqlite3.Connection) -> list[str]:
    """The seeded endpoint definitions the trail never recorded a change to: still as migration 0001 wrote them."""
    if "endpoint_definitions" not in _tables(conn):
        return []
    touched = {int(i) for (i,) in conn.execute(
        "SELECT DISTINCT record_id FROM audit_log WHERE table_name = 'endpoint_definitions' AND record_id IS NOT NULL")}
    columns = list(SEEDED_ENDPOINTS[1])
    stored = {int(r[0]): dict(zip(columns, r[1:], strict=True)) for r in conn.execute(
        f"SELECT id, {', '.join(columns)} FROM endpoint_definitions WHERE id <= {max(SEEDED_ENDPOINTS)}")}
    changed = []
    for record_id, seeded in SEEDED_ENDPOINTS.items():
        if record_id in touched:
            continue  # changed or deleted through Casebook: record_checks compares it with the trail
        now = stored.get(record_id)
        if now is None:
            changed.append(f"{seeded['name']} (deleted)")
        elif any(now[c] != v for c, v in seeded.items()):
            changed.append(f"{seeded['name']} ({', '.join(c for c, v in seeded.items() if now[c] != v)})")
    if not changed:
        return []
    return [f"endpoint definition(s) changed outside Casebook (the audit trail records no change to them): "
            f"{listed(changed)}"]


def presence_problems(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(facts, problems) of the three checks above."""
    problems = vanished_records(conn) + missing_freezes(conn) + changed_seeded_endpoints(conn)
    facts = [] if problems else ["Records the audit trail created are all still there; its data freezes and "
                                 "the seeded endpoint definitions are as it recorded them"]
    return facts, problems
