"""Point 15 of issue 14: reasons for changes to saved cases (required after a freeze), system events audited."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.record.models import Case, Relapse
from storage.safety.backup import backup_database, restore_backup
from storage.safety.freeze import freeze_dataset
from storage.safety.reasons import ReasonRequired, set_reason_policy


def _entries(db: Database, where: str) -> list[tuple[str | None, str | None, str | None]]:
    conn = sqlite3.connect(db.path)
    rows = conn.execute(f"SELECT field, new_value, reason FROM audit_log WHERE {where} ORDER BY id").fetchall()
    conn.close()
    return rows


def test_after_a_freeze_a_change_without_reason_is_refused_and_nothing_saved(demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    with pytest.raises(ReasonRequired, match="every change to a saved case needs a reason"), demo_db.session() as session:
        session.scalars(select(Case).where(Case.study_id == "P01")).one().notes = "changed"
    with demo_db.session() as session:
        assert session.scalars(select(Case.notes).where(Case.study_id == "P01")).one() != "changed"


def test_with_a_reason_the_change_is_saved_and_the_reason_recorded(demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    with demo_db.audit_context(reason="query 12 from the monitor"), demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P01")).one()
        case.relapses.append(Relapse(relapse_date=None))
        case.notes = "changed"
    assert ("notes", "changed", "query 12 from the monitor") in _entries(demo_db, "action = 'update'")


def test_the_prompt_is_asked_once_and_its_answer_recorded(demo_db: Database) -> None:
    asked: list[tuple[str, bool]] = []
    demo_db.reason_prompt = lambda what, required: asked.append((what, required)) or "typo in the CRF"
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P02")).one()
        case.notes = "x"
        session.flush()
        case.subtype = "y"
    assert asked == [("case P02", False)]  # optional before a freeze, but offered
    assert [r for _f, _v, r in _entries(demo_db, "action = 'update'")][-2:] == ["typo in the CRF"] * 2


def test_the_policy_is_a_study_setting(demo_db: Database) -> None:
    with demo_db.session() as session:
        set_reason_policy(session, "always")
    with pytest.raises(ReasonRequired), demo_db.session() as session:
        session.scalars(select(Case).where(Case.study_id == "P01")).one().notes = "changed"
    with demo_db.session() as session:  # a new case needs none
        session.add(Case(study_id="P50"))


def test_freeze_key_creation_restore_and_creation_are_audited(demo_db: Database, tmp_path: Path) -> None:
    from storage.interchange.export.exporting import ExportOptions, export_database

    with demo_db.session() as session:
        freeze_dataset(session, dt.date(2022, 1, 1))
    with demo_db.session() as session:
        export_database(session, tmp_path / "d.csv", ExportOptions(deidentify=True))
    copy = backup_database(demo_db.path, "manual")
    demo_db.close()
    safety = restore_backup(copy, demo_db.path)
    kinds = [f for f, _v, _r in _entries(demo_db, "action = 'event'")]
    assert kinds[0] == "created" and {"freeze", "key", "restore"} <= set(kinds)
    restore = json.loads(_entries(demo_db, "action = 'event' AND field = 'restore'")[-1][1] or "{}")
    assert restore["replaced_trail_kept_in"] == safety.name and restore["replaced_trail_head"]["entry"] > 0
    key = _entries(demo_db, "action = 'event' AND field = 'key'")[0][1] or ""
    assert json.loads(key) == {"created_for_cases": 8}  # never a code or an offset
