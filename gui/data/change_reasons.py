"""Asking for the reason of a change to a saved case, when the study requires one (storage.safety.reasons).

The storage layer asks through ``Database.reason_prompt`` during the save; this module supplies a dialog
for it. Cancelling leaves the reason empty, so a required one refuses the change and nothing is saved.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from storage.database import Database


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
