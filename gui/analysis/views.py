"""Small views of the Analysis tab: a table model over analysis.statistics.tables.Table, a figure panel
(canvas + conventions caption) and the dialog that defines a new endpoint.

The dialog only collects values; storage.record.endpoint_definitions stores them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from analysis.statistics.tables import Table
from storage.record import codes

SCREEN_DPI = 130  # the figures use 7-pt journal fonts; a larger dpi makes them legible on screen
FIT_COLUMNS_MAX_ROWS = 500
MAX_COLUMN_WIDTH = 320  # px; a longer text is elided, its full text in the tooltip
MIN_SHRUNK_WIDTH = 110  # px; columns are not squeezed below this to fit the view (it scrolls instead)
TOOLTIP_MIN_CHARS = 16  # shorter cells are never elided at these widths
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class AnalysisTableModel(QAbstractTableModel):
    """Read-only rows of a computed table; ROW_ROLE returns the whole row tuple."""

    def __init__(self, table: Table | None = None) -> None:
        super().__init__()
        self.table = table or Table("", (), ())

    def set_table(self, table: Table) -> None:
        self.beginResetModel()
        self.table = table
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt name)
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.table.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.table.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole text of a cell the view may elide
            text = row[index.column()]
            return text if len(text) >= TOOLTIP_MIN_CHARS else None
        if role == Qt.ItemDataRole.FontRole and index.column() == 0 and row[0] and not row[0].startswith(" ") \
                and all(not c for c in row[1:]):
            font = QFont()
            font.setBold(True)  # a variable's heading row in Table 1
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.table.columns[section] if section < len(self.table.columns) else None
        return section + 1 if role == Qt.ItemDataRole.DisplayRole else None


class ElidedComboBox(QComboBox):
    """A combo box whose chosen text, when longer than the box, ends in '…' instead of being cut off
    mid-word; the whole text is in its drop-down and tooltip (show_full_text)."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        option.currentText = self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight,
                                                           field.width() - 4)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def shown_text(self) -> str:
        """The chosen text as the box shows it (elided to its width)."""
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideRight, field.width() - 4)


def show_full_text(combo: QComboBox) -> None:
    """A combo box kept narrow in the toolbar still shows every label whole: in its drop-down
    (as wide as the longest item), as each item's tooltip and, for the chosen item, as its own tooltip."""
    metrics = combo.fontMetrics()
    widest = 0
    for i in range(combo.count()):
        text = combo.itemText(i)
        combo.setItemData(i, text, Qt.ItemDataRole.ToolTipRole)
        widest = max(widest, metrics.horizontalAdvance(text))
    view = combo.view()
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setMinimumWidth(widest + 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width() + 16)
    combo.setToolTip(combo.currentText())


class TablePanel(QWidget):
    """A titled table with its conventions note underneath."""

    def __init__(self, parent: QWidget | None = None, compact: bool = False) -> None:
        super().__init__(parent)
        self.compact = compact  # a few rows: the view is only as tall as they are
        self.model = AnalysisTableModel()
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold")
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)  # the last column reaches the view's edge
        self.view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.view.setWordWrap(False)  # one line per row: long text is elided ("…"), whole in the tooltip
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._natural: list[int] = []  # column widths that fit the contents, before fitting the view
        self.view.viewport().installEventFilter(self)
        self.view.verticalHeader().setVisible(False)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #444")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.view, self.note):
            layout.addWidget(w)

    def set_table(self, table: Table) -> None:
        self.title.setText(table.title)
        self.model.set_table(table)
        self.note.setText(table.note)
        # fitting columns measures every cell: only for tables a person would read row by row
        if len(table.rows) <= FIT_COLUMNS_MAX_ROWS:
            self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        self._natural = [header.sectionSize(c) for c in range(header.count())]
        if self._natural:  # the last section is stretched: its own width is what its contents need
            last = header.count() - 1
            cells = self.view.sizeHintForColumn(last) if len(table.rows) <= FIT_COLUMNS_MAX_ROWS else 0
            self._natural[-1] = max(cells, header.sectionSizeHint(last), header.defaultSectionSize())
        self.fit_columns()
        if self.compact:
            rows = min(len(table.rows), 8)
            height = self.view.horizontalHeader().sizeHint().height() + 2 * self.view.frameWidth() + 2
            height += sum(self.view.rowHeight(r) for r in range(rows)) or self.view.verticalHeader().defaultSectionSize()
            scroll = self.view.horizontalScrollBar().sizeHint().height()
            self.view.setFixedHeight(height + scroll)


    def fit_columns(self) -> None:
        """Widths from the contents, none wider than MAX_COLUMN_WIDTH; if they still overflow the view,
        the widest columns give way (down to MIN_SHRUNK_WIDTH) so that every column is on screen."""
        if not self._natural:
            return
        available = self.view.viewport().width()
        cap = MAX_COLUMN_WIDTH
        while cap > MIN_SHRUNK_WIDTH and sum(min(w, cap) for w in self._natural) > available:
            cap -= 10
        header = self.view.horizontalHeader()
        for column, width in enumerate(self._natural[:header.count()]):
            header.resizeSection(column, min(width, cap))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()  # the view's own width, once its layout has settled
        return super().eventFilter(watched, event)


