"""Outcome and follow-up (relapses, death, last follow-up, derived endpoints), custom fields, notes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from gui.case_form.record_table import Column, RecordTable
from gui.case_form.sections import NotesField, Section
from gui.widgets.fields import YES_NO, CodeCombo, DateField, NumberField, TextField
from storage.record import codes
from storage.record.case_documents import CustomFieldSpec


class OutcomeSection(Section):
    def __init__(self) -> None:
        super().__init__("Outcome and follow-up")
        self.body.removeItem(self.form)
        self.add_table(
            "relapses",
            RecordTable(
                [Column("relapse_date", "Date", "date", width=110),
                 Column("site", "Site", "code", codes.RELAPSE_SITE, width=190),
                 Column("note", "Note")],
                "relapse",
            ),
            "Relapse or progression after salvage",
        )
        # One form for death and follow-up, so their labels line up; headings span the rows.
        self.body.addLayout(self.form)
        self.form.addRow(QLabel("<b>Death</b>"))
        self.add_field("Date of death", "death.death_date", DateField())
        self.add_field("Cause", "death.cause", CodeCombo(codes.DEATH_CAUSE)).setMaximumWidth(220)
        self.add_field("Cause in words", "death.cause_detail", TextField())
        self.form.addRow(QLabel("<b>Last follow-up</b>"))
        self.add_field("Date of last contact", "last_follow_up", DateField(),
                       tip="For a patient who died: the date of death, never later")
        self.add_field("Status at last contact", "last_follow_up_status", CodeCombo(codes.FOLLOW_UP_STATUS),
                       tip="Leave empty for a patient who died").setMaximumWidth(220)
        frame = QFrame()
        frame.setObjectName("derivedEndpoints")
        frame.setStyleSheet("#derivedEndpoints { background: #eef2f7; border-radius: 4px; }")
        inner = QVBoxLayout(frame)
        heading = QLabel("<b>Derived endpoints</b> (computed from the dates above, never typed in; "
                         "1 month = 30.4375 days)")
        heading.setWordWrap(True)
        inner.addWidget(heading)
        self.os_label = QLabel()
        self.efs_label = QLabel()
        for label in (self.os_label, self.efs_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            inner.addWidget(label)
        self.body.addWidget(frame)


class CustomSection(Section):
    """One editor per custom field the investigator defined; rebuilt when the definitions change."""

    def __init__(self) -> None:
        super().__init__("Custom fields")
        self.specs: list[CustomFieldSpec] = []
        self.empty_label = QLabel("No custom fields are defined for this study.")
        self.empty_label.setStyleSheet("color: #666;")
        self.body.addWidget(self.empty_label)

    def set_specs(self, specs: list[CustomFieldSpec]) -> bool:
        """Rebuild the editors if the definitions changed; True if they were rebuilt."""
        if specs == self.specs:
            return False
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields.clear()
        self.errors.clear()
        self.specs = list(specs)
        for spec in specs:
            path = f"custom.{spec.name}"
            editor: QWidget
            if spec.kind == "number":
                editor = NumberField()
            elif spec.kind == "date":
                editor = DateField()
            elif spec.kind == "choice":
                editor = CodeCombo({c: c for c in spec.choices})
            elif spec.kind == "yesno":
                editor = CodeCombo(YES_NO)  # stored as the text "yes" or "no"
            else:
                editor = TextField()
            self.add_field(spec.name, path, editor)
        self.empty_label.setVisible(not specs)
        return True


class NotesSection(Section):
    def __init__(self) -> None:
        super().__init__("Notes")
        self.add_field("Notes", "notes", NotesField())
