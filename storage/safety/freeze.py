"""Data freezes: the dataset fixed at a cut-off date, identified by a label and a content hash.

A freeze records a SHA-256 over every row of the case record, and the hash of the audit trail's newest
entry at that moment (its head; schema 0003), so that the freeze anchors the trail: verify checks that an
entry with that hash is still in an intact chain, which no rewrite of the entries before it can fake.
Every later export and report carries the latest freeze's label and hash and says whether the data still
match it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from storage.record.models import Base, Case, StudyInfo
from storage.record.tables import audit_log, freezes
from storage.safety.anchors import record_anchor
from storage.safety.audit import os_user, record_event, text_value


@dataclass(frozen=True)
class FreezeInfo:
    id: int
    label: str
    created_at: str
    cut_off: dt.date
    content_hash: str
    case_count: int
    os_user: str
    note: str | None
    trail_head: str | None = None  # the trail's newest entry when frozen; None for freezes before schema 0003


def content_hash(session: Session) -> str:
    """SHA-256 over every row of every table of the case record, in a fixed order."""
    digest = hashlib.sha256()
    tables = [cast(Table, m.local_table) for m in Base.registry.mappers if m.class_ is not StudyInfo]
    for table in sorted(tables, key=lambda t: t.name):
        digest.update(f"\x1e{table.name}".encode())
        for row in session.execute(select(table).order_by(*table.primary_key.columns)):
            line: list[Any] = [text_value(v) for v in row]
            digest.update(json.dumps(line, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def freeze_dataset(session: Session, cut_off: dt.date, note: str | None = None) -> FreezeInfo:
    """Freeze the dataset as it is now, for analyses up to the cut-off date."""
    number = (session.scalar(select(func.count()).select_from(freezes)) or 0) + 1
    label = f"F{number}-{dt.date.today():%Y%m%d}"
    row = {
        "label": label, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cut_off": cut_off,
        "content_hash": content_hash(session), "case_count": session.scalar(select(func.count(Case.id))) or 0,
        "os_user": os_user(), "note": note,
        "trail_head": session.scalar(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)),
    }
    session.execute(freezes.insert().values(**row))
    record_event(session.connection(), "freeze", {"label": label, "cut_off": cut_off.isoformat(),
                                                  "content_hash": row["content_hash"], "cases": row["case_count"],
                                                  "trail_head": row["trail_head"]})
    found = session.execute(select(freezes).where(freezes.c.label == label)).one()
    database = session.get_bind().engine.url.database
    if database and database != ":memory:":
        record_anchor(Path(database), f"freeze {label}")  # the head committed so far; the freeze's own follows
    return FreezeInfo(*found)


def list_freezes(session: Session) -> list[FreezeInfo]:
    return [FreezeInfo(*row) for row in session.execute(select(freezes).order_by(freezes.c.id))]


def latest_freeze(session: Session) -> FreezeInfo | None:
    found = list_freezes(session)
    return found[-1] if found else None


def freeze_label(session: Session) -> str | None:
    """One line for exports and reports, or None if the dataset was never frozen."""
    freeze = latest_freeze(session)
    if freeze is None:
        return None
    unchanged = content_hash(session) == freeze.content_hash
    state = "the data are unchanged since the freeze" if unchanged else "WARNING: the data have changed since the freeze"
    head = f", audit trail head {freeze.trail_head[:16]}" if freeze.trail_head else ""
    return (f"Data freeze {freeze.label} (cut-off {freeze.cut_off.isoformat()}, {freeze.case_count} cases, "
            f"content SHA-256 {freeze.content_hash[:16]}{head}); {state}")
