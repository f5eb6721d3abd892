"""The sections of the case form, in the clinic's order, each binding document paths to editors.

A section only lays out editors; loading, collecting and showing rule messages is generic
(gui.case_form.form does it from ``fields`` and ``tables``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from gui.case_form.record_table import Column, RecordTable
from gui.widgets.fields import CodeCombo, DateField, FieldError, NumberField, TextField, YesNoCombo
from storage.record import codes

TIMING = {"pre": "pre", "post": "post"}  # before / after salvage: short, the table is narrow
GRADES = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5 (death)"}
# Prior transplants are allogeneic by definition (the section says so): no "autologous" to pick.
ALLOGENEIC_DONOR = {code: label for code, label in codes.DONOR.items() if code != "auto"}


class NotesField(QPlainTextEdit):
    """Free text for notes; same interface as the other editors."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setMinimumHeight(70)
        self.setMaximumHeight(110)
        self.textChanged.connect(self.edited.emit)

    def set_value(self, value: Any) -> None:
        self.blockSignals(True)
        self.setPlainText(value or "")
        self.blockSignals(False)

    def value(self) -> str | None:
        return self.toPlainText().strip() or None


class Section(QFrame):
    """A titled part of the form: scalar editors by document path, tables by list key."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formSection")
        self.title = title
        self.labels: dict[str, str] = {}  # field labels by document path (the banner and navigator name them)
        self.setStyleSheet("#formSection { background: palette(base); border: 1px solid #d0d4da; border-radius: 6px; }")
        self.fields: dict[str, Any] = {}
        self.errors: dict[str, FieldError] = {}
        self.tables: dict[str, RecordTable] = {}
        self.body = QVBoxLayout(self)
        self.body.setSpacing(8)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 12pt; font-weight: 600; color: #1f3a5f;")
        self.body.addWidget(heading)
        self.form = self.new_form()
        self.body.addLayout(self.form)

    @staticmethod
    def new_form() -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(14)
        return form

    def add_field(self, label: str, path: str, editor: Any, form: QFormLayout | None = None, tip: str = "") -> Any:
        """Put an editor with its (hidden) rule message under it into a form row."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(editor)
        error = FieldError(box)
        column.addWidget(error)
        if tip:
            editor.setToolTip(tip)
        (form or self.form).addRow(label, box)
        self.fields[path] = editor
        self.labels[path] = label
        self.errors[path] = error
        return editor

    def add_table(self, key: str, table: RecordTable, title: str = "") -> RecordTable:
        if title:
            heading = QLabel(f"<b>{title}</b>")
            self.body.addWidget(heading)
        self.body.addWidget(table)
        self.tables[key] = table
        return table


def identification_section() -> Section:
    s = Section("Identification")
    s.add_field("Study ID (pseudonym)", "study_id", TextField(), tip="The pseudonym used in every export, e.g. P09")
    s.fields["study_id"].setMaximumWidth(160)
    s.add_field("Sex", "sex", CodeCombo(codes.SEX)).setMaximumWidth(160)
    frame = QFrame()
    frame.setObjectName("identifyingData")
    frame.setStyleSheet(
        "#identifyingData { background: #fff4e0; border: 1px solid #e0a040; border-radius: 4px; }"
    )
    inner = QVBoxLayout(frame)
    mark = QLabel("<b>IDENTIFYING DATA</b> — direct identifiers: kept in their own table and left out of every export")
    mark.setWordWrap(True)
    inner.addWidget(mark)
    form = Section.new_form()
    inner.addLayout(form)
    s.add_field("Name", "identity.name", TextField(), form)
    s.add_field("Hospital number", "identity.hospital_number", TextField(), form).setMaximumWidth(200)
    s.add_field("Date of birth", "identity.birth_date", DateField(), form)
    s.body.addWidget(frame)
    return s


