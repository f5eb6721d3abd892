"""Asking for the reason of a change to a saved case (storage.safety.reasons).

The storage layer asks through ``Database.reason_prompt`` during a save that has no reason when the study
requires one; this module supplies a dialog for it. Cancelling leaves the reason empty, so a required one
refuses the change and nothing is saved. The form offers an optional reason with every save itself (its
Save row); deleting a case asks for one in its confirmation (DeleteCaseDialog).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from storage.database import Database
from storage.safety.reasons import reason_required


class ReasonDialog(QDialog):
    """One line: why the saved case is changed. OK stays disabled until something is typed when required."""

    def __init__(self, parent: QWidget | None, what: str, required: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reason for the change")
        layout = QVBoxLayout(self)
        need = ("The data were frozen, so the study requires a reason for every change to a saved case."
                if required else "You may give a reason for this change; it is kept in the audit trail.")
        layout.addWidget(QLabel(f"Changing {what}.\n{need}"))
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
        dialog = ReasonDialog(parent, what, required)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None

    db.reason_prompt = ask


class DeleteCaseDialog(QDialog):
    """The confirmation of a deletion, with the reason for it (optional, or required by the study)."""

    def __init__(self, parent: QWidget | None, study_id: str, required: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete case")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Delete case {study_id} with all its courses, assessments and outcomes?\n"
                                "You can undo this with Edit ▸ Undo (Ctrl+Z)."))
        layout.addWidget(QLabel("Reason for the deletion (required by the study, e.g. after a data freeze):" if required
                                else "Reason for the deletion (optional; kept in the audit trail):"))
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
    dialog = DeleteCaseDialog(parent, study_id, required)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.value()
