"""Undo commands: one small QUndoCommand per user action, calling storage functions only.

Each holds plain documents (old and new), opens its own transaction, and tells the window
that cases changed through a callback; no widget is touched here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand
from sqlalchemy.orm import Session

from storage.database import Database, DatabaseError
from storage.record import custom_fields
from storage.record.case_documents import Document, delete_case, save_document
from storage.record.custom_fields import CustomFieldError
from storage.record.rules import RecordRejected

Notify = Callable[[int | None], None]  # the id of the case that changed (gone after a deletion)


def _nothing(_case_id: int | None) -> None:
    pass


def _ignore(_error: Exception) -> None:
    pass


Report = Callable[[Exception], None]


class _Guarded(QUndoCommand):
    """A step that fails (the rules refuse it now, e.g. its study ID was taken meanwhile) changed
    nothing, since its transaction rolled back. It leaves the history, so that the stack stays
    true, and the failure goes to ``report`` rather than up through Qt's C++ frames."""

    report: Report = _ignore

    def _run(self, step: Callable[[], None]) -> None:
        try:
            step()
        except (DatabaseError, RecordRejected, KeyError, CustomFieldError) as exc:
            self.setObsolete(True)
            self.report(exc)


class SaveCaseCommand(_Guarded):
    """An edit of one case saved from the form: undo puts the old document back. A redo repeats the
    edit's reason in the trail ("redo: <reason>"); an undo has none of its own (asked if required)."""

    def __init__(self, db: Database, case_id: int, old: Document, new: Document, notify: Notify = _nothing,
                 *, applied: bool = False, reason: str | None = None) -> None:
        super().__init__(f"Edit case {new.get('study_id') or old.get('study_id')}")
        self._db, self._case_id, self._notify, self.reason = db, case_id, notify, reason
        self._old, self._new = copy.deepcopy(old), copy.deepcopy(new)
        self._skip_redo = applied  # the form saved already, to see the rules' verdict first

    def _put(self, doc: Document, reason: str | None) -> None:
        with self._db.audit_context(reason=reason), self._db.session() as s:
            save_document(s, doc, self._case_id)
        self._notify(self._case_id)

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._run(lambda: self._put(self._new, self.reason))

    def undo(self) -> None:
        self._run(lambda: self._put(self._old, None))


class CreateCaseCommand(_Guarded):
    """A new case; undo deletes it, redo restores it under the same id."""

    def __init__(self, db: Database, doc: Document, notify: Notify = _nothing) -> None:
        super().__init__(f"New case {doc.get('study_id')}")
        self._db, self._notify = db, notify
        self._doc = copy.deepcopy(doc)
        self.case_id: int | None = None

    def redo(self) -> None:
        self._run(self._create)  # a refusal leaves no phantom "Undo New case" (issue 14, point 21)

    def _create(self) -> None:
        with self._db.session() as s:
            self.case_id = save_document(s, self._doc)
        self._doc["id"] = self.case_id
        self._notify(self.case_id)

    def undo(self) -> None:
        assert self.case_id is not None
        with self._db.session() as s:
            self._doc = delete_case(s, self.case_id)
        self._notify(self.case_id)


class DeleteCaseCommand(_Guarded):
    """Deleting a case with all it holds; undo restores it, same id, same children. The reason given
    in the confirmation goes on every delete entry (and a redo's)."""

    def __init__(self, db: Database, case_id: int, study_id: str, notify: Notify = _nothing,
                 reason: str | None = None) -> None:
        super().__init__(f"Delete case {study_id}")
        self._db, self._notify, self.case_id, self.reason = db, notify, case_id, reason
        self._doc: Document | None = None

    def redo(self) -> None:
        self._run(self._delete)

    def _delete(self) -> None:
        with self._db.audit_context(reason=self.reason), self._db.session() as s:
            self._doc = delete_case(s, self.case_id)
        self._notify(self.case_id)

    def undo(self) -> None:
        self._run(self._restore)

    def _restore(self) -> None:
        assert self._doc is not None
        with self._db.session() as s:
            save_document(s, self._doc)
        self._notify(self.case_id)


class CustomFieldCommand(_Guarded):
    """A change of the custom-field definitions (add, rename, edit choices), already made by the
    dialog so that it could show a refusal; undo and redo each run one storage call in their own
    transaction. ``changed`` lets the window rebuild the form's custom editors."""

    def __init__(self, text: str, db: Database, forward: Callable[[Session], object],
                 backward: Callable[[Session], object], changed: Callable[[], None]) -> None:
        super().__init__(text)
        self._db, self._forward, self._backward, self._changed = db, forward, backward, changed
        self._skip_redo = True

    def _step(self, action: Callable[[Session], object]) -> None:
        with self._db.session() as s:
            action(s)
        self._changed()

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._run(lambda: self._step(self._forward))

    def undo(self) -> None:
        self._run(lambda: self._step(self._backward))


class DeleteCustomFieldCommand(CustomFieldCommand):
    """A deleted custom field; undo puts it back with every case's value."""

    def __init__(self, db: Database, deleted: custom_fields.DeletedField, changed: Callable[[], None]) -> None:
        super().__init__(f"Delete custom field {deleted.name}", db, self._delete, self._restore, changed)
        self.deleted = deleted

    def _delete(self, session: Session) -> None:
        self.deleted = custom_fields.delete_field(session, self.deleted.name)

    def _restore(self, session: Session) -> None:
        custom_fields.restore_field(session, self.deleted)
