"""Undo commands on a bare QUndoStack: the database follows undo and redo."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoStack
from sqlalchemy import func, select

from gui.case_form.commands import CreateCaseCommand, DeleteCaseCommand, SaveCaseCommand
from storage.database import Database
from storage.record.case_documents import empty_document, load_document
from storage.record.models import Case


def _case_id(db: Database, study_id: str) -> int:
    with db.session() as s:
        cid = s.scalar(select(Case.id).where(Case.study_id == study_id))
    assert cid is not None
    return cid


def _count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def test_save_undo_redo(demo_db: Database) -> None:
    stack = QUndoStack()
    cid = _case_id(demo_db, "P04")
    with demo_db.session() as s:
        old = load_document(s, cid)
    new = copy.deepcopy(old)
    new["subtype"] = "AML M2 (FAB)"
    seen: list[int | None] = []
    stack.push(SaveCaseCommand(demo_db, cid, old, new, seen.append))
    with demo_db.session() as s:
        assert load_document(s, cid)["subtype"] == "AML M2 (FAB)"
    stack.undo()
    with demo_db.session() as s:
        assert load_document(s, cid) == old
    stack.redo()
    with demo_db.session() as s:
        assert load_document(s, cid)["subtype"] == "AML M2 (FAB)"
    assert seen == [cid, cid, cid]
    assert stack.undoText() == "Edit case P04"


def test_create_then_undo_removes_it_and_redo_brings_it_back(empty_db: Database) -> None:
    stack = QUndoStack()
    command = CreateCaseCommand(empty_db, empty_document("P09"))
    stack.push(command)
    assert _count(empty_db) == 1
    stack.undo()
    assert _count(empty_db) == 0
    stack.redo()
    with empty_db.session() as s:
        assert command.case_id is not None
        assert load_document(s, command.case_id)["study_id"] == "P09"


def test_delete_and_undo_restores_every_child(demo_db: Database) -> None:
    stack = QUndoStack()
    cid = _case_id(demo_db, "P04")
    with demo_db.session() as s:
        before = load_document(s, cid)
    stack.push(DeleteCaseCommand(demo_db, cid, "P04"))
    assert _count(demo_db) == 7
    stack.undo()
    assert _count(demo_db) == 8
    with demo_db.session() as s:
        assert load_document(s, cid) == before


def test_edit_delete_undo_undo_reaches_the_original(demo_db: Database) -> None:
    """Undo of a deletion restores the same id, so earlier edits on the stack still apply."""
    stack = QUndoStack()
    cid = _case_id(demo_db, "P01")
    with demo_db.session() as s:
        original = load_document(s, cid)
    edited = copy.deepcopy(original)
    edited["notes"] = "checked against the chart"
    stack.push(SaveCaseCommand(demo_db, cid, original, edited))
    stack.push(DeleteCaseCommand(demo_db, cid, "P01"))
    stack.undo()
    stack.undo()
    with demo_db.session() as s:
        assert load_document(s, cid) == original


def test_a_step_the_rules_refuse_later_is_reported_and_leaves_the_history(demo_db: Database) -> None:
    from storage.record.case_documents import save_document

    stack = QUndoStack()
    cid = _case_id(demo_db, "P05")
    command = DeleteCaseCommand(demo_db, cid, "P05")
    failures: list[Exception] = []
    command.report = failures.append  # type: ignore[method-assign]
    stack.push(command)
    with demo_db.session() as s:  # meanwhile, another case takes the study ID
        save_document(s, empty_document("P05"))
    stack.undo()
    assert len(failures) == 1 and "study ID P05 already exists" in str(failures[0])
    assert stack.count() == 0
    assert _count(demo_db) == 8  # 7 old cases and the new P05: nothing half-restored
