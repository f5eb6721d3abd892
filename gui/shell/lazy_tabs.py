"""Tabs whose module is imported the first time the tab is shown (Timeline, Analysis).

Their heavy dependencies (matplotlib, lifelines) never slow the start. A tab that exists is
refreshed when cases change: at once if it is on screen, otherwise when it is next shown.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

# tab index -> (title, module, class); the class is called as Class(database, parent)
LAZY_TABS = {1: ("Timeline", "gui.timeline.tab", "TimelineTab"), 2: ("Analysis", "gui.analysis.tab", "AnalysisTab")}


class LazyTabs:
    def __init__(self, tabs: QTabWidget, create: Callable[[type], QWidget], ready: Callable[[], bool]) -> None:
        """``create`` builds a tab from its class; ``ready`` says whether a database is open."""
        self.tabs, self._create, self._ready = tabs, create, ready
        self.widgets: dict[int, QWidget | None] = {}  # None: the module is not part of this build
        self._stale: set[int] = set()
        for index, (title, _module, _cls) in LAZY_TABS.items():
            self.tabs.insertTab(index, QLabel(f"{title} opens when shown."), title)
        self.tabs.currentChanged.connect(self.shown)

    def shown(self, index: int) -> None:
        if index not in LAZY_TABS or not self._ready():
            return
        widget = self.widgets.get(index)
        if widget is None and index not in self.widgets:
            self._build(index)
        elif index in self._stale and widget is not None:
            self._stale.discard(index)
            widget.refresh()  # type: ignore[attr-defined]

    def _build(self, index: int) -> None:
        title, module_name, class_name = LAZY_TABS[index]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            self.widgets[index] = None
            self._replace(index, QLabel(f"The {title.lower()} is not part of this build yet."), title)
            return
        widget = self._create(getattr(module, class_name))
        self.widgets[index] = widget
        self._replace(index, widget, title)

    def _replace(self, index: int, widget: QWidget, title: str) -> None:
        old = self.tabs.widget(index)
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, title)
        self.tabs.setCurrentIndex(index)
        self.tabs.blockSignals(False)
        if old is not None:
            old.deleteLater()

    def drop_all(self) -> None:
        """Forget every built tab (another database was opened); the shown one is rebuilt at once."""
        current = self.tabs.currentIndex()
        for index in list(self.widgets):
            self.widgets.pop(index)
            self._replace(index, QLabel(f"{LAZY_TABS[index][0]} opens when shown."), LAZY_TABS[index][0])
        self._stale.clear()
        self.tabs.setCurrentIndex(current)
        self.shown(current)

    def cases_changed(self) -> None:
        for index, widget in self.widgets.items():
            if widget is None:
                continue
            if self.tabs.currentIndex() == index:
                widget.refresh()  # type: ignore[attr-defined]
            else:
                self._stale.add(index)
