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
its own transaction, one "create" entry per case holding a keyed SHA-256 (HMAC) of the imported row
under that case's own salt (row_hasher), since 50,000 cases × a dozen records each would otherwise make
the trail larger than the data; the row holds name, hospital number and birth date, so a plain hash of it
could be confirmed by guessing, and the salt (deleted with the case) keeps it unprovable afterwards.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction, object_session

from storage.record.models import Base, Case, DrugAdministration, SalvageCourse, StudyInfo
from storage.record.tables import audit_log
from storage.safety.anchors import record_anchor, trail_head

GENESIS = "0" * 64
REASON_KEY = "audit_reason"  # session.info[REASON_KEY]: why the user made this change
EVENT_KEY = "audit_event"  # session.info[EVENT_KEY]: "undo" or "redo" when the change is one; else an edit
# Identifying values are never written to the trail in clear: a keyed hash with a salt of the case's own
# (in study_info, removed with the case) proves what a value was while the patient is in the study, and
# nothing once the case is deleted, so that erasing a patient erases their identity from the trail too.
IDENTIFYING_FIELDS = {"identities": frozenset({"name", "hospital_number", "birth_date"})}
SALT_PREFIX = "audit_salt:"
HASHED = "salted-sha256:"
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


def identity_digest(salt: str, value: str | None) -> str | None:
    """What the trail holds for an identifying value: a keyed SHA-256 under the case's salt."""
    if value is None:
        return None
    return HASHED + hmac.new(bytes.fromhex(salt), value.encode("utf-8"), hashlib.sha256).hexdigest()


def new_salt() -> str:
    """A case's audit salt: 256 random bits, as hex."""
    return secrets.token_hex(32)


def row_hasher(salt: str) -> hmac.HMAC:
    """A keyed SHA-256 under a case's salt, fed with the imported rows of that case (the bulk import)."""
    return hmac.new(bytes.fromhex(salt), digestmod=hashlib.sha256)


def store_salts(connection: Connection, salts: dict[int, str]) -> None:
    """Keep the salts of new cases (case id -> salt) in study_info, in one statement (Core: never audited)."""
    if salts:
        connection.execute(insert(StudyInfo), [{"key": f"{SALT_PREFIX}{case_id}", "value": salt}
                                              for case_id, salt in salts.items()])


def _salt(connection: Connection, case_id: int | None, create: bool) -> str | None:
    if case_id is None:
        return None
    key = f"{SALT_PREFIX}{case_id}"
    found = connection.scalar(select(StudyInfo.value).where(StudyInfo.key == key))
    if found is None and create:
        found = new_salt()
        connection.execute(insert(StudyInfo).values(key=key, value=found))  # Core: the salt is never audited
    return found


def _hide_identity(connection: Connection, row: dict[str, Any], obj: Any) -> None:
    """Replace identifying values of an entry by their salted hashes, in place."""
    fields = IDENTIFYING_FIELDS.get(row["table_name"])
    if not fields:
        return
    case_id = inspect(obj).dict.get("case_id")
    if row["action"] == "update":
        if row["field"] in fields:
            salt = _salt(connection, case_id, create=True) or ""
            row["old_value"] = identity_digest(salt, row["old_value"])
            row["new_value"] = identity_digest(salt, row["new_value"])
        return
    column = "new_value" if row["action"] == "create" else "old_value"
    values = json.loads(row[column] or "{}")
    if any(values.get(f) is not None for f in fields):
        salt = _salt(connection, case_id, create=True) or ""
        values.update({f: identity_digest(salt, values[f]) for f in fields if values.get(f) is not None})
        row[column] = json.dumps(values, ensure_ascii=False, sort_keys=True)


def _forget_salts(connection: Connection, deleted: list[Any]) -> None:
    ids = [inspect(o).dict.get("id") for o in deleted if isinstance(o, Case)]
    keys = [f"{SALT_PREFIX}{i}" for i in ids if i is not None]
    if keys:
        connection.execute(delete(StudyInfo).where(StudyInfo.key.in_(keys)))


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
    event_kind = session.info.get(EVENT_KEY)  # an undo or a redo is recorded as one, not as an ordinary edit
    deleted: list[Any] = session.info.pop(_DELETED, [])
    study_ids = _StudyIds(connection, deleted)
    rows = []
    for action, obj, field, old, new in _changes(session, deleted):
        if isinstance(obj, StudyInfo) and str(inspect(obj).dict.get("key", "")).startswith(SALT_PREFIX):
            continue
        row = {
            "at": at, "os_user": user, "action": action, "table_name": inspect(obj).mapper.local_table.name,
            "record_id": _record_id(obj), "study_id": study_ids.of(obj), "field": field,
            "old_value": old, "new_value": new, "reason": _reason(reason, event_kind),
        }
        _hide_identity(connection, row, obj)
        rows.append(row)
    append_entries(connection, rows)
    _forget_salts(connection, deleted)


def _reason(reason: Any, event_kind: Any) -> str | None:
    """The reason column: the user's reason, prefixed "undo: " or "redo: " for an undo or a redo."""
    text = None if reason is None or not str(reason).strip() else str(reason).strip()
    if event_kind in ("undo", "redo"):
        return f"{event_kind}: {text}" if text else str(event_kind)
    return text


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


# --- system events: what happened to the database rather than to a record -------------------------

EVENT_ACTION = "event"  # action of a system event; its table_name is "database", its field the kind
EVENT_KINDS = frozenset({"created", "upgrade", "restore", "freeze", "key", "backup", "encrypted", "passphrase changed"})


def record_event(connection: Connection, kind: str, detail: dict[str, Any], reason: str | None = None) -> None:
    """Append a system event (creation, schema upgrade, restore, freeze, key creation, encryption) to the trail.

    ``detail`` is plain data without patient values (never a code or an offset of the key)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown kind of event {kind!r}")
    append_entries(connection, [{
        "at": now_utc(), "os_user": os_user(), "action": EVENT_ACTION, "table_name": "database",
        "record_id": None, "study_id": None, "field": kind, "old_value": None,
        "new_value": json.dumps(detail, ensure_ascii=False, sort_keys=True), "reason": reason,
    }])


# Every commit that moved the trail's head is anchored outside the database (storage.safety.anchors), so
# that verify can tell entries written by Casebook on this account from entries appended by other means.
_ANCHORED: dict[str, str] = {}  # database path -> the head hash last anchored by this process


@event.listens_for(Session, "after_commit")
def _anchor_commit(session: Session) -> None:
    try:
        database = session.get_bind().engine.url.database
    except Exception:  # a session without a bind: nothing was written
        return
    if not database or database == ":memory:":
        return
    head = trail_head(Path(database))
    if head is not None and _ANCHORED.get(database) != head.hash:
        _ANCHORED[database] = head.hash
        record_anchor(Path(database), "commit", head)
