"""The case list: a table model over plain CaseSummary rows and a type-to-filter proxy.

Display strings are built lazily, once per row per reset, and the filter matches one
pre-joined lowercase text per row, so 50,000 cases stay responsive: no query per row, and
no Python call per cell while filtering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from analysis.endpoints import EVENT_FREE_SURVIVAL, OVERALL_SURVIVAL, EndpointValue, derive
from storage import codes
from storage.summaries import CaseSummary

Index = QModelIndex | QPersistentModelIndex

(STUDY_ID, AGE, SEX, DIAGNOSIS, STATUS, BEST_RESPONSE, TRANSPLANT, OS, EFS, LAST_FOLLOW_UP, PROBLEMS) = range(11)
HEADERS = {
    STUDY_ID: "Study ID",
    AGE: "Age (years)",
    SEX: "Sex",
    DIAGNOSIS: "Diagnosis",
    STATUS: "Status at salvage",
    BEST_RESPONSE: "Best response",
    TRANSPLANT: "HSCT after",
    OS: "OS (months)",
    EFS: "EFS (months)",
    LAST_FOLLOW_UP: "Last follow-up",
    PROBLEMS: "Data problems",
}
HEADER_TIPS = {
    TRANSPLANT: "Allogeneic HSCT after salvage (donor of the first)",
    AGE: "Age at time zero: years from the date of birth to day 1 of the first salvage course",
    OS: "Overall survival from time zero: event = death from any cause; '+' = censored at last follow-up",
    EFS: "Event-free survival from time zero: event = relapse or death; '+' = censored at last follow-up",
    PROBLEMS: "Missing or stale items to chase (hover a cell for the list)",
}

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the CaseSummary of the row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts naturally (numbers, dates)
NO_VALUE = "—"
WARM_UP_BATCH = 1000  # rows formatted per idle moment: about 20 ms of work


def _endpoint_text(value: EndpointValue) -> str:
    months = value.time("months")
    if months is None:
        return NO_VALUE
    return f"{months:.1f} (event)" if value.event else f"{months:.1f}+ (censored)"


class _Row:
    """Display strings, sort keys and tooltips of one case, computed on first use."""

    __slots__ = ("display", "sort", "tips", "haystack")

    def __init__(self, s: CaseSummary, problems: Sequence[str]) -> None:
        age = s.age_at_time_zero
        os_value = derive(s, OVERALL_SURVIVAL)
        efs_value = derive(s, EVENT_FREE_SURVIVAL)
        diagnosis = s.subtype or s.diagnosis or ""
        if s.diagnosis and s.subtype and s.diagnosis not in s.subtype:
            diagnosis = f"{s.diagnosis} · {s.subtype}"  # e.g. "ALL · cALL"; "AML M2" says it already
        response = s.best_response or ""
        if response and s.best_response_overridden:
            response += " (manual)"
        if s.first_transplant_date is not None or s.first_transplant_donor:
            transplant = f"yes ({s.first_transplant_donor})" if s.first_transplant_donor else "yes"
        else:
            transplant = "no"
        self.display: tuple[str, ...] = (
            s.study_id,
            f"{age:.1f}" if age is not None else NO_VALUE,
            codes.SEX.get(s.sex or "", ""),
            diagnosis,
            s.status_label,
            response,
            transplant,
            _endpoint_text(os_value),
            _endpoint_text(efs_value),
            s.last_follow_up.isoformat() if s.last_follow_up else NO_VALUE,
            (f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")) if problems else "",
        )
        never = float("inf")
        self.sort: tuple[Any, ...] = (
            s.study_id,
            age if age is not None else never,
            self.display[SEX],
            diagnosis,
            self.display[STATUS],
            codes.RESPONSE_RANK.get(s.best_response or "", -1),
            transplant,
            os_value.days if os_value.days is not None else never,
            efs_value.days if efs_value.days is not None else never,
            (s.last_follow_up or dt.date.max).toordinal(),
            len(problems),
        )
        self.tips: dict[int, str] = {
            OS: os_value.explanation,
            EFS: efs_value.explanation,
            DIAGNOSIS: codes.DIAGNOSIS.get(s.diagnosis or "", ""),
            BEST_RESPONSE: codes.RESPONSE.get(s.best_response or "", ""),
        }
        if problems:
            self.tips[PROBLEMS] = "\n".join(problems)
        self.haystack = "\t".join(self.display).lower()


class CaseTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._summaries: list[CaseSummary] = []
        self._problems: dict[int, list[str]] = {}
        self._rows: list[_Row | None] = []
        self.version = 0  # changes before every change signal, so cached filter results know they are stale
        # After a reset, display rows are built in small batches while the window is idle, so
        # that the first keystroke in the filter box finds them ready (50,000 cases: ~1 s of work).
        self._warm_next = 0
        self._warm_timer = QTimer(self)
        self._warm_timer.setInterval(0)
        self._warm_timer.timeout.connect(self._warm_up)

    # --- loading -------------------------------------------------------------------------
    def set_cases(self, summaries: Sequence[CaseSummary], problems: dict[int, list[str]] | None = None) -> None:
        self.version += 1
        self.beginResetModel()
        self._summaries = list(summaries)
        self._problems = problems or {}
        self._rows = [None] * len(self._summaries)
        self.endResetModel()
        self._warm_next = 0
        self._warm_timer.start()

    def _warm_up(self, batch: int = WARM_UP_BATCH) -> None:
        end = min(self._warm_next + batch, len(self._summaries))
        for row in range(self._warm_next, end):
            self._row(row)
        self._warm_next = end
        if end >= len(self._summaries):
            self._warm_timer.stop()

    def upsert_case(self, summary: CaseSummary, problems: list[str]) -> None:
        """Replace one case's row (or add it) without resetting the model."""
        self.version += 1
        self._problems[summary.case_id] = problems
        row = self.row_of_case(summary.case_id)
        if row is None:
            row = len(self._summaries)
            self.beginInsertRows(QModelIndex(), row, row)
            self._summaries.append(summary)
            self._rows.append(None)
            self.endInsertRows()
            return
        self._summaries[row] = summary
        self._rows[row] = None
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def remove_case(self, case_id: int) -> None:
        row = self.row_of_case(case_id)
        if row is None:
            return
        self.version += 1
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._summaries[row]
        del self._rows[row]
        self._problems.pop(case_id, None)
        self.endRemoveRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the rows by a column's natural value (numbers as numbers, dates as dates)."""
        if not 0 <= column < len(HEADERS):
            return
        self.version += 1
        self.layoutAboutToBeChanged.emit()
        if column == STUDY_ID:  # needs no formatting: cheap even for 50,000 cases
            keys: list[Any] = [s.study_id for s in self._summaries]
        else:
            keys = [self._row(r).sort[column] for r in range(len(self._summaries))]
        new_order = sorted(range(len(keys)), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        position = {old: new for new, old in enumerate(new_order)}
        self._summaries = [self._summaries[i] for i in new_order]
        self._rows = [self._rows[i] for i in new_order]
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent, [self.index(position[i.row()], i.column()) for i in persistent]
        )
        self.layoutChanged.emit()

    def summaries(self) -> list[CaseSummary]:
        return list(self._summaries)

    def summary(self, row: int) -> CaseSummary:
        return self._summaries[row]

    def row_of_case(self, case_id: int) -> int | None:
        for row, s in enumerate(self._summaries):
            if s.case_id == case_id:
                return row
        return None

    def _row(self, row: int) -> _Row:
        cached = self._rows[row]
        if cached is None:
            s = self._summaries[row]
            cached = self._rows[row] = _Row(s, self._problems.get(s.case_id, []))
        return cached

    def haystack(self, row: int) -> str:
        return self._row(row).haystack

    def matches(self, words: list[str]) -> list[bool]:
        """For every row, whether its visible text contains all the words (one pass in Python)."""
        return [all(w in self._row(r).haystack for w in words) for r in range(len(self._summaries))]

    # --- Qt model interface --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._summaries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._summaries)):
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row(index.row()).display[column]
        if role == SORT_ROLE:
            return self._row(index.row()).sort[column]
        if role == ROW_ROLE:
            return self._summaries[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._row(index.row()).tips.get(column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (AGE, OS, EFS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == PROBLEMS and self._problems.get(
            self._summaries[index.row()].case_id
        ):
            from PySide6.QtGui import QColor

            return QColor("#a05a00")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or section not in HEADERS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        return None


class CaseFilterProxy(QSortFilterProxyModel):
    """Sorts by natural values and keeps rows whose visible text contains every typed word."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._matches: list[bool] = []
        self._matches_version = -1
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)  # rows keep the source model's order

    def set_filter_text(self, text: str) -> None:
        words = text.lower().split()
        if words == self._words:
            return
        model = self.sourceModel()
        assert isinstance(model, CaseTableModel)
        self.beginFilterChange()
        self._words = words
        # Decide every row in one Python pass; filterAcceptsRow then only looks the answer up.
        self._matches = model.matches(words) if words else []
        self._matches_version = model.version
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words:
            return True
        model = self.sourceModel()
        assert isinstance(model, CaseTableModel)
        if self._matches_version == model.version and source_row < len(self._matches):
            return self._matches[source_row]
        text = model.haystack(source_row)  # a row that changed since the filter was typed
        return all(word in text for word in self._words)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in the source model with Python's sort on cached keys: at 50,000 rows
        a comparison call per pair (QSortFilterProxyModel.lessThan) would take seconds."""
        model = self.sourceModel()
        if isinstance(model, CaseTableModel):
            model.sort(column, order)
