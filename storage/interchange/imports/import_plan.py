"""What an import found and will write: its options, its report, and the plan the writing step carries out.

Shared by the flat import (storage.interchange.imports.importing) and the long-format import
(storage.interchange.imports.long_import), which check everything first and write only a clean plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.interchange.imports.bulk_insert import CaseRows
from storage.interchange.imports.column_mapping import ColumnMapping
from storage.interchange.imports.problem_words import DialogProblem, dialog_problems, dialog_rule
from storage.interchange.imports.row_building import NewField
from storage.interchange.table_files import Problem, ProblemList, more_problems, problem_total
from storage.record.models import Case, CustomField, SalvageCourse
from storage.record.rules import same_study_id, study_id_key

Progress = Callable[[int, int, str], None]  # (done, total, what is happening; total 0: not known yet)
SHOWN_ROWS = 2000  # rows of the file a report keeps for a preview (the file is read a row at a time)
SHOWN_TEXT = 4_000_000  # characters of those rows at most (2,000 rows of long notes would fill memory)


@dataclass(frozen=True)
class ImportOptions:
    add_fields: bool = False  # unknown columns become custom fields (type inferred)
    date_format: str | None = None  # e.g. "%d.%m.%Y"; ISO and real spreadsheet dates always work
    update_existing: bool = False  # a study ID already in the database updates that case
    dry_run: bool = False  # check and report only
    mapping: ColumnMapping | None = None  # the user's columns and values -> Casebook's fields and codes


@dataclass
class ImportReport:
    path: Path
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)  # the first rows as read (SHOWN_ROWS, SHOWN_TEXT)
    problems: list[Problem] = field(default_factory=ProblemList)  # the first few hundred; see more_problems()
    new_fields: list[NewField] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    written: bool = False
    backup: Path | None = None
    sheet: str | None = None  # the sheet header and rows show, of a long-format workbook
    checked_again: str | None = None  # why an import did not write its check's plan but checked the file again
    notes: list[str] = field(default_factory=list)  # e.g. which cells the value mapping leaves empty

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_cells(self) -> dict[tuple[int, str | None], list[str]]:
        """Problems by (row, column) of the previewed sheet for a preview to highlight; row 0 is the header."""
        cells: dict[tuple[int, str | None], list[str]] = {}
        for p in self.problems:
            if p.sheet not in (None, self.sheet):
                continue
            cells.setdefault((p.row or 0, p.column), []).append(dialog_rule(p))
        return cells

    def problem_lines(self, dialog: bool = False) -> list[str]:
        """Each kept problem in words, then 'and N more problems' if there were more than a few hundred.
        In the dialog's words a date column that needs a date format is said once, its cells shortly."""
        lines = [d.text for d in self.dialog_problems()] if dialog else [p.text() for p in self.problems]
        more = more_problems(self.problems)
        return lines + [more] if more else lines

    def dialog_problems(self) -> list[DialogProblem]:
        """The dialog's list of problems, each line with the problem it points to."""
        return dialog_problems(self.problems)

    def summary(self, dialog: bool = False) -> str:
        """The report in a line: the command line's words (the default) or the import dialog's, which counts
        in proper singular and plural and says that a Check wrote nothing yet."""
        notes = "".join(f" {note}" for note in self.notes)
        if not dialog:
            if self.problems:
                return f"{problem_total(self.problems):,} problem(s) in {self.path.name}; nothing was imported.{notes}"
            fields = f", {len(self.new_fields)} new custom field(s)" if self.new_fields else ""
            verb = "imported" if self.written else "would be imported (dry run: nothing written)"
            return f"{len(self.created)} new and {len(self.updated)} updated case(s) {verb}{fields}.{notes}"
        if self.problems:
            return f"{counted(problem_total(self.problems), 'problem')} in {self.path.name}; nothing was imported.{notes}"
        cases = f"{counted(len(self.created), 'new case')} and {counted(len(self.updated), 'updated case')}"
        fields = f", {counted(len(self.new_fields), 'new custom field')}" if self.new_fields else ""
        if self.written:
            return f"Imported {cases}{fields}.{notes}"
        return f"Check: {cases}{fields} to import; nothing written yet (Import writes them).{notes}"


def counted(number: int, noun: str) -> str:
    """'1 new case', '2 new cases', '1,000 problems' (a noun with a regular plural)."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def load_existing(session: Session, keys: list[str], full: bool) -> dict[str, list[Case]]:
    """The stored cases by study_id_key (several if the database already holds, e.g., both X1 and x1)."""
    found: dict[str, dict[int, Case]] = {}
    for start in range(0, len(keys), 500):
        chunk = set(keys[start:start + 500])
        query = select(Case).where(same_study_id(chunk))
        if full:
            query = query.options(*(selectinload(getattr(Case, rel)) for rel in (
                "identity", "findings", "prior_transplants", "assessments", "transplants", "complications",
                "subsequent_therapies", "relapses", "death", "custom_values")),
                selectinload(Case.courses).selectinload(SalvageCourse.drugs))
        for case in session.scalars(query):
            key = study_id_key(case.study_id)
            if key in chunk:
                found.setdefault(key, {})[case.id] = case
    return {key: list(cases.values()) for key, cases in found.items()}


STORED_BATCH = 500  # study IDs whose stored cases are loaded at a time


class StoredCases:
    """load_existing a batch of study IDs at a time, in the order the import asks for them (the file's order of
    first appearance): only the stored cases of the rows being checked are held, so that a file updating
    100,000 cases never loads them all at once. get() must be asked each key once, in that order."""

    def __init__(self, session: Session, keys: list[str], full: bool):
        self.session, self.keys, self.full, self.batch = session, keys, full, STORED_BATCH
        self.start = 0  # of the next batch
        self.loaded: dict[str, list[Case]] = {}
        self.batch_keys: set[str] = set()

    def get(self, key: str) -> list[Case]:
        while key not in self.batch_keys and self.start < len(self.keys):
            chunk = self.keys[self.start:self.start + self.batch]
            self.start += len(chunk)
            self.batch_keys = set(chunk)
            self.loaded = load_existing(self.session, chunk, self.full)  # (the last batch's are let go)
        return self.loaded.get(key, [])


@dataclass
class ImportPlan:
    report: ImportReport
    updated: list[Case] = field(default_factory=list)  # existing cases, changed in the session
    new: list[CaseRows] = field(default_factory=list)  # new cases, checked and flattened
    new_fields: list[CustomField] = field(default_factory=list)
    frozen: bool = False  # the plan's objects are frozen out of the garbage collector's passes (gc.freeze)


def release(items: list[Any] | dict[Any, Any], chunk: int = 2000) -> None:
    """Empty a big list or dict a chunk at a time. Dropping millions of objects at once frees them in one
    C call that holds the interpreter lock for half a second, long enough to freeze the import dialog's
    window; between chunks the GUI thread gets its turn."""
    if isinstance(items, dict):
        while items:
            for _ in range(min(chunk, len(items))):
                items.popitem()
        return
    while items:
        del items[-chunk:]