def diagnosis_section() -> Section:
    s = Section("Diagnosis and cytogenetics")
    s.add_field("Diagnosis", "diagnosis", CodeCombo(codes.DIAGNOSIS, show_code=True)).setMaximumWidth(360)
    s.add_field("Subtype / immunophenotype", "subtype", TextField(), tip="e.g. cALL, pro-B-ALL, AML M2")
    s.add_field("Date of initial diagnosis", "initial_diagnosis_date", DateField())
    s.add_field("High-risk cytogenetics", "high_risk_cytogenetics", YesNoCombo()).setMaximumWidth(120)
    s.add_table(
        "findings",
        RecordTable([Column("finding", "Cytogenetic or molecular finding")], "finding"),
        "Cytogenetic and molecular findings",
    )
    return s


def status_section() -> Section:
    s = Section("Status at salvage and prior therapy")
    s.add_field("Disease status", "disease_status", CodeCombo(codes.DISEASE_STATUS)).setMaximumWidth(220)
    s.add_field("Relapse number", "relapse_number", NumberField(integer=True), tip="1 = first relapse, 2 = second, ...")
    s.add_field("Prior regimens", "prior_regimens", NumberField(integer=True))
    s.add_field("Prior therapies of note", "prior_therapies", TextField(), tip="e.g. blinatumomab")
    s.add_table(
        "prior_transplants",
        RecordTable(
            [Column("transplant_date", "Date", "date", width=120),
             Column("donor_type", "Donor", "code", ALLOGENEIC_DONOR)],
            "prior HSCT",
        ),
        "Allogeneic HSCTs before salvage",
    )
    return s


def response_section() -> Section:
    s = Section("Response assessments")
    s.add_table(
        "assessments",
        RecordTable(
            [
                Column("assessed_on", "Date", "date", width=105),
                Column("timing", "Timing", "code", TIMING, width=60,
                       tip="pre = before salvage (baseline), post = after salvage (response)"),
                Column("specimen", "Specimen", "code", {k: k for k in codes.SPECIMEN}, width=75,
                       tip="; ".join(f"{k} = {v}" for k, v in codes.SPECIMEN.items())),
                Column("blast_percent", "Blasts %", "float", width=65),
                Column("mrd_percent", "MRD %", "float", width=60),
                Column("mrd_negative", "MRD neg.", "bool", width=70),
                Column("mrd_method", "MRD method", "code", codes.MRD_METHOD, width=90),
                Column("response", "Response", "code", {k: k for k in codes.RESPONSE}, width=80,
                       tip="; ".join(f"{k} = {v}" for k, v in codes.RESPONSE.items())),
                Column("note", "Note"),
            ],
            "assessment",
        ),
    )
    s.derived_best = QLabel()  # type: ignore[attr-defined]
    s.derived_best.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # type: ignore[attr-defined]
    form = Section.new_form()
    s.body.addLayout(form)
    form.addRow("Best response (derived)", s.derived_best)  # type: ignore[attr-defined]
    s.add_field("Manual best response", "best_response_override", CodeCombo(codes.RESPONSE, show_code=True), form,
                tip="Overrides the derived best response; recorded as manual").setMaximumWidth(360)
    s.add_field("Reason for the manual value", "best_response_override_reason", TextField(), form)
    return s


def transplant_section() -> Section:
    s = Section("Transplant after salvage")
    s.add_table(
        "transplants",
        RecordTable(
            [Column("transplant_date", "Date", "date", width=120),
             Column("donor_type", "Donor", "code", codes.DONOR, width=280),
             Column("transplant_number", "HSCT number", "int", tip="1 = first allogeneic HSCT of the patient")],
            "transplant",
        ),
    )
    return s


def complications_section() -> Section:
    s = Section("Complications")
    s.add_table(
        "complications",
        RecordTable(
            [
                Column("term", "Complication", "code", codes.COMPLICATION, width=270),
                Column("grade", "CTCAE grade", "int", width=85),
                Column("onset", "Onset", "date", width=105),
                Column("resolved_on", "Resolved", "date", width=105),
                Column("intensive_care", "ICU", "bool", width=55),
                Column("description", "Description"),
            ],
            "complication",
        ),
    )
    return s


def subsequent_section() -> Section:
    s = Section("Subsequent therapies")
    s.add_table(
        "subsequent_therapies",
        RecordTable(
            [Column("therapy", "Therapy", width=380),
             Column("start_date", "Start", "date", width=105),
             Column("end_date", "End", "date", width=105)],
            "therapy",
        ),
    )
    return s
