"""Saving a case from the form changes only what differs, so the audit trail reads like the edit."""

from __future__ import annotations

from sqlalchemy import select

from storage.database import Database
from storage.record.case_documents import load_document, save_document
from storage.record.models import Case
from storage.safety.audit import case_history


def p04_id(db: Database) -> int:
    with db.session() as s:
        return s.scalars(select(Case.id).where(Case.study_id == "P04")).one()


def new_entries(db: Database, before: int) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with db.session() as s:
        return [(e.action, e.table_name, e.field, e.old_value, e.new_value) for e in case_history(s, "P04")][before:]


def history_length(db: Database) -> int:
    with db.session() as s:
        return len(case_history(s, "P04"))


def test_one_changed_grade_is_one_audit_update(demo_db: Database) -> None:
    case_id = p04_id(demo_db)
    with demo_db.session() as s:
        doc = load_document(s, case_id)
    before = history_length(demo_db)
    sepsis = [c for c in doc["complications"] if c["term"] == "sepsis"][0]
    sepsis["grade"] = 4
    with demo_db.session() as s:
        save_document(s, doc, case_id)
    assert new_entries(demo_db, before) == [("update", "complications", "grade", "5", "4")]


def test_saving_an_unchanged_case_writes_no_audit_entry(demo_db: Database) -> None:
    case_id = p04_id(demo_db)
    with demo_db.session() as s:
        doc = load_document(s, case_id)
    before = history_length(demo_db)
    with demo_db.session() as s:
        save_document(s, doc, case_id)
    assert new_entries(demo_db, before) == []


def test_removed_drug_is_one_delete_and_the_rest_untouched(demo_db: Database) -> None:
    case_id = p04_id(demo_db)
    with demo_db.session() as s:
        doc = load_document(s, case_id)
    before = history_length(demo_db)
    assert [d["drug"] for d in doc["courses"][0]["drugs"]] == ["melphalan", "cytarabine"]
    doc["courses"][0]["drugs"].pop()
    with demo_db.session() as s:
        save_document(s, doc, case_id)
    entries = new_entries(demo_db, before)
    assert [(a, t) for a, t, *_ in entries] == [("delete", "drug_administrations")]
    with demo_db.session() as s:
        assert [d["drug"] for d in load_document(s, case_id)["courses"][0]["drugs"]] == ["melphalan"]
