"""The form's Save row: the reason for a change to a saved case, Discard changes and Save case.

The reason is offered with every save of a saved case (issue 14, point 15): optional by default, and
marked required once the study requires one (storage.safety.reasons; e.g. after a data freeze). The form
passes what is typed to Database.audit_context, so it lands in every audit entry of that save; when a
required reason is left empty, the window's reason dialog asks during the save (gui.data.change_reasons).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

OPTIONAL_HINT = "optional, e.g. corrected from the source document"
REQUIRED_HINT = "required, e.g. corrected from the source document"


class SaveRow(QWidget):
    """One line under the case's title: "Reason for change" [........] [Discard changes] [Save case]."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason_label = QLabel("Reason for change:")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(OPTIONAL_HINT)
        self.reason.setMaxLength(500)
        self.reason.setClearButtonEnabled(True)
        self.reason.setToolTip("Why this saved case is changed; kept with every entry of this save in the "
                               "audit trail (Edit ▸ History of this case…). Cleared once the case is saved.")
        self.reason_label.setBuddy(self.reason)
        self.required = False
        self.revert_button = QPushButton("Discard changes")
        self.save_button = QPushButton("Save case")
        self.save_button.setToolTip("Save this case (Ctrl+S)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason, 1)
        layout.addSpacing(8)
        layout.addWidget(self.revert_button)
        layout.addWidget(self.save_button)

    def show_reason(self, shown: bool, required: bool = False, why: str | None = None) -> None:
        """Offer the reason for a saved case (never for no case); say whether the study requires one, and why."""
        self.reason.clear()
        self.set_required(required, why)
        self.reason_label.setVisible(shown)
        self.reason.setVisible(shown)

    def set_required(self, required: bool, why: str | None = None) -> None:
        """Say whether the study requires a reason (the text typed so far stays)."""
        self.required = required
        self.reason.setPlaceholderText(REQUIRED_HINT if required else OPTIONAL_HINT)
        self.reason_label.setToolTip(f"Required: {why}." if required and why else "")
        self.reason_label.setText("Reason for change (required):" if required else "Reason for change:")
        self.reason_label.setStyleSheet("font-weight: 600;" if required else "")

    def reason_text(self) -> str | None:
        text = " ".join(self.reason.text().split())  # one line, as the trail shows it
        return text or None

    def show_refused(self, refused: bool) -> None:
        """The last save was refused and problems remain: the button says so, in red."""
        self.save_button.setText("Not saved" if refused else "Save case")  # short: the reason field keeps its room
        self.save_button.setToolTip("Not saved: the message above the form says why" if refused
                                    else "Save this case (Ctrl+S)")
        self.save_button.setStyleSheet("color: #b00020; font-weight: 600;" if refused else "")
