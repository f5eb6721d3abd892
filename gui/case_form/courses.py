"""Salvage courses and the drugs of each course, with body-surface area and total dose computed live."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton

from gui.case_form.record_table import Column, RecordTable
from gui.case_form.sections import Section
from gui.widgets.fields import FieldError
from storage.record import codes
from storage.record.dosing import (
    ARTICLE_DRUGS,
    CatalogueDrug,
    dose_warnings,
    match_route,
    match_unit,
    total_dose_explained,
    unit_label,
)
from storage.record.models import mosteller_bsa

WARNING_STYLE = "color: #8a5300; font-size: 90%;"


def drug_choice(entry: CatalogueDrug) -> str:
    """How a catalogue drug is offered while typing: 'cytarabine (intrathecal, mg)'."""
    return f"{entry.name} ({codes.ROUTE[entry.route]}, {unit_label(entry.unit)})"


def warning_key(drug: dict[str, Any], message: str) -> str:
    """What an acknowledgement is bound to: the row's drug, dose, unit and route, and the warning.
    A changed dose, unit or route brings the warning back."""
    return "|".join(str(drug.get(k) or "") for k in ("drug", "dose", "unit", "doses", "route")) + "|" + message


def _bsa_text(row: dict[str, Any]) -> str:
    bsa = mosteller_bsa(row.get("height_cm"), row.get("weight_kg"))
    return f"{bsa:.2f} m²" if bsa is not None else "needs height and weight"


class CoursesSection(Section):
    """Courses in one table; the drugs of the selected course in a second one."""

    def __init__(self) -> None:
        super().__init__("Salvage courses and drugs")
        self.courses = self.add_table(
            "courses",
            RecordTable(
                [
                    Column("course_number", "Course", "int", width=60),
                    Column("start_date", "Day 1", "date", width=110, tip="Day 1 of course 1 is time zero"),
                    Column("height_cm", "Height (cm)", "float", width=90),
                    Column("weight_kg", "Weight (kg)", "float", width=90),
                    Column("bsa", "BSA (Mosteller)", "computed", compute=_bsa_text,
                           tip="√(height × weight / 3600), computed"),
                ],
                "course",
                live_numbers=True,
            ),
        )
        self.course_error = FieldError(self)
        self.body.addWidget(self.course_error)
        self.drugs_title = QLabel()
        self.body.addWidget(self.drugs_title)
        self.catalogue: list[CatalogueDrug] = list(ARTICLE_DRUGS)
        self.acknowledged: set[str] = set()  # warning keys the investigator has acknowledged
        self.drugs = RecordTable(
            [
                Column("drug", "Drug", width=150, min_width=110, suggest=self._drug_choices,
                       expand=self._drug_picked, tip="Type part of a name: the study's drug catalogue pops up"),
                Column("dose", "Dose", "float", width=55),
                Column("unit", "Unit", "code", codes.DOSE_UNIT, width=60, match=match_unit,
                       tip="Typed exactly: mg, mg/m2, g/m2 or mg/kg (mg is never taken for mg/m²)"),
                Column("doses", "Doses", "int", width=50, tip="Number of doses in the course"),
                Column("route", "Route", "code", {k: k for k in codes.ROUTE}, width=55, match=match_route,
                       tip="; ".join(f"{k} = {v}" for k, v in codes.ROUTE.items())),
                Column("dose_modification", "Reason for reduced/raised dose", width=140),
                Column("total", "Total dose (computed)", "computed", compute=self._total_text, width=220,
                       min_width=120, tip="dose × doses × BSA (Mosteller) for per-m² doses, × weight for mg/kg"),
            ],
            "drug",
            live_numbers=True,
        )
        self.body.addWidget(self.drugs)
        self.dose_warning = QLabel()
        self.dose_warning.setWordWrap(True)
        self.dose_warning.setStyleSheet(WARNING_STYLE)
        self.acknowledge_button = QPushButton("Acknowledge the warnings of this drug")
        self.acknowledge_button.setToolTip("The dose is right as typed: the warnings of the selected drug go "
                                           "away until its dose, unit or route change")
        self.acknowledge_button.clicked.connect(self.acknowledge_current)
        self.body.addWidget(self.dose_warning)
        # A drug the catalogue does not know yet: stored for the study with the row's unit and route.
        self.add_to_catalogue = QPushButton("Add this drug to the study's catalogue")
        self.add_to_catalogue.setToolTip("The selected drug, with its unit and route, is offered when typing "
                                         "in every case of this study from now on")
        self.add_to_catalogue.clicked.connect(self._add_current_to_catalogue)
        self.store_drug: Callable[[CatalogueDrug], list[CatalogueDrug]] | None = None  # set by the form
        warning_row = QHBoxLayout()
        warning_row.addWidget(self.acknowledge_button)
        warning_row.addWidget(self.add_to_catalogue)
        warning_row.addStretch(1)
        self.body.addLayout(warning_row)
        self.drugs.current_row_changed.connect(lambda _r: self._show_warnings())
        self._shown_course = -1
        self._switch_refused = ""  # why the selection stayed on a course whose drugs cannot be read
        self.courses.remove_button.clicked.disconnect()
        self.courses.remove_button.clicked.connect(self._remove_course)
        self.courses.current_row_changed.connect(self._show_course)
        self.courses.changed.connect(self._course_edited)
        self.drugs.changed.connect(self._store_drugs)
        self._show_course(-1)

    # --- the drugs of the selected course ------------------------------------------------
    def _current_course(self) -> dict[str, Any]:
        r = self._shown_course
        return self.courses.row_data(r) if 0 <= r < self.courses.table.rowCount() else {}

    def _total_text(self, drug: dict[str, Any]) -> str:
        course = self._current_course()
        text = total_dose_explained(drug.get("dose"), drug.get("unit"), drug.get("doses"),
                                    course.get("height_cm"), course.get("weight_kg"))
        return f"⚠ {text}" if self.open_warnings(drug) else text

    # --- the catalogue and the dose warnings ---------------------------------------------
    def _drug_choices(self) -> list[str]:
        return [drug_choice(d) for d in self.catalogue]

    def _drug_picked(self, text: str) -> dict[str, Any] | None:
        """A catalogue choice typed or picked: the drug's name, usual unit and route go into the row."""
        entry = next((d for d in self.catalogue if drug_choice(d) == text.strip()), None)
        if entry is None:
            return None
        return {"drug": entry.name, "unit": entry.unit, "route": entry.route}

    def warnings_of(self, drug: dict[str, Any]) -> list[str]:
        course = self._current_course()
        return dose_warnings(drug, course.get("height_cm"), course.get("weight_kg"), self.catalogue)

    def open_warnings(self, drug: dict[str, Any]) -> list[str]:
        """The row's warnings not acknowledged yet."""
        return [w for w in self.warnings_of(drug) if warning_key(drug, w) not in self.acknowledged]

    def _show_warnings(self) -> None:
        """Each open warning under the table, by row; the selected row's can be acknowledged."""
        lines: list[str] = []
        current_has = False
        for j in range(self.drugs.table.rowCount()):
            drug = self.drugs.row_data(j)
            for warning in self.open_warnings(drug):
                lines.append(f"⚠ drug {j + 1} ({drug.get('drug') or 'no name'}): {warning}")
                current_has = current_has or j == self.drugs.table.currentRow()
        self.dose_warning.setText("\n".join(lines))
        self.dose_warning.setVisible(bool(lines))
        self.acknowledge_button.setVisible(bool(lines))
        self.acknowledge_button.setEnabled(current_has)
        j = self.drugs.table.currentRow()
        current = self.drugs.row_data(j) if 0 <= j < self.drugs.table.rowCount() else {}
        unknown = bool(current.get("drug") and current.get("unit") and current.get("route")
                       and not any(d.name.lower() == str(current["drug"]).strip().lower()
                                   and d.route == current["route"] for d in self.catalogue))
        self.add_to_catalogue.setVisible(unknown and self.store_drug is not None)

    def _add_current_to_catalogue(self) -> None:
        j = self.drugs.table.currentRow()
        if j < 0 or self.store_drug is None:
            return
        drug = self.drugs.row_data(j)
        try:
            self.catalogue = self.store_drug(CatalogueDrug(str(drug["drug"]).strip(), drug["unit"], drug["route"]))
        except (ValueError, RuntimeError) as exc:  # CatalogueError names the field; a read-only database
            self.course_error.show_messages([f"Not added to the catalogue: {exc}"])
            return
        self._show_warnings()

    def acknowledge_current(self) -> None:
        j = self.drugs.table.currentRow()
        if j < 0:
            return
        drug = self.drugs.row_data(j)
        self.acknowledged.update(warning_key(drug, w) for w in self.warnings_of(drug))
        self.drugs.refresh_computed()
        self._show_warnings()
        self.drugs.changed.emit()  # an acknowledgement is saved with the case

    def all_warnings(self) -> list[str]:
        """Every open dose warning of every course (the form's banner lists them)."""
        out = []
        for r in range(self.courses.table.rowCount()):
            row = self.courses.row_data(r)
            drugs = self.drugs.rows()[0] if r == self._shown_course else (row.get("drugs") or [])
            for j, drug in enumerate(drugs):
                for w in dose_warnings(drug, row.get("height_cm"), row.get("weight_kg"), self.catalogue):
                    if warning_key(drug, w) not in self.acknowledged:
                        out.append(f"course {row.get('course_number') or r + 1}, drug {j + 1}: {w}")
        return out

    def _store_drugs(self) -> None:
        r = self._shown_course
        if 0 <= r < self.courses.table.rowCount() and self.drugs.isEnabled():
            rows, _unreadable = self.drugs.rows()
            self.courses.set_hidden(r, "drugs", rows)
        self._show_warnings()

    def _unreadable_drugs(self) -> list[str]:
        """The shown course's drug cells whose text cannot be read, as 'drug 2, Dose: <why>'."""
        if not (0 <= self._shown_course < self.courses.table.rowCount() and self.drugs.isEnabled()):
            return []
        headers = {c.key: c.header for c in self.drugs.columns}
        _rows, unreadable = self.drugs.rows()
        return [f"drug {j + 1}, {headers.get(key, key)}: {message}"
                for (j, key), message in sorted(unreadable.items())]

    def _refuse_switch(self, cells: list[str]) -> None:
        """Stay on the shown course: its drugs hold text that would be lost (only readable values are kept)."""
        number = self.courses.row_data(self._shown_course).get("course_number")
        self._switch_refused = (
            f"Course {number if number is not None else self._shown_course + 1} stays shown until its drugs "
            f"can be read: {'; '.join(cells)}. Fix or clear the cell first."
        )
        table = self.courses.table
        table.blockSignals(True)
        table.setCurrentCell(self._shown_course, max(table.currentColumn(), 0))
        table.blockSignals(False)
        self.course_error.show_messages([self._switch_refused])

    def _show_course(self, r: int) -> None:
        if r == self._shown_course and r >= 0:
            return
        cells = self._unreadable_drugs()
        if cells and 0 <= r < self.courses.table.rowCount():
            self._refuse_switch(cells)
            return
        if self._switch_refused:
            self._switch_refused = ""
            self.course_error.show_messages([])  # the form's next check shows any other course message
        self._store_drugs()
        self._shown_course = r
        valid = 0 <= r < self.courses.table.rowCount()
        self.drugs.set_rows(copy.deepcopy(self.courses.hidden(r, "drugs") or []) if valid else [])
        self.drugs.setEnabled(valid)
        number = self.courses.row_data(r).get("course_number") if valid else None
        self.drugs_title.setText(
            f"<b>Drugs of course {number if number is not None else r + 1}</b>" if valid
            else "<b>Drugs</b> (add or select a course first)"
        )
        self._show_warnings()

    def _remove_course(self) -> None:
        if self.courses.table.currentRow() < 0:
            return
        # The drugs on screen go with the removed course: never store them into its neighbour.
        self._shown_course = -1
        self._switch_refused = ""
        self.courses.remove_current_row()
        self._show_course(self.courses.table.currentRow())

    def _course_edited(self) -> None:
        self.drugs.refresh_computed()  # height and weight feed the totals
        self._show_warnings()
        if self._shown_course < 0 and self.courses.table.rowCount():
            self._show_course(self.courses.table.currentRow())

    # --- the form's interface ------------------------------------------------------------
    def load(self, courses: list[dict[str, Any]], catalogue: list[CatalogueDrug] | None = None,
             acknowledged: set[str] | None = None) -> None:
        if catalogue is not None:
            self.catalogue = catalogue
        self.acknowledged = set(acknowledged or ())
        self._shown_course = -1
        self._switch_refused = ""
        self.courses.set_rows(courses)
        self._show_course(0 if courses else -1)
        if courses:
            self.courses.table.setCurrentCell(0, 0)

    def collect(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The courses with their drugs, and unreadable cells by document path."""
        self._store_drugs()
        rows, unreadable = self.courses.rows()
        problems = {f"courses[{r}].{key}": message for (r, key), message in unreadable.items()}
        for r, row in enumerate(rows):
            row["drugs"] = row.get("drugs") or []
            if r == self._shown_course:
                _drug_rows, drug_unreadable = self.drugs.rows()
                for (j, key), message in drug_unreadable.items():
                    problems[f"courses[{r}].drugs[{j}].{key}"] = message
        return rows, problems

    def show_problems(self, problems: dict[str, list[str]]) -> None:
        """Messages keyed by path: courses[i].key, courses[i].drugs[j].key, or 'courses'."""
        course_cells: dict[tuple[int, str], list[str]] = {}
        drug_cells: dict[tuple[int, str], list[str]] = {}
        other: list[str] = []
        for path, messages in problems.items():
            if path == "courses":
                other.extend(messages)
                continue
            head, _, rest = path.partition("].")
            r = int(head.removeprefix("courses["))
            if rest.startswith("drugs["):
                j_text, _, key = rest.removeprefix("drugs[").partition("].")
                if r == self._shown_course:
                    drug_cells[(int(j_text), key)] = messages
                else:
                    course_cells.setdefault((r, "course_number"), []).extend(
                        f"drug {int(j_text) + 1}: {m}" for m in messages
                    )
            else:
                course_cells[(r, rest)] = messages
        self.courses.show_problems(course_cells)
        self.drugs.show_problems(drug_cells)
        if self._switch_refused and self._unreadable_drugs():
            other.append(self._switch_refused)
        self.course_error.show_messages(other)
