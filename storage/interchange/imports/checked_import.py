"""A clean check kept for the import that follows it, and how to tell that it still holds.

The import dialog checks a file (Check), shows every problem or none, and then writes it (Import). Reading
and checking 50,000 cases takes most of an import's time, so a clean check's plan is kept and Import writes
it as it is, but only when nothing it rests on has changed since: the same file (path, size, modification
time and SHA-256 of its bytes, taken before it was read), the same options and column mapping, and the same
database (the audit trail's head and every table's row count and highest id, read in the writing
transaction, so that a change committed in between makes SQLite refuse the write). Anything else is checked
again in full, so that all or nothing and "every problem reported" hold as for a first import.
"""

from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.interchange.imports.import_plan import ImportOptions, ImportPlan, ImportReport, release
from storage.record.models import Base
from storage.record.tables import audit_log

_BLOCK = 1 << 20


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            sha.update(block)
    return sha.hexdigest()


def file_state(path: Path) -> tuple[tuple[str, int, int, str], ...]:
    """(name, size, modification time in ns, SHA-256) of the file, or of each CSV of a long-format folder."""
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    out = []
    for file in files:
        stat = file.stat()
        out.append((file.name, stat.st_size, stat.st_mtime_ns, _digest(file)))
    return tuple(out)


def database_state(session: Session) -> tuple[object, ...]:
    """What a plan rests on in the database: the audit trail's head (every audited change moves it) and each
    table's row count and highest id (cases, custom fields ... also where a change left no audit entry)."""
    head = session.execute(select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).first()
    state: list[object] = [tuple(head) if head is not None else None]
    for table in Base.metadata.sorted_tables:
        if "id" in table.c:
            state.append((table.name, *session.execute(select(func.count(), func.max(table.c.id))).one()))
    return tuple(state)


@dataclass
class CheckedImport:
    """The outcome of a Check: its report, and its plan when it was clean (to be written by Import)."""

    path: Path
    options: ImportOptions  # as the check used them, dry_run off
    file: tuple[tuple[str, int, int, str], ...]
    database: tuple[object, ...]
    report: ImportReport
    plan: ImportPlan | None = None  # None: not kept (problems, or stored cases to update: checked again)
    not_kept: str | None = None  # why a clean plan was not kept (in words for the user)

    @staticmethod
    def options_key(options: ImportOptions) -> ImportOptions:
        return replace(options, dry_run=False)

    def changed(self, session: Session, path: Path, options: ImportOptions) -> str | None:
        """Why the kept plan cannot be written as it is (in words for the user), or None if nothing changed."""
        if self.plan is None and self.not_kept:
            return self.not_kept
        if self.plan is None:
            return "updates of stored cases are checked against the database as they are written" \
                if self.report.ok else "the check found problems"
        if Path(path) != self.path:
            return "another file was chosen"
        if self.options_key(options) != self.options:
            return "the options or the column mapping changed"
        try:
            if file_state(path) != self.file:
                return "the file changed since the check"
        except OSError:
            return "the file could not be read again"
        if database_state(session) != self.database:
            return "the database changed since the check"
        return None

    def take(self) -> ImportPlan:
        """The plan, now the caller's (to write, then release)."""
        plan, self.plan = self.plan, None
        assert plan is not None
        return plan

    def release(self) -> None:
        """Drop a plan that will not be written (a chunk at a time; see import_plan.release)."""
        if self.plan is not None:
            release_plan(self.take())


def release_plan(plan: ImportPlan) -> None:
    release(plan.new)
    if plan.frozen:
        plan.frozen = False
        gc.unfreeze()
