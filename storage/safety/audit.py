"""The audit trail: every create, update and delete of every record, in the same transaction.

It hooks SQLAlchemy's ``after_flush`` on every Session, so the form, the import, the command
line and undo are all covered without calling anything. At that point the session still shows
the flush's new, changed and deleted objects with their attribute history, and the rows are in
the transaction, so an entry is committed or rolled back together with the change it records.

Entries are hash-chained: each stores the SHA-256 of the previous entry's hash plus its own
content, so changing or removing an entry (after dropping the append-only triggers) breaks the
chain, which ``verify_chain`` finds. A create is one entry per record holding all its values
as JSON; an update is one entry per changed field; a delete holds the record's last values.
The bulk import of new cases bypasses the ORM for speed and writes, through append_entries in
its own transaction, one "create" entry per case holding the SHA-256 of the imported row, since
50,000 cases × a dozen records each would otherwise make the trail larger than the data.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction, object_session

from storage.record.models import Base, Case, DrugAdministration, SalvageCourse
from storage.record.tables import audit_log

GENESIS = "0" * 64
REASON_KEY = "audit_reason"  # session.info[REASON_KEY]: why the user made this change
_HAS_TABLE = "casebook_audit_table"
_DELETED = "casebook_audit_deleted"


def os_user() -> str:
    """The operating system's account of the real user id: not LOGNAME or USER, which anyone can set."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except ImportError:  # Windows: no uid; the account that owns the process token
        pass
    except KeyError:  # a uid without an account (a container): the uid itself, never an environment name
        return f"uid {os.getuid()}"
    try:
        return _windows_account() or getpass.getuser()
    except Exception:
        return "unknown"


def _windows_account() -> str | None:
    import ctypes

    size = ctypes.c_ulong(257)
    buffer = ctypes.create_unicode_buffer(size.value)
    advapi32 = ctypes.windll.advapi32  # type: ignore[attr-defined,unused-ignore]
    return buffer.value if advapi32.GetUserNameW(buffer, ctypes.byref(size)) else None


def text_value(value: Any) -> str | None:
    """The canonical text an entry stores for a value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def entry_hash(prev_hash: str, entry: Sequence[Any]) -> str:
    """SHA-256 over the previous hash and the entry's ten content fields (at .. reason)."""
    content = json.dumps(list(entry), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


CONTENT_FIELDS = ("at", "os_user", "action", "table_name", "record_id", "study_id", "field",
                  "old_value", "new_value", "reason")


def _has_audit_table(connection: Connection) -> bool:
    info = connection.info
    if not info.get(_HAS_TABLE):  # only a found table is remembered: a migration may add it later
        found = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit_log'"
        ).first()
        info[_HAS_TABLE] = found is not None
    return bool(info[_HAS_TABLE])


def _owner_case(obj: Any) -> Case | None:
    """The case a record belongs to, from what is loaded (never a lazy load mid-flush)."""
    if isinstance(obj, Case):
        return obj
    loaded = inspect(obj).dict
    if isinstance(obj, DrugAdministration):
        course = loaded.get("course")
        return inspect(course).dict.get("case") if course is not None else None
    owner = loaded.get("case")
    return owner if isinstance(owner, Case) else None


class _StudyIds:
    """Study IDs of records whose case is not loaded, looked up once per case."""

    def __init__(self, connection: Connection, deleted: list[Any]):
        self.connection = connection
        # Records deleted in this flush are gone from the tables: take their links from memory.
        self.by_case: dict[int, str | None] = {
            o.id: o.study_id for o in deleted if isinstance(o, Case) and "id" in inspect(o).dict}
        self.course_case: dict[int, int] = {
            o.id: o.case_id for o in deleted if isinstance(o, SalvageCourse) and "case_id" in inspect(o).dict}

    def of(self, obj: Any) -> str | None:
        owner = _owner_case(obj)
        if owner is not None:
            value = inspect(owner).dict.get("study_id")
            return None if value is None else str(value)
        loaded = inspect(obj).dict
        case_id = loaded.get("case_id")
        course_id = loaded.get("course_id")
        if case_id is None and isinstance(obj, DrugAdministration) and course_id in self.course_case:
            case_id = self.course_case[course_id]
        elif case_id is None and isinstance(obj, DrugAdministration) and course_id is not None:
            case_id = self.connection.scalar(
                select(SalvageCourse.case_id).where(SalvageCourse.id == loaded["course_id"])
            )
        if case_id is None:
            return None
        if case_id not in self.by_case:
            self.by_case[case_id] = self.connection.scalar(select(Case.study_id).where(Case.id == case_id))
        return self.by_case[case_id]


def _values(obj: Any, skip_empty: bool) -> dict[str, str | None]:
    state = inspect(obj)
    out: dict[str, str | None] = {}
    for attr in state.mapper.column_attrs:
        if attr.key == "id" or attr.key not in state.dict:
            continue
        value = text_value(state.dict[attr.key])
        if value is not None or not skip_empty:
            out[attr.key] = value
    return out


def _record_id(obj: Any) -> int | None:
    value = inspect(obj).dict.get("id")  # every table but study_info has an integer id
    return value if isinstance(value, int) else None


