"""The case form: one case, in sections that follow the clinic's order.

The form turns editors into a document (storage.record.case_documents) and back. Inline validation
runs storage.record.rules.check_case on a transient case built from that document, so the rules have
one source; each message goes next to the field its dotted path names. Saving goes through
storage and lands on the undo stack as one command.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.case_form import navigator, row_undo, sections
from gui.case_form.commands import Notify, Report, SaveCaseCommand
from gui.case_form.courses import CoursesSection
from gui.case_form.derived import derived_texts
from gui.case_form.navigator import ProblemBanner, SectionNavigator
from gui.case_form.outcome import CustomSection, NotesSection, OutcomeSection
from gui.case_form.save_row import SaveRow
from gui.widgets.date_display import notifier, show_dates_in
from gui.widgets.fields import format_number
from storage.database import Database
from storage.record.case_documents import (
    Document,
    case_from_document,
    empty_document,
    load_custom_fields,
    load_document,
    save_document,
)
from storage.record.dosing import (
    CatalogueDrug,
    add_to_catalogue,
    load_acknowledged,
    load_catalogue,
    save_acknowledged,
    seed_catalogue,
)
from storage.record.rules import RecordRejected, check_case
from storage.safety.reasons import reason_required, why_required
from storage.views.quality import document_problems


class CaseForm(QWidget):
    saved = Signal(int)
    dirty_changed = Signal(bool)

    def __init__(self, db: Database, undo_stack: QUndoStack, notify: Notify, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.undo_stack, self._notify = db, undo_stack, notify
        self.case_id: int | None = None
        self._original: Document | None = None
        self._dirty = False
        self._loading = False
        self.problems: dict[str, list[str]] = {}
        self.read_only = False  # the database is open read-only: nothing can be saved
        self.report: Report | None = None  # where an undo step that fails later is explained
        self._acknowledged: set[str] = set()  # dose warnings acknowledged, as stored
        self._missing_by_section: dict[int, int] = {}
        self._jumping = False
        notifier().changed.connect(self._dates_restyled)

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.endpoints_line = QLabel()
        self.endpoints_line.setStyleSheet("color: #333;")
        self.quality_line = QLabel()
        self.quality_line.setWordWrap(True)
        self.quality_line.setStyleSheet("color: #a05a00;")
        self.banner = ProblemBanner(self.jump_to, self)
        self._refused = False  # the last save was refused: the banner and the button say so
        self.save_row = SaveRow()  # the reason for a change, Discard changes, Save case
        self.save_button, self.revert_button = self.save_row.save_button, self.save_row.revert_button
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        header = QVBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.endpoints_line)
        header.addWidget(self.quality_line)
        header.addWidget(self.save_row)

        self.identification = sections.identification_section()
        self.courses = CoursesSection()
        self.response = sections.response_section()
        self.outcome = OutcomeSection()
        self.custom = CustomSection()
        self.sections: list[sections.Section] = [
            self.identification,
            sections.diagnosis_section(),
            sections.status_section(),
            self.courses,
            self.response,
            sections.transplant_section(),
            sections.complications_section(),
            sections.subsequent_section(),
            self.outcome,
            self.custom,
            NotesSection(),
        ]
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setSpacing(12)
        for section in self.sections:
            page_layout.addWidget(section)
        page_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        # The page is as wide as the form: it scrolls up and down, never sideways (no label cut).
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(page)
        self.navigator = SectionNavigator([s.title for s in self.sections])
        self.navigator.jump.connect(self.show_section)
        self.scroll_area.verticalScrollBar().valueChanged.connect(self._follow_scroll)
        body = QHBoxLayout()
        body.addWidget(self.navigator)
        body.addWidget(self.scroll_area, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        self._make_shortcuts()
        self.courses.store_drug = self._store_drug
        # A bound method: the connection ends with this form (a partial would outlive it).
        QApplication.instance().focusChanged.connect(self._focus_changed)  # type: ignore[union-attr]

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(250)
        self._validate_timer.timeout.connect(self.validate)
        for section in self.sections:
            self._connect(section)
        self.row_undo = row_undo.attach(self)  # Delete in a table is a step of the window's history
        self.clear()

    # --- sections -------------------------------------------------------------------------
    def _make_shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        keys: list[tuple[str, Callable[[], None]]] = [
            ("Ctrl+PgDown", lambda: self.show_section(self.current_section() + 1)),
            ("Ctrl+PgUp", lambda: self.show_section(self.current_section() - 1)),
        ]
        for i in range(min(9, len(self.sections))):
            keys.append((f"Alt+{i + 1}", partial(self.show_section, i)))
        for key, slot in keys:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)

    def current_section(self) -> int:
        return max(self.navigator.currentRow(), 0)

    def show_section(self, i: int) -> None:
        """Scroll a section to the top of the page and put the focus on its first field or table."""
        if not 0 <= i < len(self.sections):
            return
        section = self.sections[i]
        self.navigator.setCurrentRow(i)
        bar = self.scroll_area.verticalScrollBar()
        self._jumping = True  # the navigator keeps the chosen section, also one too short to reach the top
        bar.setValue(min(section.y(), bar.maximum()))
        self._jumping = False
        targets = [*section.fields.values(), *(t.table for t in section.tables.values())]
        if targets and self.scroll_area.isEnabled():
            first = min(targets, key=lambda w: w.mapTo(section, w.rect().topLeft()).y())
            first.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _follow_scroll(self, value: int) -> None:
        """The navigator marks the section at the top of the page."""
        if self._jumping:
            return
        shown = [i for i, s in enumerate(self.sections) if s.y() <= value + 40]
        self.navigator.setCurrentRow(shown[-1] if shown else 0)

    def _store_drug(self, entry: CatalogueDrug) -> list[CatalogueDrug]:
        """Extend the study's drug catalogue (its own transaction: it is study data, not case data)."""
        if self.read_only:
            raise RuntimeError("the database is open read-only")
        from storage.database import DatabaseError

        try:
            with self.db.session() as s:
                seed_catalogue(s)
                return add_to_catalogue(s, entry)
        except DatabaseError as exc:
            raise RuntimeError(str(exc)) from None

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        navigator.focus_changed(self, old, new)

    def jump_to(self, path: str) -> None:
        """Go to the field or cell a problem's path names (a banner link)."""
        navigator.jump_to(self, path)

    def _connect(self, section: sections.Section) -> None:
        for editor in section.fields.values():
            editor.edited.connect(self._edited)
        for table in section.tables.values():
            table.changed.connect(self._edited)

    # --- loading ---------------------------------------------------------------------------
    def clear(self) -> None:
        """Show no case: empty, disabled editors (never the greyed data of a deleted case)."""
        self.case_id, self._original = None, None
        self._set_document(empty_document())
        self.title.setText("No case selected")
        self.endpoints_line.setText("Select a case in the list, or add one with Ctrl+N.")
        self.quality_line.hide()
        self.scroll_area.setEnabled(False)
        self._set_dirty(False)
        self.save_button.setEnabled(False)
        self.revert_button.setEnabled(False)
        self.save_row.show_reason(False)  # no case: nothing to give a reason for
        self.banner.show_problems([])

    def load(self, case_id: int) -> None:
        with self.db.session() as s:
            doc = load_document(s, case_id)
            specs = load_custom_fields(s)
            catalogue = load_catalogue(s)
            self._acknowledged = load_acknowledged(s, case_id)
            required = reason_required(s)
            why = why_required(s) if required else None
        self.save_row.show_reason(True, required, why)  # every case the form shows is a saved one
        self.save_row.reason.setEnabled(not self.read_only)
        self.courses.catalogue = catalogue
        if self.custom.set_specs(specs):  # new editors: connect them once
            for editor in self.custom.fields.values():
                editor.edited.connect(self._edited)
        self.case_id = case_id
        self._set_document(doc)
        self._original = self.document()[0]
        self._update_title()

    def _set_document(self, doc: Document) -> None:
        self.row_undo.drop()  # the rows removed from the last document are not this one's
        self._loading = True
        for section in self.sections:
            for path, editor in section.fields.items():
                editor.set_value(self._get(doc, path))
            for key, table in section.tables.items():
                if key != "courses":  # courses come with their drugs, below
                    table.set_rows(doc.get(key) or [])
        self.courses.load(doc.get("courses") or [], acknowledged=self._acknowledged)
        self._base = copy.deepcopy(doc)
        self._loading = False
        self.scroll_area.setEnabled(True)
        self.show_problems({})
        self._set_dirty(False)
        self._refresh_derived(doc)

    @staticmethod
    def _get(doc: Document, path: str) -> Any:
        head, _, tail = path.partition(".")
        if not tail:
            return doc.get(head)
        return (doc.get(head) or {}).get(tail)

    # --- collecting ------------------------------------------------------------------------
    def document(self) -> tuple[Document, dict[str, str]]:
        """The document the editors show, and the inputs that cannot be read, by path."""
        doc = copy.deepcopy(self._base)
        unreadable: dict[str, str] = {}
        custom: dict[str, str] = {}
        parts: dict[str, dict[str, Any]] = {"identity": {}, "death": {}}
        for section in self.sections:
            for path, editor in section.fields.items():
                try:
                    value = editor.value()
                except ValueError as exc:
                    unreadable[path] = str(exc)
                    value = None
                head, _, tail = path.partition(".")
                if head == "custom":
                    if value is not None:
                        custom[tail] = format_number(value) if isinstance(value, int | float) else str(value)
                elif tail:
                    parts[head][tail] = value
                else:
                    doc[head] = value
            for key, table in section.tables.items():
                if key == "courses":
                    continue
                rows, bad = table.rows()
                doc[key] = rows
                unreadable.update({f"{key}[{r}].{k}": m for (r, k), m in bad.items()})
        for head, values in parts.items():
            doc[head] = values if any(v is not None for v in values.values()) else None
        doc["courses"], bad_courses = self.courses.collect()
        unreadable.update(bad_courses)
        doc["custom"] = custom
        return doc, unreadable

    # --- validation ------------------------------------------------------------------------
    def _edited(self) -> None:
        if self._loading or self.case_id is None:
            return
        self._validate_timer.start()
        self._refresh_derived(self.document()[0])

    def validate(self) -> dict[str, list[str]]:
        """Run the storage rules on what the form shows; show each message by its field."""
        doc, unreadable = self.document()
        problems: dict[str, list[str]] = {path: [message] for path, message in unreadable.items()}
        for violation in check_case(case_from_document(doc, self.custom.specs)):
            problems.setdefault(violation.field, []).append(show_dates_in(violation.rule))
        self.show_problems(problems)
        self._set_dirty(doc != self._original or bool(unreadable) or self.courses.acknowledged != self._acknowledged)
        self._refresh_derived(doc)
        return problems

    def _dates_restyled(self, _style: str) -> None:
        """Dates are shown in another form now: the messages and derived lines that quote them too."""
        if self.case_id is not None:
            self.validate()

    def show_problems(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        shown = {p: m for p, m in problems.items() if not navigator.being_filled(self, p)}
        for section in self.sections:
            for path, error in section.errors.items():
                error.show_messages(shown.get(path, []))
            for key, table in section.tables.items():
                if key == "courses":
                    continue
                cells = {}
                for path, messages in problems.items():
                    parsed = navigator.list_path(path)
                    if parsed and parsed[0] == key:
                        cells[(parsed[1], parsed[2])] = messages
                table.show_problems(cells)
        course_problems = {p: m for p, m in problems.items() if p == "courses" or p.startswith("courses[")}
        self.courses.show_problems(course_problems)
        links = [(path, f"{navigator.describe(self.sections, path)}: {m}")
                 for path, messages in shown.items() for m in messages]
        warnings = [("courses", w) for w in self.courses.all_warnings()] if self.case_id is not None else []
        if not shown:
            self._refused = False
        self.banner.show_problems(links, refused=self._refused, warnings=warnings)
        self.save_row.show_refused(self._refused and bool(shown))
        by_section: dict[int, int] = {}
        for path, messages in shown.items():
            i = navigator.section_of(self.sections, path)
            if i is not None:
                by_section[i] = by_section.get(i, 0) + len(messages)
        self.navigator.set_states(by_section, self._missing_by_section)

    def _refresh_derived(self, doc: Document) -> None:
        derived = derived_texts(doc)
        self.outcome.os_label.setText(derived.overall_survival)
        self.outcome.efs_label.setText(derived.event_free_survival)
        self.endpoints_line.setText(derived.endpoints_line)
        self.response.derived_best.setText(derived.best_response)  # type: ignore[attr-defined]
        missing = document_problems(doc) if self.case_id is not None else []
        self.quality_line.setText(f"To complete: {'; '.join(missing)}" if missing else "")
        self.quality_line.setVisible(bool(missing))
        by_section: dict[int, int] = {}
        for item in missing:
            i = navigator.section_of(self.sections, navigator.MISSING_AT.get(item, ""))
            if i is not None:
                by_section[i] = by_section.get(i, 0) + 1
        if by_section != self._missing_by_section:
            self._missing_by_section = by_section
            self.show_problems(self.problems)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
        self.save_button.setEnabled(dirty and not self.read_only)
        self.revert_button.setEnabled(dirty)
        self._update_title()

    def _update_title(self) -> None:
        if self.case_id is not None and self._original is not None:
            sid = self._original.get("study_id") or "new case"
            self.title.setText(f"Case {sid}" + (" — unsaved changes" if self._dirty else ""))

    def _commit_open_editors(self) -> None:
        """A cell still being typed in counts: move the focus off it so its delegate commits it."""
        focused = QApplication.focusWidget()
        if focused is None:
            return
        tables = [t for section in self.sections for t in section.tables.values()] + [self.courses.drugs]
        for table in tables:
            if table.table.viewport().isAncestorOf(focused):
                table.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def is_dirty(self) -> bool:
        if self.case_id is None or self._loading:
            return False
        self._commit_open_editors()
        self._validate_timer.stop()
        self.validate()
        return self._dirty

    # --- saving ------------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the shown case if the rules allow it; refused (and nothing written) otherwise."""
        if self.case_id is None or self._original is None:
            return False
        if self.read_only:
            self.banner.show_notice("This database is open read-only (another Casebook window holds it); "
                                    "nothing can be saved here.")
            return False
        self._commit_open_editors()
        self._validate_timer.stop()
        for table in [t for section in self.sections for t in section.tables.values()] + [self.courses.drugs]:
            table.filling = None  # saving: every row counts, also one still being filled
        self._refused = True  # until the rules pass: the banner and the button say "Not saved"
        problems = self.validate()
        if problems:
            QApplication.beep()
            return False
        self._refused = False
        doc, _unreadable = self.document()
        acknowledged = set(self.courses.acknowledged)
        if doc == self._original and acknowledged == self._acknowledged:
            return True
        reason = self.save_row.reason_text()  # on every audit entry of this save; asked if required and empty
        try:
            with self.db.audit_context(reason=reason), self.db.session() as s:
                save_document(s, doc, self.case_id)
                save_acknowledged(s, self.case_id, acknowledged)  # same transaction as the case
        except RecordRejected as exc:  # e.g. a study ID another case already has
            self._refused = True
            by_field: dict[str, list[str]] = {}
            for violation in exc.violations:
                by_field.setdefault(violation.field, []).append(show_dates_in(violation.rule))
            self.show_problems(by_field)
            return False
        with self.db.session() as s:
            saved = load_document(s, self.case_id)
        self.row_undo.drop()  # the removed rows are part of this saved edit
        self._acknowledged = acknowledged
        if saved != self._original:
            command = SaveCaseCommand(self.db, self.case_id, self._original, saved, self._notify, applied=True,
                                      reason=reason)
            if self.report is not None:
                command.report = self.report
            self.undo_stack.push(command)
        self._original = saved
        self.save_row.reason.clear()  # the next save gives its own reason
        self._set_dirty(False)
        self._notify(self.case_id)
        self.saved.emit(self.case_id)
        return True

    def revert(self) -> None:
        if self.case_id is not None:
            self.load(self.case_id)

    def maybe_leave(self) -> bool:
        """Before the form shows something else: ask to save, discard or cancel unsaved edits."""
        if not self.is_dirty():
            return True
        if self.read_only:  # nothing here can be saved; the title says so
            self.revert()
            return True
        sid = (self._original or {}).get("study_id") or "this case"
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Case {sid} has changes that are not saved.\nSave them?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save,
        )
        if answer == buttons.Save:
            if self.save():
                return True
            QMessageBox.warning(self, "Not saved", "The case breaks a rule; the marked fields say which. "
                                "Fix them, or discard the changes.")
            return False
        if answer == buttons.Discard:
            self.revert()
            return True
        return False

    def focus_first_field(self) -> None:
        field = self.identification.fields["study_id"]
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll_area.ensureWidgetVisible(field)  # a new case opens at the top, not mid-form
