"""Salvage courses and the drugs of each course, with body-surface area and total dose computed live."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtWidgets import QLabel

from gui.case_form.record_table import Column, RecordTable
from gui.case_form.sections import Section
from gui.widgets.fields import FieldError
from storage.record import codes
from storage.record.models import mosteller_bsa, total_dose


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
        self.drugs = RecordTable(
            [
                Column("drug", "Drug", width=150),
                Column("dose", "Dose", "float", width=60),
                Column("unit", "Unit", "code", codes.DOSE_UNIT, width=70),
                Column("doses", "Doses", "int", width=55, tip="Number of doses in the course"),
                Column("route", "Route", "code", codes.ROUTE, width=140),
                Column("dose_modification", "Reason for reduced/raised dose", width=210),
                Column("total", "Total dose", "computed", compute=self._total_text,
                       tip="dose × doses × BSA (or × weight for mg/kg), computed"),
            ],
            "drug",
            live_numbers=True,
        )
        self.body.addWidget(self.drugs)
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
        total = total_dose(drug.get("dose"), drug.get("unit"), drug.get("doses"),
                           course.get("height_cm"), course.get("weight_kg"))
        if total is None:
            return "needs height and weight" if drug.get("dose") and drug.get("unit") else ""
        value, unit = total
        return f"{value:,.1f} {unit}"

    def _store_drugs(self) -> None:
        r = self._shown_course
        if 0 <= r < self.courses.table.rowCount() and self.drugs.isEnabled():
            rows, _unreadable = self.drugs.rows()
            self.courses.set_hidden(r, "drugs", rows)

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
        if self._shown_course < 0 and self.courses.table.rowCount():
            self._show_course(self.courses.table.currentRow())

    # --- the form's interface ------------------------------------------------------------
    def load(self, courses: list[dict[str, Any]]) -> None:
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
