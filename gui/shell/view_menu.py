"""The View menu: how the screens show things, as the user prefers (kept in the user's settings).

"Dates shown as" offers 14.03.2019 (dd.mm.yyyy) and 2019-03-14 (ISO); until the user chooses, a
German-speaking system gets dd.mm.yyyy and any other ISO. Stored data, exports, figures and the
audit trail stay ISO whatever is chosen here (gui.widgets.date_display).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMainWindow, QMenu

from gui.widgets import date_display

if TYPE_CHECKING:
    from gui.shell.settings import Settings


def chosen_date_style(settings: Settings) -> str:
    """The user's choice of date form, or the system's language's when there is none (or it is unknown)."""
    stored = settings.get("dates_shown_as")
    return stored if stored in date_display.STYLES else date_display.system_style()


def choose_date_style(settings: Settings, style: str) -> None:
    """Show dates as ``style`` from now on, in every open window, and remember it for this user."""
    date_display.set_style(style)
    settings.set("dates_shown_as", style)


def install(window: QMainWindow, settings: Settings) -> QMenu:
    """Add the View menu to the window's menu bar and show dates as the user chose."""
    date_display.set_style(chosen_date_style(settings))
    menu = window.menuBar().addMenu("&View")
    dates = menu.addMenu("&Dates shown as")
    dates.setToolTipsVisible(True)
    group = QActionGroup(window)
    group.setExclusive(True)
    for style, label in date_display.STYLES.items():
        action = QAction(label, window)
        action.setCheckable(True)
        action.setChecked(style == date_display.current_style())
        action.setData(style)
        action.setToolTip("On screen only; stored data, exports, figures and the audit trail stay ISO. "
                          "Dates can be typed either way.")
        action.triggered.connect(lambda _checked=False, s=style: choose_date_style(settings, s))
        group.addAction(action)
        dates.addAction(action)
    return menu
