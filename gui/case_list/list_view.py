"""The case list: a filter box over a sortable table of all cases, with new/delete buttons.

Storage is imported only when cases are loaded, so the empty list is on screen before SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, Qt, Signal
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

from gui.case_list import table_model as m

if TYPE_CHECKING:
    from storage.database import Database

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
        self.proxy.rowsInserted.connect(self._rows_arrived)  # a filter typed while rows were being formatted
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: any field, e.g. MLL, melphalan, a hospital number (Ctrl+F)")
        self.filter_edit.setToolTip("Searches every field of every case, also the name and hospital number "
                                    "(on this workstation only); identifying data found is never shown in the list. "
                                    "Every date of the case is found typed either way: 10.11.2018 or 2018-11-10")
        self.filter_edit.setClearButtonEnabled(True)
        # Filtered on every keystroke, no debounce: at 50,000 cases a keystroke takes about 20 ms
        # to the repainted list (docs/performance.md), less than a pause would add.
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
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
        self._columns_restored = False  # the user's own column widths: never resized to contents
        # The case chosen in the list: it stays chosen (and in the form) while a filter hides it.
        self._chosen: int | None = None

    def set_actions(self, new_case: QAction, delete_case: QAction) -> None:
        self.new_button.setDefaultAction(new_case)
        self.delete_button.setDefaultAction(delete_case)
        for button in (self.new_button, self.delete_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def restore_header(self, state: QByteArray) -> None:
        """The column widths as the user left them (per user, not per database)."""
        header = self.view.horizontalHeader()
        if not state.isEmpty() and header.restoreState(state):
            header.setSortIndicator(m.STUDY_ID, Qt.SortOrder.AscendingOrder)
            self._columns_restored = True

    # --- loading ---------------------------------------------------------------------------
    def show_opening(self, name: str) -> None:
        """While the database opens: say so where the case count goes."""
        self.count_label.setText(f"Opening {name} …")

    def reload(self, db: Database | None) -> None:
        """Read every case's summary (one query per table) and keep the chosen case selected."""
        keep = self._chosen
        if db is None:
            self.model.set_cases([])
        else:
            from storage.views.case_dates import case_dates
            from storage.views.case_search import search_fields
            from storage.views.quality import problems_by_case
            from storage.views.summaries import load_summaries

            with db.session() as s:
                summaries = load_summaries(s)
                problems = problems_by_case(s, summaries)
                fields = search_fields(s)
                for case_id, dates in case_dates(s).items():  # found typed either way, 10.11.2018 or 2018-11-10
                    fields.setdefault(case_id, []).extend(dates)
            self.model.set_cases(summaries, problems, fields)  # in study ID order, from the query
            header = self.view.horizontalHeader()
            column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
            if (column, order) != (m.STUDY_ID, Qt.SortOrder.AscendingOrder):
                self.model.sort(column, order)
            if len(summaries) <= FIT_COLUMNS_UP_TO and not self._columns_restored:
                self.view.resizeColumnsToContents()
                for column in (m.DIAGNOSIS, m.STATUS):  # long texts: the tooltip and filter see all
                    self.view.setColumnWidth(column, min(self.view.columnWidth(column), 220))
        self._update_count()
        if keep is not None and not self._select_shown(keep) and self.model.row_of_case(keep) is None:
            self._chosen = None  # the case is gone

    def update_case(self, db: Database, case_id: int) -> None:
        """Refresh one case's row after a change (or drop it if the case is gone): no full reload."""
        from storage.record.case_documents import load_document
        from storage.views.case_search import document_search_fields
        from storage.views.quality import document_problems
        from storage.views.summaries import summary_from_document

        try:
            with db.session() as s:
                doc = load_document(s, case_id)
        except KeyError:
            self.model.remove_case(case_id)
        else:
            from storage.views.case_dates import document_case_dates

            self.model.upsert_case(summary_from_document(doc), document_problems(doc),
                                   document_search_fields(doc) + document_case_dates(doc))
        self._update_count()

    def _apply_filter(self) -> None:
        """Filter the list; the chosen case is selected again if it is still shown."""
        chosen = self._chosen
        self.proxy.set_filter_text(self.filter_edit.text(), wait=False)  # a reset: the selection is gone
        if chosen is not None:
            self._select_shown(chosen)
        self._update_count()

    def _rows_arrived(self) -> None:
        if self._chosen is not None and not self.view.selectionModel().currentIndex().isValid():
            self._select_shown(self._chosen, scroll=False)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "case" if total == 1 else "cases"
        text = f"{total} {noun}" if shown == total else f"{shown} of {total} {noun} shown"
        found = self.proxy.found_outside_columns()
        if found:  # say where, never what: a name or hospital number found stays unshown
            text += " · found in fields that are not columns: " + "; ".join(
                f"{sid} ({', '.join(places)})" for sid, places in found)
        self.count_label.setText(text if self.proxy.is_complete() else f"{text} so far, still filtering…")

    # --- selection -------------------------------------------------------------------------
    def current_case_id(self) -> int | None:
        """The case of the current row (None if no row is current, e.g. the filter hides it)."""
        index = self.view.selectionModel().currentIndex()
        if not index.isValid():
            return None
        summary = index.data(m.ROW_ROLE)
        return summary.case_id if summary is not None else None

    def _select_shown(self, case_id: int, scroll: bool = True) -> bool:
        """Make a shown case the current row without telling anyone; False if it is not shown."""
        row = self.model.row_of_case(case_id)
        index = self.proxy.mapFromSource(self.model.index(row, 0)) if row is not None else QModelIndex()
        if not index.isValid():
            return False
        self._selecting = True
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self._selecting = False
        if scroll:
            self.view.scrollTo(index)
        return True

    def select_case(self, case_id: int | None, emit: bool = True) -> bool:
        """Make a case the current row (clearing the filter if it hides it)."""
        selection = self.view.selectionModel()
        if case_id is None:
            self._chosen = None
            self._selecting = not emit
            selection.clearSelection()
            selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
            self._selecting = False
            return True
        row = self.model.row_of_case(case_id)
        if row is None:
            return False
        self._chosen = case_id
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.filter_edit.clear()  # filters again at once (textChanged)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self._selecting = not emit
        selection.setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self._selecting = False
        self.view.scrollTo(index)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = current.data(m.ROW_ROLE) if current.isValid() else None
        if self._selecting:
            return
        self._chosen = summary.case_id if summary is not None else None
        self.case_selected.emit(self._chosen)
