"""Asking for the reason of a change to a saved case (storage.safety.reasons).

The storage layer asks through ``Database.reason_prompt`` during a save that has no reason when the study
requires one; this module supplies a dialog for it. Cancelling leaves the reason empty, so a required one
refuses the change and nothing is saved. The form offers an optional reason with every save itself (its
Save row); deleting a case asks for one in its confirmation (DeleteCaseDialog).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.study_window import StudyWindow
from storage.database import Database
from storage.safety.reasons import reason_policy, reason_required, set_reason_policy, why_required


class ReasonDialog(QDialog):
    """One line: why the saved case is changed. OK stays disabled until something is typed when required."""

    def __init__(self, parent: QWidget | None, what: str, required: bool, why: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reason for the change")
        layout = QVBoxLayout(self)
        cause = why or "the study requires a reason"
        need = (f"{cause[:1].upper()}{cause[1:]}, so every change to a saved case needs a "
                "reason; it is kept in the audit trail." if required
                else "You may give a reason for this change; it is kept in the audit trail.")
        heading = QLabel(f"{what}.\n{need}\nCancel leaves everything as it is.")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. corrected from the source document; query 12 of the monitor")
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if required:
            ok.setEnabled(False)
            self.reason.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))

    def value(self) -> str:
        return self.reason.text().strip()


def install_reason_prompt(parent: QWidget, db: Database) -> None:
    """Let saves of the database ask for a reason with a dialog when the study requires one."""

    def ask(what: str, required: bool) -> str | None:
        if not required:
            return None  # optional: never a dialog on every save (give one with Database.audit_context)
        with db.session() as session:
            why = why_required(session)
        dialog = ReasonDialog(parent, f"Changing {what}", required, why)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None

    db.reason_prompt = ask


def reason_for_step(parent: QWidget, db: Database, kind: str, command: object) -> str | bool | None:
    """The reason for an undo or a redo, asked before the step when the study requires one: the reason,
    None when none is needed (or the step carries its own, as a redo does), False when the user cancelled
    (the step then stays where it is, nothing changed)."""
    if command is None or (kind == "redo" and getattr(command, "reason", None)):
        return None  # a redo repeats the reason its step was done with
    with db.session() as session:
        required = reason_required(session)
        why = why_required(session) if required else None
    if not required:
        return None
    step = command.text() if hasattr(command, "text") else "this step"
    dialog = ReasonDialog(parent, f"{kind.capitalize()}: {step}", True, why)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else False


class DeleteCaseDialog(QDialog):
    """The confirmation of a deletion, with the reason for it (optional, or required by the study)."""

    def __init__(self, parent: QWidget | None, study_id: str, required: bool, why: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete case")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Delete case {study_id} with all its courses, assessments and outcomes?\n"
                                "You can undo this with Edit ▸ Undo (Ctrl+Z)."))
        layout.addWidget(QLabel(f"Reason for the deletion (required: {why or 'the study requires one'}):"
                                if required else "Reason for the deletion (optional; kept in the audit trail):"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("e.g. duplicate of another case; consent withdrawn")
        layout.addWidget(self.reason)
        buttons = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(buttons.Cancel)
        self.delete_button = self.buttons.addButton("Delete case", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.buttons.button(buttons.Cancel).setDefault(True)  # Enter never deletes by accident
        if required:
            self.delete_button.setEnabled(False)
            self.reason.textChanged.connect(lambda text: self.delete_button.setEnabled(bool(text.strip())))

    def value(self) -> str:
        return " ".join(self.reason.text().split())


def confirm_deletion(parent: QWidget, db: Database, study_id: str) -> str | None:
    """Ask to delete a case: None if cancelled, else the reason given ("" for none, when optional)."""
    with db.session() as session:
        required = reason_required(session)
        why = why_required(session) if required else None
    dialog = DeleteCaseDialog(parent, study_id, required, why)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.value()


def run_step_in_trail(parent: QWidget, db: Database, kind: str, stack: QUndoStack, step: Callable[[], None]) -> None:
    """Run an undo or a redo so that the audit trail records it as one, with the reason the study requires
    asked before it; cancelling that question leaves the step on the stack and changes nothing."""
    index = stack.index() - 1 if kind == "undo" else stack.index()
    command = stack.command(index)
    text = command.text() if command is not None else None  # read now: a step that fails is deleted by the stack
    reason = reason_for_step(parent, db, kind, command)
    if reason is False:
        return
    before, steps = stack.index(), stack.count()
    with db.audit_context(event=kind, reason=reason if isinstance(reason, str) and reason else None):
        step()
    status = getattr(parent, "statusBar", None)
    done = stack.index() != before and stack.count() == steps  # a failed step leaves the stack, and is explained
    if text is not None and callable(status) and done:  # not the message of the step before ("Deleted case P04")
        status().showMessage(f"{'Undone' if kind == 'undo' else 'Redone'}: {text}", 5000)


POLICY_WORDS = {
    "optional": "Optional: offered with every change, never required",
    "after_freeze": "Required once the data were frozen (Tools ▸ Freeze dataset…); optional before",
    "always": "Required for every change to a saved case",
}


class ReasonPolicyDialog(QDialog):
    """Tools ▸ Reasons for changes…: when the study requires a reason for a change to a saved case."""

    def __init__(self, parent: QWidget | None, current: str, why: str | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reasons for changes")
        layout = QVBoxLayout(self)
        intro = QLabel("A reason is kept in the audit trail with every change to a saved case, its deletion and "
                       "an undo. When does this study require one?")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.choices: dict[str, QRadioButton] = {}
        for policy, words in POLICY_WORDS.items():
            button = QRadioButton(words)
            button.setChecked(policy == current)
            self.choices[policy] = button
            layout.addWidget(button)
        now = QLabel(f"Now: required, as {why}." if why else "Now: optional.")
        now.setWordWrap(True)
        layout.addWidget(now)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> str:
        return next(policy for policy, button in self.choices.items() if button.isChecked())


def choose_reason_policy(window: StudyWindow) -> None:
    """Tools ▸ Reasons for changes…: the study setting (in the study, so every window and computer follows it)."""
    db = window.db
    if db is None:
        return
    with db.session() as session:
        current, why = reason_policy(session), why_required(session)
    dialog = ReasonPolicyDialog(window, current, why)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen() == current:
        return
    with db.session() as session:
        set_reason_policy(session, dialog.chosen())  # a study setting: its change is in the audit trail too
    with db.session() as session:
        required, why = reason_required(session), why_required(session)
    if window.form is not None:
        window.form.save_row.set_required(required, why)  # the Save row says what is required now

