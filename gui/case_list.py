"""The case list: a filter box over a sortable table of all cases, with new/delete buttons."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui import case_table_model as m
from storage.case_documents import load_document, summary_from_document
from storage.database import Database
from storage.quality import document_problems, problems_by_case
from storage.summaries import load_summaries

# Above this many cases, columns get fixed widths: sizing to contents would read every row.
FIT_COLUMNS_UP_TO = 2000
COLUMN_WIDTHS = {m.STUDY_ID: 80, m.AGE: 70, m.SEX: 60, m.DIAGNOSIS: 190, m.STATUS: 130, m.BEST_RESPONSE: 95,
                 m.TRANSPLANT: 125, m.OS: 125, m.EFS: 125, m.LAST_FOLLOW_UP: 105, m.PROBLEMS: 105}


class CaseListWidget(QWidget):
    case_selected = Signal(object)  # the case id, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = m.CaseTableModel(self)
        self.proxy = m.CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter cases: type any part of an ID, diagnosis, status, … (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(150)  # filter once typing pauses, not on every key
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.count_label = QLabel()
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.horizontalHeader().setSortIndicator(m.STUDY_ID, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in COLUMN_WIDTHS.items():
            self.view.setColumnWidth(column, width)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.new_button = QToolButton()
        self.delete_button = QToolButton()
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        self._selecting = False

    def set_actions(self, new_case: QAction, delete_case: QAction) -> None:
        self.new_button.setDefaultAction(new_case)
        self.delete_button.setDefaultAction(delete_case)
        for button in (self.new_button, self.delete_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    # --- loading ---------------------------------------------------------------------------
    def reload(self, db: Database | None) -> None:
        """Read every case's summary (one query per table) and keep the selected case selected."""
        keep = self.current_case_id()
        if db is None:
            self.model.set_cases([])
        else:
            with db.session() as s:
                summaries = load_summaries(s)
                problems = problems_by_case(s, summaries)
            self.model.set_cases(summaries, problems)  # in study ID order, from the query
            header = self.view.horizontalHeader()
            column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
            if (column, order) != (m.STUDY_ID, Qt.SortOrder.AscendingOrder):
                self.model.sort(column, order)
            if len(summaries) <= FIT_COLUMNS_UP_TO:
                self.view.resizeColumnsToContents()
                for column in (m.DIAGNOSIS, m.STATUS):  # long texts: the tooltip and filter see all
                    self.view.setColumnWidth(column, min(self.view.columnWidth(column), 220))
        self._update_count()
        if keep is not None:
            self.select_case(keep, emit=False)

    def update_case(self, db: Database, case_id: int) -> None:
        """Refresh one case's row after a change (or drop it if the case is gone): no full reload."""
        try:
            with db.session() as s:
                doc = load_document(s, case_id)
        except KeyError:
            self.model.remove_case(case_id)
        else:
            self.model.upsert_case(summary_from_document(doc), document_problems(doc))
        self._update_count()

    def _apply_filter(self) -> None:
        self.proxy.set_filter_text(self.filter_edit.text())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "case" if total == 1 else "cases"
        self.count_label.setText(f"{total} {noun}" if shown == total else f"{shown} of {total} {noun} shown")

    # --- selection -------------------------------------------------------------------------
    def current_case_id(self) -> int | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid():
            return None
        summary = index.data(m.ROW_ROLE)
        return summary.case_id if summary is not None else None

    def select_case(self, case_id: int | None, emit: bool = True) -> bool:
        """Make a case the current row (clearing the filter if it hides it)."""
        selection = self.view.selectionModel()
        if case_id is None:
            self._selecting = not emit
            selection.clearSelection()
            selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
            self._selecting = False
            return True
        row = self.model.row_of_case(case_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.filter_edit.clear()
            self._apply_filter()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self._selecting = not emit
        selection.setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self._selecting = False
        self.view.scrollTo(index)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._selecting:
            return
        summary = current.data(m.ROW_ROLE) if current.isValid() else None
        self.case_selected.emit(summary.case_id if summary is not None else None)
