"""The audit trail: every change in the same transaction, append-only, hash-chained."""

from __future__ import annotations

import getpass
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.record.models import Case, Death, Identity
from storage.record.rules import RecordRejected
from storage.record.tables import audit_log
from storage.safety.audit import REASON_KEY, case_history, field_history
from storage.safety.trail_checks import verify_chain


def _count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(audit_log)) or 0


def test_create_update_delete_each_write_an_entry_with_user_and_values(empty_db: Database) -> None:
    with empty_db.session() as session:
        case = Case(study_id="A01", sex="f")
        case.identity = Identity(name="Anna Muster")
        session.add(case)
    with empty_db.session() as session:
        session.info[REASON_KEY] = "source document re-checked"
        case = session.scalars(select(Case)).one()
        case.sex = "m"
    with empty_db.session() as session:
        session.delete(session.scalars(select(Case)).one())
    with empty_db.session() as session:
        history = case_history(session, "A01")
    actions = [(e.action, e.table_name, e.field) for e in history]
    assert ("create", "cases", None) in actions and ("create", "identities", None) in actions
    update = next(e for e in history if e.action == "update")
    assert (update.field, update.old_value, update.new_value) == ("sex", "f", "m")
    assert update.reason == "source document re-checked"
    assert update.os_user == getpass.getuser()
    assert update.record_id == next(e.record_id for e in history if e.table_name == "cases")
    deleted = [e for e in history if e.action == "delete" and e.table_name == "cases"]
    assert len(deleted) == 1 and '"study_id": "A01"' in (deleted[0].old_value or "")


def test_a_rolled_back_change_leaves_no_entry(empty_db: Database) -> None:
    before = _count(empty_db)
    with pytest.raises(RuntimeError), empty_db.session() as session:
        session.add(Case(study_id="B01"))
        session.flush()
        raise RuntimeError("the user cancelled")
    assert _count(empty_db) == before


def test_a_rejected_record_writes_no_entry(empty_db: Database) -> None:
    import datetime as dt

    before = _count(empty_db)  # the database's creation is the first entry
    with pytest.raises(RecordRejected), empty_db.session() as session:
        case = Case(study_id="C01", last_follow_up=dt.date(2020, 1, 1))
        case.death = Death(death_date=dt.date(2019, 1, 1))
        session.add(case)
    assert _count(empty_db) == before


def test_field_history_lists_creation_and_each_change(demo_db: Database) -> None:
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P03")).one()
        case.subtype = "MPAL B/myeloid"
    with demo_db.session() as session:
        history = field_history(session, "P03", "cases", "subtype")
    assert [e.action for e in history] == ["create", "update"]
    assert history[0].created_value("subtype") == "mixed phenotype acute leukemia"
    assert history[1].new_value == "MPAL B/myeloid"


def test_sqlite_refuses_to_change_or_delete_an_entry(demo_db: Database) -> None:
    conn = sqlite3.connect(demo_db.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET new_value = 'forged' WHERE id = 3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE id = 3")
    conn.close()


def _tamper(path: Path, statement: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute(statement)
    conn.commit()
    return conn


def test_chain_is_intact_after_normal_use(demo_db: Database) -> None:
    conn = sqlite3.connect(demo_db.path)
    report = verify_chain(conn)
    conn.close()
    assert report.ok and report.entries == _count(demo_db) > 50


@pytest.mark.parametrize("statement, finding", [
    ("UPDATE audit_log SET new_value = 'forged' WHERE id = 5", "entry 5: its content does not match"),
    ("DELETE FROM audit_log WHERE id = 5", "entries 5..5 are missing"),
])
def test_tampering_with_the_trail_is_detected(demo_db: Database, statement: str, finding: str) -> None:
    demo_db.close()
    conn = _tamper(demo_db.path, statement)
    report = verify_chain(conn)
    conn.close()
    assert not report.ok
    assert any(finding in p for p in report.problems)
    assert any("trigger audit_log_no_update has been removed" in p for p in report.problems)


def test_a_record_taken_off_a_case_is_audited_as_deleted(demo_db: Database) -> None:
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P02")).one()
        removed = case.complications[0]
        term, record_id = removed.term, removed.id
        case.complications.remove(removed)  # delete-orphan: never in session.deleted
    with demo_db.session() as session:
        deleted = [e for e in case_history(session, "P02") if e.action == "delete"]
    assert [(e.table_name, e.record_id) for e in deleted] == [("complications", record_id)]
    assert f'"term": "{term}"' in (deleted[0].old_value or "")


def test_deleting_a_case_audits_each_of_its_records_even_unloaded_ones(demo_db: Database) -> None:
    with demo_db.session() as session:
        expected = session.scalar(select(func.count()).select_from(audit_log).where(
            audit_log.c.study_id == "P02", audit_log.c.action == "create"))
    with demo_db.session() as session:
        session.delete(session.get(Case, session.scalar(select(Case.id).where(Case.study_id == "P02"))))
    with demo_db.session() as session:
        deleted = [e for e in case_history(session, "P02") if e.action == "delete"]
    assert len(deleted) == expected  # one delete per record created, drugs included


def test_a_course_removed_from_a_case_takes_its_drugs_into_the_trail(demo_db: Database) -> None:
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P03")).one()
        drugs = len(case.courses[0].drugs)
        session.expire_all()  # the drugs are no longer loaded, as in a fresh window
        case = session.scalars(select(Case).where(Case.study_id == "P03")).one()
        case.courses = []
    with demo_db.session() as session:
        deleted = [e.table_name for e in case_history(session, "P03") if e.action == "delete"]
    assert deleted.count("drug_administrations") == drugs > 0 and deleted.count("salvage_courses") == 1
