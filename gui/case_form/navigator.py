"""Finding your way in the case form: the section navigator, the problem banner, jumping to a field.

Every problem (a rule the case breaks, text that cannot be read) and every missing item has a
document path ("death.death_date", "assessments[1].timing", "courses[0].drugs[2].unit"); the
navigator counts them by section, the banner lists them as links, and ``jump_to`` puts the focus on
the field or cell the path names.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

from storage.views import quality

# Where each missing item of storage.views.quality is filled in.
MISSING_AT: dict[str, str] = {
    quality.NO_DIAGNOSIS: "diagnosis",
    quality.NO_BIRTH_DATE: "identity.birth_date",
    quality.NO_TIME_ZERO: "courses[0].start_date",
    quality.NO_FOLLOW_UP: "last_follow_up",
    quality.STALE_FOLLOW_UP: "last_follow_up",
    quality.DEATH_WITHOUT_DATE: "death.death_date",
    quality.DEATH_WITHOUT_CAUSE: "death.cause",
    quality.RESPONSE_WITHOUT_DATE: "assessments",
}


def list_head(path: str) -> str:
    """'courses[0].drugs[1].unit' -> 'courses'; 'death.cause' -> 'death.cause'."""
    return path.split("[", 1)[0] if "[" in path else path


def section_of(sections: Sequence[Any], path: str) -> int | None:
    """The index of the section that holds the field or table of a path."""
    head = list_head(path)
    for i, section in enumerate(sections):
        if path in section.fields or head in section.tables:
            return i
    return None


def short_title(title: str) -> str:
    """'Status at salvage and prior therapy' -> 'Status at salvage': the navigator is narrow."""
    return title.split(" and ")[0]


def _plain(text: str) -> str:
    return html.escape(text, quote=False)


class SectionNavigator(QListWidget):
    """Every section of the form with its state; a click (or Enter) jumps to it."""

    jump = Signal(int)

    def __init__(self, titles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.titles = titles
        self.setObjectName("sectionNavigator")
        self.setToolTip("Sections of the case: Ctrl+PgDn / Ctrl+PgUp next / previous, Alt+1 … Alt+9")
        for _ in titles:
            self.addItem(QListWidgetItem())
        self.set_states({}, {})
        self.itemActivated.connect(lambda item: self.jump.emit(self.row(item)))
        self.itemClicked.connect(lambda item: self.jump.emit(self.row(item)))
        self.setFixedWidth(165)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet("QListWidget#sectionNavigator::item { padding: 3px 2px; }")

    def set_states(self, problems: dict[int, int], missing: dict[int, int]) -> None:
        """Problems and missing items by section index: '⚠ 2 problems', '1 missing', '✓ complete'."""
        for i, title in enumerate(self.titles):
            item = self.item(i)
            digit = f"{i + 1}  " if i < 9 else "    "
            if problems.get(i):
                n = problems[i]
                state, color = f"⚠ {n} problem{'s' if n > 1 else ''}", QColor("#b00020")
            elif missing.get(i):
                state, color = f"{missing[i]} missing", QColor("#a05a00")
            else:
                state, color = "✓ complete", QColor("#2e6b30")
            item.setText(f"{digit}{short_title(title)}\n      {state}")
            item.setForeground(color)
            item.setToolTip(f"{title}: {state} (Alt+{i + 1})" if i < 9 else f"{title}: {state}")

    def state_text(self, i: int) -> str:
        return self.item(i).text().split("\n", 1)[1].strip()


class ProblemBanner(QLabel):
    """Above the form: each problem as a link to its field; says so plainly when a save was refused."""

    def __init__(self, jump: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                     | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.linkActivated.connect(jump)
        self.links: list[tuple[str, str]] = []  # (path, text) in the order shown
        self.hide()

    def show_notice(self, text: str) -> None:
        """A plain message, no problem list (e.g. the database is read-only)."""
        self.links = []
        self.setStyleSheet("QLabel#problemBanner { background: #fde2e2; border: 2px solid #b00020; "
                           "border-radius: 4px; padding: 4px; color: #222; }")
        self.setText(_plain(text))
        self.show()

    def show_problems(self, problems: list[tuple[str, str]], refused: bool = False,
                      warnings: Sequence[tuple[str, str]] = ()) -> None:
        """``problems`` and ``warnings`` are (path, 'Where: what') pairs."""
        self.links = list(problems)
        if not problems and not warnings:
            self.setText("")
            self.hide()
            return
        lines = []
        if problems:
            n = len(problems)
            head = (f"Not saved: {n} problem{'s' if n > 1 else ''} to fix first" if refused
                    else f"{n} problem{'s' if n > 1 else ''} to fix before this case can be saved")
            lines.append(f"<b>{_plain(head)}</b> (click one to go to its field):")
            lines += [f"⚠ <a href='{html.escape(path)}'>{_plain(text)}</a>" for path, text in problems[:12]]
            if n > 12:
                lines.append(f"… and {n - 12} more (see the sections marked ⚠ on the left)")
        if warnings:
            n = len(warnings)
            lines.append(f"<a href='{html.escape(warnings[0][0])}'>{n} dose warning{'s' if n > 1 else ''}</a> "
                         "under the drug table (saving is allowed; check or acknowledge them)")
        colour = "#fde2e2" if problems else "#fff4e0"
        border = "#b00020" if refused and problems else ("#e08080" if problems else "#e0a040")
        self.setStyleSheet(f"QLabel#problemBanner {{ background: {colour}; border: 2px solid {border}; "
                           "border-radius: 4px; padding: 4px; color: #222; }")
        self.setText("<br>".join(lines))
        self.show()


def _table_place(section: Any, key: str, row: int, column_key: str) -> str:
    table = section.tables[key]
    headers = {c.key: c.header for c in table.columns}
    return f"{table.noun} {row + 1}, {headers.get(column_key, column_key)}"


def describe(sections: Sequence[Any], path: str) -> str:
    """Where a path is, in the form's words: 'Outcome and follow-up › Date of death',
    'Salvage courses and drugs › course 1, drug 3, Unit'."""
    i = section_of(sections, path)
    if i is None:
        return path
    section = sections[i]
    if path in section.labels:
        return f"{section.title} › {section.labels[path]}"
    title: str = section.title
    parts = path.replace("]", "").split(".")
    try:
        if path.startswith("courses[") and ".drugs[" in path:
            course, drug, key = path.split("].", 2)[0], path.split(".drugs[", 1)[1], path.rsplit(".", 1)[1]
            r, j = int(course.removeprefix("courses[")), int(drug.split("]", 1)[0])
            headers = {c.key: c.header for c in section.drugs.columns}
            return f"{title} › course {r + 1}, drug {j + 1}, {headers.get(key, key)}"
        if "[" in parts[0] and len(parts) > 1:
            key, row = parts[0].split("[")
            return f"{title} › {_table_place(section, key, int(row), parts[1])}"
    except (ValueError, KeyError, IndexError):
        pass
    return title


def jump_to(form: Any, path: str) -> bool:
    """Show the section of a path and put the focus on its field or table cell; False if unknown."""
    sections = form.sections
    i = section_of(sections, path)
    if i is None:
        return False
    section = sections[i]
    if path in section.fields:
        editor = section.fields[path]
        form.scroll_area.ensureWidgetVisible(editor, 50, 80)
        editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
        form.navigator.setCurrentRow(i)
        return True
    head = list_head(path)
    table = section.tables[head]
    rest = path[len(head):]
    row, column_key = 0, ""
    if rest.startswith("["):
        number, _, column_key = rest[1:].partition("].")
        row = int(number) if number.isdigit() else 0
    if head == "courses" and column_key.startswith("drugs["):
        section.courses.table.setCurrentCell(row, 0)  # shows that course's drugs
        number, _, drug_key = column_key.removeprefix("drugs[").partition("].")
        table, row, column_key = section.drugs, int(number) if number.isdigit() else 0, drug_key
    keys = [c.key for c in table.columns]
    column = keys.index(column_key) if column_key in keys else 0
    if table.table.rowCount():
        table.table.setCurrentCell(min(row, table.table.rowCount() - 1), column)
    form.scroll_area.ensureWidgetVisible(table, 50, 80)
    table.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
    form.navigator.setCurrentRow(i)
    return True


def list_path(path: str) -> tuple[str, int, str] | None:
    """'complications[2].onset' -> ('complications', 2, 'onset')."""
    head, sep, key = path.partition("].")
    name, bracket, number = head.partition("[")
    if not (sep and bracket and number.isdigit()):
        return None
    return name, int(number), key


def being_filled(form: Any, path: str) -> bool:
    """A problem in a table row that is still being filled (just added, not yet left)."""
    parsed = list_path(path)
    if parsed is None:
        return False
    key, row, rest = parsed
    if key == "courses" and rest.startswith("drugs["):
        drug_row = rest.removeprefix("drugs[").split("]", 1)[0]
        filling = form.courses.drugs.filling
        return bool(row == form.courses._shown_course and filling is not None and drug_row == str(filling))
    tables = {k: t for section in form.sections for k, t in section.tables.items()}
    return key in tables and tables[key].filling == row


def focus_changed(form: Any, old: QWidget | None, new: QWidget | None) -> None:
    """A table the focus left: its row being filled counts as left (now checked like any other)."""
    if old is None:
        return
    tables = [t for section in form.sections for t in section.tables.values()] + [form.courses.drugs]
    for table in tables:
        if table.filling is not None and table.isAncestorOf(old) and not (new and table.isAncestorOf(new)):
            table.focus_left()
