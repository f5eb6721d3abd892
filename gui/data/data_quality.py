"""Data quality view: every missing or stale item of every case, to chase them one by one.

Missing data is listed, never refused (retrospective collection fills cases in over weeks);
storage.views.quality names the items. A double-click opens the case in its form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.date_display import show_dates_in

if TYPE_CHECKING:
    from gui.widgets.study_window import StudyWindow
    from storage.database import Database


def quality_rows(database: Database) -> list[tuple[int, str, str]]:
    """(case id, study ID, problem) for every problem of every case, by study ID."""
    from storage.views.quality import problems_by_case
    from storage.views.summaries import load_summaries

    with database.session() as session:
        summaries = load_summaries(session)
        problems = problems_by_case(session, summaries)
    return [(s.case_id, s.study_id, p) for s in summaries for p in problems.get(s.case_id, [])]


class DataQualityDialog(QDialog):
    def __init__(self, rows: list[tuple[int, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Data quality")
        self.resize(640, 460)
        cases = len({case_id for case_id, _, _ in rows})
        summary = (
            f"{len(rows)} item(s) to complete in {cases} case(s). Missing data is allowed while you collect; "
            "this list shows what is still open. Double-click a line to open the case."
            if rows else "Nothing is missing: every case has its dates, diagnosis, follow-up and causes."
        )
        text = QLabel(summary)
        text.setWordWrap(True)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Study ID", "What is missing"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, (case_id, study_id, problem) in enumerate(rows):
            first = QTableWidgetItem(study_id)
            first.setData(Qt.ItemDataRole.UserRole, case_id)
            self.table.setItem(r, 0, first)
            self.table.setItem(r, 1, QTableWidgetItem(show_dates_in(problem)))  # as View ▸ Dates shown as
        self.table.setSortingEnabled(True)
        self.table.sortItems(0, Qt.SortOrder.AscendingOrder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.chosen_case: int | None = None
        self.table.cellDoubleClicked.connect(self._choose)

    def _choose(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is None:
            return
        self.chosen_case = int(item.data(Qt.ItemDataRole.UserRole))
        self.accept()


def open_data_quality(window: StudyWindow) -> None:
    if window.db is None:
        return
    dialog = DataQualityDialog(quality_rows(window.db), window)
    if dialog.exec() and dialog.chosen_case is not None:
        window.show_case(dialog.chosen_case)