class FigurePanel(QWidget):
    """A matplotlib canvas (never pyplot) that redraws through ``draw`` when shown or resized
    (debounced), with the conventions caption printed under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=(6.0, 4.5), dpi=SCREEN_DPI, layout=ConstrainedLayoutEngine(h_pad=0.05, w_pad=0.05))
        self.canvas = _Canvas(self.figure)
        self.canvas.setMinimumSize(360, 280)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.caption)
        self._draw: Callable[[Figure], None] | None = None

    def show_drawing(self, draw: Callable[[Figure], None] | None, caption: str) -> None:
        self._draw = draw
        self.caption.setText(caption)
        self.redraw()

    def redraw(self) -> None:
        self.figure.clear()
        if self._draw is not None:
            self._draw(self.figure)
        self.canvas.draw_idle()  # type: ignore[no-untyped-call]


class _Canvas(FigureCanvasQTAgg):
    """Lays the figure out again once the user stops resizing, not on every pixel."""

    def __init__(self, figure: Figure) -> None:
        super().__init__(figure)  # type: ignore[no-untyped-call]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self._resize_now)
        self._event: QResizeEvent | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        if self._event is None:
            self._event = QResizeEvent(event.size(), event.oldSize())
            super().resizeEvent(event)  # type: ignore[no-untyped-call]
            return
        self._event = QResizeEvent(event.size(), event.oldSize())
        self._timer.start()

    def _resize_now(self) -> None:
        if self._event is not None:
            super().resizeEvent(self._event)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class EndpointValues:
    name: str
    label: str
    death_is_event: bool
    relapse_is_event: bool
    treatment_failure_is_event: bool
    death_causes: tuple[str, ...]


class EndpointDialog(QDialog):
    """Define an endpoint: which events end the time, and which causes of death count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New endpoint definition")
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setPlaceholderText("short name, e.g. rfs")
        self.label = QLineEdit()
        self.label.setPlaceholderText("e.g. Relapse-free survival")
        self.death = QCheckBox("Death")
        self.death.setChecked(True)
        self.relapse = QCheckBox("Relapse or progression")
        self.failure = QCheckBox("Treatment failure (no complete remission) as an event at day 0")
        self.causes = {code: QCheckBox(label) for code, label in codes.DEATH_CAUSE.items()}
        form.addRow("Name", self.name)
        form.addRow("Label", self.label)
        form.addRow(QLabel("Time zero is day 1 of the first salvage course; the time ends at the first of:"))
        for box in (self.death, self.relapse, self.failure):
            form.addRow("", box)
        form.addRow(QLabel("Deaths that count (none ticked: any cause; other deaths are censored):"))
        for box in self.causes.values():
            form.addRow("", box)
        self.message = QLabel()
        self.message.setStyleSheet("color: #a00")
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> EndpointValues:
        return EndpointValues(
            name=self.name.text().strip(), label=self.label.text().strip(),
            death_is_event=self.death.isChecked(), relapse_is_event=self.relapse.isChecked(),
            treatment_failure_is_event=self.failure.isChecked(),
            death_causes=tuple(code for code, box in self.causes.items() if box.isChecked()),
        )
