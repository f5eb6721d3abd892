"""verify finds a replaced append-only trigger, a case deleted by SQL and a case value changed by SQL."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

from sqlalchemy import select

from storage.database import Database
from storage.record.models import Case
from storage.safety.trail_checks import APPEND_ONLY_TRIGGERS, verify_chain

ROOT = Path(__file__).parents[3]


def _verify(path: Path, *statements: str) -> list[str]:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    problems = verify_chain(conn).problems
    conn.close()
    return problems


def test_expected_triggers_are_those_the_migration_creates() -> None:
    path = ROOT / "storage" / "record" / "migrations" / "versions" / "0002_audit_trail_deid_key_freezes.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert tuple(APPEND_ONLY_TRIGGERS.values()) == module.APPEND_ONLY


def test_a_trigger_replaced_by_a_harmless_one_with_the_same_name_is_found(demo_db: Database) -> None:
    demo_db.close()
    problems = _verify(demo_db.path, "DROP TRIGGER audit_log_no_update",
                       "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END")
    assert any("audit_log_no_update has been replaced" in p for p in problems)
    assert not any("audit_log_no_delete" in p for p in problems)


def test_a_case_deleted_by_sql_is_found(demo_db: Database) -> None:
    demo_db.close()
    problems = _verify(demo_db.path, "PRAGMA foreign_keys=ON", "DELETE FROM cases WHERE study_id = 'P03'")
    assert any("missing from the database without a recorded deletion" in p and "P03" in p for p in problems)


def test_a_value_changed_by_sql_is_found(demo_db: Database) -> None:
    demo_db.close()
    problems = _verify(demo_db.path, "UPDATE cases SET disease_status = 'refractory', relapse_number = NULL, "
                       "notes = 'forged' WHERE study_id = 'P02'")
    assert any("changed outside Casebook" in p and "P02 notes" in p for p in problems), problems


def test_changes_and_deletions_in_the_app_pass(demo_db: Database) -> None:
    with demo_db.session() as session:
        cases = {c.study_id: c for c in session.scalars(select(Case))}
        cases["P01"].notes = "edited in the form"
        cases["P04"].relapse_number = cases["P04"].relapse_number
        session.delete(cases["P05"])
    with demo_db.session() as session:
        session.add(Case(study_id="N1", sex="f"))
    demo_db.close()
    assert _verify(demo_db.path) == []
