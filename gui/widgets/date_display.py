"""How the screens show dates: 14.03.2019 (dd.mm.yyyy) or 2019-03-14 (ISO), the user's choice.

Only what is shown on screen follows the choice. What is stored, exported, drawn in figures and
written to the audit trail stays ISO: those are files, read on any computer. Typed dates are read
in both forms whatever the choice (storage.record.case_documents.parse_date_text).

The choice is one per application (View ▸ Dates shown as); every widget that shows dates connects
to ``notifier().changed`` and re-shows them when it changes.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QLocale, QObject, Signal

DAY_FIRST = "dd.mm.yyyy"  # 14.03.2019, as German Excel sheets and letters write it
ISO = "yyyy-mm-dd"  # 2019-03-14
STYLES = {DAY_FIRST: "14.03.2019 (dd.mm.yyyy)", ISO: "2019-03-14 (ISO, yyyy-mm-dd)"}
QT_FORMATS = {DAY_FIRST: "dd.MM.yyyy", ISO: "yyyy-MM-dd"}  # for QDateEdit.setDisplayFormat
_HINTS = {DAY_FIRST: "DD.MM.YYYY or YYYY-MM-DD", ISO: "YYYY-MM-DD or DD.MM.YYYY"}
# An ISO date inside a longer text (an endpoint's explanation, a problem, an audit value).
_ISO_IN_TEXT = re.compile(r"(?<![\d.-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


class _Notifier(QObject):
    changed = Signal(str)  # the new style


_state: dict[str, str] = {}
_notifier: list[_Notifier] = []


def system_style() -> str:
    """dd.mm.yyyy where the system speaks German (any country), else ISO."""
    return DAY_FIRST if QLocale.system().language() == QLocale.Language.German else ISO


def current_style() -> str:
    if "style" not in _state:
        _state["style"] = system_style()
    return _state["style"]


def notifier() -> _Notifier:
    """The object whose ``changed`` signal says the style changed (created on first use)."""
    if not _notifier:
        _notifier.append(_Notifier())
    return _notifier[0]


def set_style(style: str) -> None:
    """Show dates in ``style`` (DAY_FIRST or ISO) from now on; open widgets re-show theirs."""
    if style not in STYLES:
        raise ValueError(f"dates can be shown as {' or '.join(STYLES)}, not {style!r}")
    if current_style() != style:
        _state["style"] = style
        notifier().changed.emit(style)


def date_hint() -> str:
    """What a date field accepts, the chosen form first: "DD.MM.YYYY or YYYY-MM-DD"."""
    return _HINTS[current_style()]


def read_date(text: str | None) -> dt.date | None:
    """A typed date in either form (blank: None); the message of a ValueError names the chosen form first."""
    from storage.record.case_documents import parse_date_text  # SQLAlchemy: loaded after the window shows

    try:
        return parse_date_text(text)
    except ValueError:
        examples = "14.03.2019 or 2019-03-14" if current_style() == DAY_FIRST else "2019-03-14 or 14.03.2019"
        raise ValueError(f"{(text or '').strip()!r} is not a date: type {examples}") from None


def _day_first(value: dt.date) -> str:
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def format_date(value: str | dt.date | None) -> str:
    """A date for the screen in the chosen form; an ISO text is read first, other text shown as is."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            return str(value)
    return _day_first(value) if current_style() == DAY_FIRST else value.isoformat()


def format_moment(value: dt.datetime, seconds: bool = False) -> str:
    """A date and time of day for the screen: "14.03.2019 10:22" or "2019-03-14 10:22"."""
    clock = value.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{format_date(value.date())} {clock}"


def show_dates_in(text: str) -> str:
    """The text with every ISO date in it (2019-03-14) written in the chosen form."""
    if current_style() == ISO or not text:
        return text

    def day_first(match: re.Match[str]) -> str:
        try:
            return _day_first(dt.date(*(int(g) for g in match.groups())))
        except ValueError:
            return match.group(0)  # not a real date: left as it is

    return _ISO_IN_TEXT.sub(day_first, text)