def _changes(session: Session, deleted: list[Any]) -> Iterator[tuple[str, Any, str | None, str | None, str | None]]:
    """(action, record, field, old, new) for everything this flush writes."""
    for obj in session.new:
        yield "create", obj, None, None, json.dumps(_values(obj, True), ensure_ascii=False, sort_keys=True)
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            old = text_value(history.deleted[0]) if history.deleted else None
            new = text_value(history.added[0]) if history.added else None
            if old != new:
                yield "update", obj, attr.key, old, new
    for obj in deleted:
        yield "delete", obj, None, json.dumps(_values(obj, False), ensure_ascii=False, sort_keys=True), None


# Deletions are collected as the flush performs them, not read from session.deleted, which
# misses records removed from a list (delete-orphan) such as a complication taken off a case.
@event.listens_for(Base, "after_delete", propagate=True)
def _note_deletion(_mapper: Any, _connection: Any, target: Any) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_DELETED, []).append(target)


@event.listens_for(Session, "before_flush")
def _prepare_flush(session: Session, _context: Any, _instances: Any) -> None:
    session.info.pop(_DELETED, None)  # left over only if an earlier flush failed half-way
    _load_cascaded_children(session)


def _load_cascaded_children(session: Session) -> None:
    """Load the records that go with a deleted one, so that each is deleted (and audited) by the ORM.

    The relationships use passive_deletes: left unloaded, a course's drugs or a deleted case's
    records would vanish through the database's ON DELETE CASCADE, unseen by the audit trail.
    """
    doomed: list[Any] = list(session.deleted)
    for obj in session.dirty:
        state = inspect(obj)
        for rel in state.mapper.relationships:
            if rel.cascade.delete_orphan and rel.key in state.dict:
                doomed.extend(state.attrs[rel.key].history.deleted or ())
    seen: set[int] = set()
    with session.no_autoflush:
        while doomed:
            obj = doomed.pop()
            state = inspect(obj)
            if id(obj) in seen or state.key is None:  # pending objects have nothing stored yet
                continue
            seen.add(id(obj))
            for rel in state.mapper.relationships:
                if rel.cascade.delete and rel.direction.name == "ONETOMANY":
                    value = getattr(obj, rel.key)
                    for child in value if isinstance(value, list) else [value] if value is not None else []:
                        if child not in session.deleted:
                            session.delete(child)  # the ORM's cascade does not reach an orphan's records
                        doomed.append(child)


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session: Session, _context: UOWTransaction) -> None:
    connection = session.connection()
    if not _has_audit_table(connection):
        return  # a bare test schema without the audit table (never a real Casebook database)
    at, user = now_utc(), os_user()
    reason = session.info.get(REASON_KEY)
    deleted: list[Any] = session.info.pop(_DELETED, [])
    study_ids = _StudyIds(connection, deleted)
    rows = []
    for action, obj, field, old, new in _changes(session, deleted):
        rows.append({
            "at": at, "os_user": user, "action": action, "table_name": inspect(obj).mapper.local_table.name,
            "record_id": _record_id(obj), "study_id": study_ids.of(obj), "field": field,
            "old_value": old, "new_value": new, "reason": None if reason is None else str(reason),
        })
    append_entries(connection, rows)


def append_entries(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Chain and insert entries (dicts of CONTENT_FIELDS) in the connection's transaction.

    For writers that bypass the ORM (the bulk import); the ORM's flushes call it themselves.
    """
    if not rows or not _has_audit_table(connection):
        return
    prev = connection.scalar(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)) or GENESIS
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = entry_hash(prev, [row[k] for k in CONTENT_FIELDS])
    connection.execute(audit_log.insert(), rows)


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    os_user: str
    action: str
    table_name: str
    record_id: int | None
    study_id: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at)

    def created_value(self, field: str) -> str | None:
        """For a create entry: the value the record was created with, if its JSON holds it."""
        if self.action != "create" or not (self.new_value or "").startswith("{"):
            return None
        value = json.loads(self.new_value or "{}").get(field)
        return None if value is None else str(value)


def _entries(session: Session, *conditions: Any) -> list[AuditEntry]:
    cols = [audit_log.c[name] for name in ("id", *CONTENT_FIELDS)]
    query = select(*cols).where(*conditions).order_by(audit_log.c.id)
    return [AuditEntry(*row) for row in session.execute(query)]


def case_history(session: Session, study_id: str) -> list[AuditEntry]:
    """Every entry about a case and its records, oldest first."""
    return _entries(session, audit_log.c.study_id == study_id)


def field_history(session: Session, study_id: str, table_name: str, field: str) -> list[AuditEntry]:
    """Entries that set one field of a case's records: creates holding it, updates of it, deletes."""
    out = []
    for entry in case_history(session, study_id):
        if entry.table_name != table_name:
            continue
        updated = entry.action == "update" and entry.field == field
        created = entry.action == "create" and (entry.created_value(field) is not None or not entry.new_value)
        if updated or created or entry.action == "delete":
            out.append(entry)
    return out


def recent_entries(session: Session, limit: int = 500) -> list[AuditEntry]:
    rows = _entries(session, audit_log.c.id > 0)
    return rows[-limit:]


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
