"""Small editors of the case form: dates typed two ways, coded choices, numbers, yes/no.

Every editor shows what is stored (ISO dates, codes) in the clinic's words and reports input it
cannot read as a plain message; rules about the values themselves stay in storage.record.rules.
Dates are shown as the user chose (gui.widgets.date_display) and stored as ISO.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from gui.widgets.date_display import date_hint, format_date, notifier, read_date
from storage.record.case_documents import parse_date_text

YES_NO = {"yes": "yes", "no": "no"}


def parse_number(text: str, integer: bool) -> int | float | None:
    """'1.5' or the German '1,5'; blank gives None; raises ValueError with a plain message."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{text!r} is not {kind}") from None


def format_number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def leaves_undo_to_window(edit: QLineEdit, event: QEvent) -> bool:
    """Whether Ctrl+Z / Ctrl+Shift+Z in this field should undo the window's last step.

    A line edit claims both keys even with nothing typed to undo, so right after "New case"
    (focus in the study ID) Ctrl+Z did nothing, though the status bar offered it.
    """
    if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
        return False
    if event.matches(QKeySequence.StandardKey.Undo):
        return not edit.isUndoAvailable()
    if event.matches(QKeySequence.StandardKey.Redo) or QKeySequence(event.keyCombination()) == QKeySequence(
            "Ctrl+Shift+Z"):
        return not edit.isRedoAvailable()
    return False


class _LineField(QLineEdit):
    def event(self, event: QEvent) -> bool:
        if leaves_undo_to_window(self, event):
            event.ignore()  # not overridden: the window's Undo/Redo shortcut runs
            return True
        return super().event(event)


class FieldError(QLabel):
    """The rule message shown under a field; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setObjectName("fieldError")
        self.setStyleSheet("color: #b00020; font-size: 90%;")
        self.hide()

    def show_messages(self, messages: list[str]) -> None:
        self.setText("\n".join(f"⚠ {m}" for m in messages))
        self.setVisible(bool(messages))


class DateField(_LineField):
    """A date typed as 2019-03-14 or 14.03.2019, shown in the chosen form (View ▸ Dates shown as) once typed."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumWidth(200)
        self.textEdited.connect(lambda _t: self.edited.emit())
        self.editingFinished.connect(self._normalise)
        self._show_hint()
        notifier().changed.connect(self._restyle)

    def _show_hint(self) -> None:
        self.setPlaceholderText(date_hint())
        self.setToolTip(f"Date: {date_hint()}")

    def _restyle(self, _style: str = "") -> None:
        """The chosen form changed: the hint, and a readable date re-shown (text that is no date stays)."""
        self._show_hint()
        self._normalise()

    def _normalise(self) -> None:
        try:
            value = parse_date_text(self.text())
        except ValueError:
            return
        if value is not None and self.text() != format_date(value):
            self.setText(format_date(value))

    def set_value(self, value: str | None) -> None:
        self.setText(format_date(value))

    def value(self) -> str | None:
        """ISO text, None if blank; raises ValueError for text that is not a date."""
        parsed = read_date(self.text())
        return parsed.isoformat() if parsed else None


class NumberField(_LineField):
    edited = Signal()

    def __init__(self, integer: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._integer = integer
        self.setMaximumWidth(100)
        self.textEdited.connect(lambda _t: self.edited.emit())

    def set_value(self, value: Any) -> None:
        self.setText(format_number(value))

    def value(self) -> int | float | None:
        return parse_number(self.text(), self._integer)


class TextField(_LineField):
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.textEdited.connect(lambda _t: self.edited.emit())

    def set_value(self, value: Any) -> None:
        self.setText("" if value is None else str(value))

    def value(self) -> str | None:
        return self.text().strip() or None


class CodeCombo(QComboBox):
    """A choice from one of storage.record.codes' lists: shows the label, stores the code; blank = not known."""

    edited = Signal()

    def __init__(self, choices: dict[str, str], parent: QWidget | None = None, show_code: bool = False) -> None:
        super().__init__(parent)
        self.addItem("", None)
        for code, label in choices.items():
            text = f"{code} — {label}" if show_code and code != label else label
            self.addItem(text, code)
        self.activated.connect(lambda _i: self.edited.emit())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel never gives it focus

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Scrolling the form must not change a choice the pointer happens to pass over
        # (seen under a real mouse: the manual best response turned to NR while scrolling).
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # the form's scroll area scrolls instead

    def set_value(self, code: Any) -> None:
        index = self.findData(code)
        if index < 0 and code is not None:  # a stored code this list does not know: show it as is
            self.addItem(str(code), code)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))

    def value(self) -> Any:
        return self.currentData()


class YesNoCombo(CodeCombo):
    """Yes / no / not known, for the record's optional flags."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(YES_NO, parent)

    def set_value(self, value: Any) -> None:
        super().set_value(None if value is None else ("yes" if value else "no"))

    def value(self) -> bool | None:
        code = self.currentData()
        return None if code is None else code == "yes"
