"""The case list: a table model over plain CaseSummary rows and a type-to-filter proxy.

Display strings are built lazily, once per row per reset, and the filter keeps the shown rows
as a plain list of source row numbers, narrowed with one list comprehension per typed word over
pre-joined lowercase row texts: 50,000 cases stay responsive, with no query per row and no
Python call per row while filtering. Nothing from storage or analysis is imported until the
first row is formatted, so the empty list is ready before SQLAlchemy is loaded.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from gui.case_list.rows import (
    AGE,
    BEST_RESPONSE,
    DIAGNOSIS,
    EFS,
    HEADER_TIPS,
    HEADERS,
    LAST_FOLLOW_UP,
    NO_VALUE,
    OS,
    PROBLEMS,
    SEX,
    STATUS,
    STUDY_ID,
    TRANSPLANT,
    CaseRow,
    typed_date,
    with_other_forms,
)
from gui.widgets.date_display import notifier

if TYPE_CHECKING:
    from storage.views.summaries import CaseSummary

__all__ = ["AGE", "BEST_RESPONSE", "DIAGNOSIS", "EFS", "HEADERS", "HEADER_TIPS", "LAST_FOLLOW_UP", "NO_VALUE", "OS",
           "PROBLEMS", "ROW_ROLE", "SEX", "SORT_ROLE", "STATUS", "STUDY_ID", "TRANSPLANT", "CaseFilterProxy",
           "CaseTableModel"]

Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the CaseSummary of the row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts naturally (numbers, dates)
WARM_UP_BATCH = 1000  # rows formatted per idle moment: about 20 ms of work


class CaseTableModel(QAbstractTableModel):
    # Rows 0..last are now all formatted (their filter texts known); emitted as the idle warm-up advances.
    rows_formatted = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._summaries: list[CaseSummary] = []
        self._problems: dict[int, list[str]] = {}
        # Fields that are not columns (findings, drugs, notes, name, hospital number ...): searched, never shown.
        self._fields: dict[int, list[tuple[str, str]]] = {}
        self._rows: list[CaseRow | None] = []
        self._texts: list[str | None] = []  # each row's lowercase text for the filter, once formatted
        # After a reset, display rows are built in small batches while the window is idle, so
        # that the first keystroke in the filter box finds them ready (50,000 cases: ~0.4 s of work).
        self._warm_timer = QTimer(self)
        self._warm_timer.setInterval(0)
        self._warm_timer.timeout.connect(self._warm_up)
        notifier().changed.connect(self.reformat)

    # --- loading -------------------------------------------------------------------------
    def set_cases(self, summaries: Sequence[CaseSummary], problems: dict[int, list[str]] | None = None,
                  fields: dict[int, list[tuple[str, str]]] | None = None) -> None:
        """``fields``: every other searchable field of each case (storage.views.case_search), for the filter."""
        self.beginResetModel()
        self._summaries = list(summaries)
        self._problems = problems or {}
        self._fields = fields or {}
        self._rows = [None] * len(self._summaries)
        self._texts = [None] * len(self._summaries)
        self.endResetModel()
        self._warm_timer.start()

    def reformat(self, _style: str = "") -> None:
        """Every row's texts again (dates are shown in another form now); rows, order and selection stay."""
        self.layoutAboutToBeChanged.emit()
        self._rows = [None] * len(self._summaries)
        self._texts = [None] * len(self._summaries)
        self.layoutChanged.emit()
        self._warm_timer.start()

    def formatted_prefix(self) -> int:
        """How many leading rows are formatted (rows are formatted in order while idle, and when shown)."""
        try:
            return self._texts.index(None)
        except ValueError:
            return len(self._texts)

    def _warm_up(self, batch: int = WARM_UP_BATCH) -> None:
        start = self.formatted_prefix()
        for row in range(start, min(start + batch, len(self._summaries))):
            self._row(row)
        end = self.formatted_prefix()
        if end > start:
            self.rows_formatted.emit(end - 1)
        if end >= len(self._summaries):
            self._warm_timer.stop()

    def upsert_case(self, summary: CaseSummary, problems: list[str],
                    fields: list[tuple[str, str]] | None = None) -> None:
        """Replace one case's row (or add it) without resetting the model."""
        self._problems[summary.case_id] = problems
        if fields is not None:
            self._fields[summary.case_id] = fields
        row = self.row_of_case(summary.case_id)
        if row is None:
            row = len(self._summaries)
            self.beginInsertRows(QModelIndex(), row, row)
            self._summaries.append(summary)
            self._rows.append(None)
            self._texts.append(None)
            self._row(row)  # one row: formatted at once, so the formatted rows stay a prefix
            self.endInsertRows()
            return
        self._summaries[row] = summary
        self._rows[row] = self._texts[row] = None
        self._row(row)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def remove_case(self, case_id: int) -> None:
        row = self.row_of_case(case_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._summaries[row]
        del self._rows[row]
        del self._texts[row]
        self._problems.pop(case_id, None)
        self.endRemoveRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the rows by a column's natural value (numbers as numbers, dates as dates)."""
        if not 0 <= column < len(HEADERS):
            return
        self.layoutAboutToBeChanged.emit()
        if column == STUDY_ID:  # needs no formatting: cheap even for 50,000 cases
            keys: list[Any] = [s.study_id for s in self._summaries]
        else:
            keys = [self._row(r).sort[column] for r in range(len(self._summaries))]
        new_order = sorted(range(len(keys)), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        position = {old: new for new, old in enumerate(new_order)}
        self._summaries = [self._summaries[i] for i in new_order]
        self._rows = [self._rows[i] for i in new_order]
        self._texts = [self._texts[i] for i in new_order]
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent, [self.index(position[i.row()], i.column()) for i in persistent]
        )
        self.layoutChanged.emit()
        if self.formatted_prefix() < len(self._texts):
            self._warm_timer.start()  # the formatted rows are scattered now

    def summaries(self) -> list[CaseSummary]:
        return list(self._summaries)

    def summary(self, row: int) -> CaseSummary:
        return self._summaries[row]

    def row_of_case(self, case_id: int) -> int | None:
        for row, s in enumerate(self._summaries):
            if s.case_id == case_id:
                return row
        return None

    def _row(self, row: int) -> CaseRow:
        cached = self._rows[row]
        if cached is None:
            s = self._summaries[row]
            cached = self._rows[row] = CaseRow(s, self._problems.get(s.case_id, []))
            extra = [*cached.dates, *((w, with_other_forms(t)) for w, t in self._fields.get(s.case_id, []))]
            # The filter's text: the columns, then every other field (a separator no typed word holds).
            self._texts[row] = cached.haystack + ("\x1f" + "\x1f".join(t for _w, t in extra).lower() if extra else "")
        return cached

    def matched_outside_columns(self, row: int, words: Sequence[str]) -> list[str]:
        """Where (never what) the typed words matched in fields that are not columns, e.g. ['Hospital number']."""
        visible = self._row(row).haystack
        hidden = [w for w in words if w not in visible]
        if not hidden:
            return []
        from storage.views.case_search import where_matched

        dates = self._row(row).dates
        fields = self._fields.get(self._summaries[row].case_id, [])
        return where_matched([*dates, *((w, with_other_forms(t)) for w, t in fields)], hidden)

    def haystack(self, row: int) -> str:
        return self._row(row).haystack

    def matching_rows(self, words: Sequence[str], rows: Sequence[int]) -> list[int]:
        """Those of ``rows`` whose visible text (lowercase, all columns) contains every word, in order.

        Rows not yet formatted are formatted first (about 8 µs each).
        """
        texts = self._texts
        for row in [r for r in rows if texts[r] is None]:
            self._row(row)
        shown = list(rows)
        for word in words:  # one list comprehension per word, no Python call per row
            shown = [r for r in shown if word in texts[r]]  # type: ignore[operator]  # none is None now
        return shown

    # --- Qt model interface --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._summaries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._summaries)):
            return None
        return self.cell(index.row(), index.column(), role)

    def cell(self, row: int, column: int, role: int) -> Any:
        """data() for a row and column known to be valid (the filter proxy calls this directly)."""
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row(row).display[column]
        if role == SORT_ROLE:
            return self._row(row).sort[column]
        if role == ROW_ROLE:
            return self._summaries[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._row(row).tips.get(column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (AGE, OS, EFS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == PROBLEMS and self._problems.get(
            self._summaries[row].case_id
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


class CaseFilterProxy(QAbstractProxyModel):
    """The rows whose visible text contains every typed word, in the source model's order.

    The shown rows are a list of source row numbers (ascending), so mapping either way is a list
    look-up or a bisection. A new filter replaces the list and resets this model once; the view's
    selection goes with the reset, and CaseListWidget restores it. (QSortFilterProxyModel made a
    Python filterAcceptsRow call per row: about 100 ms at 50,000 cases, against about 10 ms here.)
    Sorting is the source model's (CaseTableModel.sort, on cached keys); this model follows its
    order. Like a QSortFilterProxyModel without dynamic filtering, a row whose text changes stays
    shown until the filter changes; added rows are shown if they match.

    Rows are formatted while the window is idle after loading (0.4 s at 50,000 cases). A filter
    typed before that is done can decide the formatted rows at once and the others as they are
    formatted, appended to the list (set_filter_text(text, wait=False)), instead of formatting
    them all first.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._shown: list[int] = []  # source rows, ascending
        self._decided = 0  # source rows 0.._decided-1 are decided; later ones wait to be formatted
        self._wait = True  # whether the filter decides every row at once
        self._source: CaseTableModel | None = None
        self._saved: list[tuple[QModelIndex, QPersistentModelIndex]] = []  # over a source layout change
        self._removing: tuple[int, int] | None = None

    # --- the source model and its changes --------------------------------------------------
    def setSourceModel(self, model: QAbstractItemModel) -> None:
        if not isinstance(model, CaseTableModel):
            raise TypeError("CaseFilterProxy shows a CaseTableModel")
        if self._source is not None:
            self._source.disconnect(self)
        self.beginResetModel()
        super().setSourceModel(model)
        self._source = model
        self._shown = self._refiltered()
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        model.layoutAboutToBeChanged.connect(self._source_layout_about_to_change)
        model.layoutChanged.connect(self._source_layout_changed)
        model.dataChanged.connect(self._source_data_changed)
        model.rowsInserted.connect(self._source_rows_inserted)
        model.rowsAboutToBeRemoved.connect(self._source_rows_about_to_be_removed)
        model.rowsRemoved.connect(self._source_rows_removed)
        model.rows_formatted.connect(self._source_rows_formatted)
        self.endResetModel()

    def _decide(self, rows: Sequence[int]) -> list[int]:
        """Those of ``rows`` (source rows, ascending) that the filter shows."""
        if self._source is None:
            return []
        return self._source.matching_rows(self._words, rows) if self._words else list(rows)

    def _decidable(self) -> int:
        """How many leading source rows to decide now: all, unless the filter may wait for formatting."""
        if self._source is None:
            return 0
        rows = self._source.rowCount()
        return rows if self._wait or not self._words else self._source.formatted_prefix()

    def _refiltered(self) -> list[int]:
        self._decided = self._decidable()
        return self._decide(range(self._decided))

    def _source_reset(self) -> None:
        self._shown = self._refiltered()
        self.endResetModel()

    def _source_layout_about_to_change(self) -> None:
        self.layoutAboutToBeChanged.emit()
        self._saved = [(p, QPersistentModelIndex(self.mapToSource(p))) for p in self.persistentIndexList()]

    def _source_layout_changed(self) -> None:
        self._shown = self._refiltered()
        saved, self._saved = self._saved, []
        self.changePersistentIndexList([p for p, _ in saved], [self.mapFromSource(s) for _, s in saved])
        self.layoutChanged.emit()

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Any = ()) -> None:
        first = bisect_left(self._shown, top_left.row())
        last = bisect_right(self._shown, bottom_right.row()) - 1
        if first <= last:
            self.dataChanged.emit(self.index(first, top_left.column()), self.index(last, bottom_right.column()))

    def _source_rows_formatted(self, last: int) -> None:
        if last < self._decided:
            return
        new = self._decide(range(self._decided, last + 1))
        self._decided = last + 1
        if new:
            self.beginInsertRows(QModelIndex(), len(self._shown), len(self._shown) + len(new) - 1)
            self._shown += new
            self.endInsertRows()

    def _source_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if first > self._decided:
            return  # among the rows still to be decided
        count = last - first + 1
        self._decided += count
        at = bisect_left(self._shown, first)
        self._shown[at:] = [r + count for r in self._shown[at:]]  # rows below move down
        new = self._decide(range(first, last + 1))
        if new:
            self.beginInsertRows(QModelIndex(), at, at + len(new) - 1)
            self._shown[at:at] = new
            self.endInsertRows()

    def _source_rows_about_to_be_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        start, end = bisect_left(self._shown, first), bisect_right(self._shown, last)
        self._removing = (start, end)
        if start < end:
            self.beginRemoveRows(QModelIndex(), start, end - 1)

    def _source_rows_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        assert self._removing is not None
        (start, end), self._removing = self._removing, None
        count = last - first + 1
        self._decided -= max(0, min(last + 1, self._decided) - first)
        self._shown[start:] = [r - count for r in self._shown[end:]]
        if start < end:
            self.endRemoveRows()

    # --- filtering and sorting -------------------------------------------------------------
    def set_filter_text(self, text: str, wait: bool = True) -> None:
        """Show the rows containing every word of ``text`` (any case, any column, any order).

        With ``wait`` False, rows not yet formatted are decided as they are formatted (is_complete).
        """
        words = [typed_date(word) for word in text.lower().split()]  # 1.2.2019: as the texts write it
        if words == self._words and (wait, self._wait) != (True, False):
            return
        # Typing on narrows: a row that contains every new word contains every old one.
        narrowing = bool(self._words) and all(any(old in new for new in words) for old in self._words)
        self._words, self._wait = words, wait
        decided = self._decidable()
        shown = self._decide(self._shown + list(range(self._decided, decided)) if narrowing else range(decided))
        if shown == self._shown and decided == self._decided:
            return  # the same rows: no reset, no repaint
        self.beginResetModel()
        self._shown, self._decided = shown, decided
        self.endResetModel()

    def is_complete(self) -> bool:
        """False while some rows wait to be formatted before the filter can decide them."""
        return self._source is None or self._decided >= self._source.rowCount()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in the source model with Python's sort on cached keys: at 50,000 rows
        a comparison call per pair (QSortFilterProxyModel.lessThan) would take seconds."""
        if self._source is not None:
            self._source.sort(column, order)

    # --- Qt proxy model interface ----------------------------------------------------------
    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if self._source is None or not proxy_index.isValid() or proxy_index.row() >= len(self._shown):
            return QModelIndex()
        return self._source.index(self._shown[proxy_index.row()], proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        at = bisect_left(self._shown, source_index.row())
        if at == len(self._shown) or self._shown[at] != source_index.row():
            return QModelIndex()  # filtered out
        return self.index(at, source_index.column())

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._shown) and 0 <= column < len(HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and bool(self._shown)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._source is None or not index.isValid() or index.row() >= len(self._shown):
            return None
        row = self._shown[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == STUDY_ID and self._words:
            places = self._source.matched_outside_columns(row, self._words)
            if places:
                return f"Found in: {', '.join(places)}"
        return self._source.cell(row, index.column(), role)

    def found_outside_columns(self, limit: int = 4) -> list[tuple[str, list[str]]]:
        """(study ID, places) of the first shown rows that matched outside the columns."""
        out: list[tuple[str, list[str]]] = []
        if self._source is None or not self._words:
            return out
        for row in self._shown:
            places = self._source.matched_outside_columns(row, self._words)
            if places:
                out.append((self._source.summary(row).study_id, places))
                if len(out) >= limit:
                    break
        return out

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return section + 1 if role == Qt.ItemDataRole.DisplayRole else None
        return self._source.headerData(section, orientation, role) if self._source is not None else None
