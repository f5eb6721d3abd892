"""The article's patient 5 entered with key events only, as a physician would at the ward PC.

Shared by the keyboard-only test (tests/gui/case_form/test_keyboard_entry.py), which reads every fact
back from the database, and bench_case_entry.py, which prints the number of key events and the time.
Every key goes to the widget that has the focus at that moment (QApplication.focusWidget()), never
to a widget picked by the script: if the focus is not where a user would expect, the entry fails.

Patient 5 (Tables 1 and 2, text): boy, 5.6 years at salvage, ALL, third relapse after an allogeneic
HSCT, high-risk cytogenetics t(9;11) MLL-AF9; melphalan 1 × 20 mg/m² and cytarabine 10 × 100 mg/m² as
continuous infusion (both reduced for cumulative toxicity), intrathecal cytarabine 30 mg and
prednisolone 10 mg; marrow blasts 85 % before and 12 % after (treatment failure); palliative care only;
died of the disease 2 months after time zero. The article gives months, not dates: the dates are the
demo cohort's reconstruction (time zero 2018-09-10).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
K = Qt.Key

TIME_ZERO = "2018-09-10"
FACTS: dict[str, Any] = {
    "study_id": "P05", "sex": "m", "name": "Kai Muster", "hospital_number": "KB-000517",
    "birth_date": "2013-02-03", "diagnosis": "ALL", "subtype": "ALL", "initial_diagnosis_date": "2014-11-10",
    "high_risk_cytogenetics": True, "finding": "t(9;11) MLL-AF9 rearrangement",
    "disease_status": "relapse", "relapse_number": 3, "prior_regimens": 3, "prior_therapies": "blinatumomab",
    "prior_transplant_date": "2017-11-14",
    # (what is typed to find it in the catalogue, how far down the pop-up it is) for each drug
    "drug_keys": [("mel", 1, "20", "", "1", "", "low: cumulative toxicity"),
                  ("cyt", 1, "100", "mg/m2", "10", "CI", "low: cumulative toxicity"),
                  ("cyt", 2, "30", "", "1", "", ""),
                  ("pred", 1, "10", "", "1", "", "")],
    "drugs": [("melphalan", 20.0, "mg/m2", 1, "IV", "low: cumulative toxicity"),
              ("cytarabine", 100.0, "mg/m2", 10, "CI", "low: cumulative toxicity"),
              ("cytarabine", 30.0, "mg", 1, "IT", None),
              ("prednisolone", 10.0, "mg", 1, "IT", None)],
    "assessments": [("2018-09-07", "pre", "BM", 85.0, None), ("2018-10-08", "post", "BM", 12.0, "NR")],
    "therapy": ("palliative care only", "2018-10-10"),
    "death_date": "2018-11-10", "death_cause": "disease",
}


class Keyboard:
    """Key events to the focused widget, counted. ``press`` is one key event (with its modifiers)."""

    def __init__(self, window: QWidget | None = None, trace: bool = False) -> None:
        self.window = window
        self.events = 0
        self.characters = 0  # of the events, the characters of the facts typed (the rest move on)
        self.trace = trace

    def focus(self) -> QWidget:
        """Where a real key goes: an open pop-up (a completer's list), else the focus widget."""
        widget = QApplication.activePopupWidget() or QApplication.focusWidget()
        if widget is None and self.window is not None:
            # A dialog just closed: the window manager activates the main window again (offscreen
            # there is no window manager to do it).
            self.window.activateWindow()
            QCoreApplication.processEvents()
            widget = QApplication.focusWidget()
        if widget is None:
            raise AssertionError("no widget has the keyboard focus")
        return widget

    def press(self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        if self.trace:
            print("press", key, modifiers, type(self.focus()).__name__, self.focus().objectName())
        QTest.keyClick(self.focus(), key, modifiers)
        self.events += 1
        QCoreApplication.processEvents()

    def type(self, text: str) -> None:
        for char in text:
            QTest.keyClicks(self.focus(), char)
            self.events += 1
            self.characters += 1
        QCoreApplication.processEvents()

    def field(self, text: str) -> None:
        """Type a value and Tab on to the next field."""
        self.type(text)
        self.press(K.Key_Tab)

    def cells(self, *values: str) -> None:
        """Fill a row cell by cell: each value then Enter (an empty value keeps the cell as it is).
        Enter after the row's last cell ends the row; the table keeps the focus."""
        for value in values:
            if value:
                self.type(value)
            self.press(K.Key_Return)

    def pick(self, text: str, downs: int) -> None:
        """Type part of a name, then pick the downs-th entry of the pop-up list with Enter."""
        self.type(text)
        for _ in range(downs):
            self.press(K.Key_Down)
        self.press(K.Key_Return)

    def in_dialog(self, then: Callable[[], None]) -> None:
        """Keys for a modal dialog that the next key opens (typed once it is shown)."""
        def answer() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(20, answer)
                return
            if QApplication.activeWindow() is not dialog:  # the window manager's part, offscreen
                dialog.activateWindow()
                QTimer.singleShot(20, answer)
                return
            then()

        QTimer.singleShot(0, answer)


def enter_patient_5(window: Any, keys: Keyboard) -> float:
    """Enter every fact of patient 5 into an open window (empty study) and save; returns the seconds taken."""
    started = time.perf_counter()
    f = FACTS
    keys.in_dialog(lambda: (keys.type(f["study_id"]), keys.press(K.Key_Return)))
    keys.press(K.Key_N, CTRL)  # New case: asks for the study ID, then the form opens at it
    keys.press(K.Key_Tab)
    keys.field("m")  # sex: male
    keys.field(f["name"])
    keys.field(f["hospital_number"])
    keys.field("03.02.2013")  # date of birth, typed the German way
    # 2 Diagnosis and cytogenetics
    keys.press(K.Key_2, ALT)
    keys.field("A")  # ALL
    keys.field(f["subtype"])
    keys.field("10.11.2014")
    keys.field("y")  # high-risk cytogenetics: yes
    keys.press(K.Key_Insert)  # a finding
    keys.cells(f["finding"])
    # 3 Status at salvage and prior therapy
    keys.press(K.Key_3, ALT)
    keys.field("r")  # relapse
    keys.field("3")
    keys.field("3")
    keys.field(f["prior_therapies"])
    keys.press(K.Key_Insert)  # the allogeneic HSCT before salvage
    keys.cells("14.11.2017", "")  # donor not given in the article
    # 4 Salvage course and its drugs
    keys.press(K.Key_4, ALT)
    keys.press(K.Key_Insert)
    keys.cells("1", "10.09.2018", "", "")  # height and weight are not in the article
    keys.press(K.Key_Tab)  # on to the drugs of course 1
    for search, downs, dose, unit, doses, route, reason in f["drug_keys"]:
        keys.press(K.Key_Insert)
        keys.pick(search, downs)  # name, usual unit and route from the catalogue
        keys.cells(dose, unit, doses, route, reason)
    # 5 Response assessments
    keys.press(K.Key_5, ALT)
    for date, timing, specimen, blasts, response in f["assessments"]:
        keys.press(K.Key_Insert)
        keys.cells(date, timing, specimen, f"{blasts:g}", "", "", "", response or "", "")
    # 8 Subsequent therapies
    keys.press(K.Key_8, ALT)
    keys.press(K.Key_Insert)
    keys.cells(f["therapy"][0], "10.10.2018", "")
    # 9 Outcome: death
    keys.press(K.Key_9, ALT)
    keys.press(K.Key_Tab)  # past the relapse table (none)
    keys.field("10.11.2018")
    keys.field("d")  # disease-related
    keys.press(K.Key_S, CTRL)
    return time.perf_counter() - started
