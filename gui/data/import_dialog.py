"""File > Import cases…: the user's own sheet (column mapping with suggestions, value mapping), the flat
template or the long format; a preview with every problem; then all or nothing.

The dialog collects choices; storage.interchange (column_mapping, importing) does the work, on a
worker thread (BackgroundJob) so that the window stays responsive. Its messages name the dialog's own
controls; the command line words the same problems its own way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.data.background import BackgroundJob, file_row
from gui.data.import_words import LAST_STEP, counted, problem_line, progress_words
from gui.data.mapping_panel import MappingPanel
from gui.widgets.file_dialogs import open_file_name
from gui.widgets.screen_fit import fit_dialog
from storage.database import Database
from storage.interchange.imports.checked_import import CheckedImport
from storage.interchange.imports.column_mapping import (
    ColumnMapping,
    Suggestion,
    custom_field_names,
    load_mapping,
    save_mapping,
    saved_mappings,
    suggest,
    suggested_mapping,
)
from storage.interchange.imports.column_values import ColumnValues, ColumnValueScan
from storage.interchange.imports.import_plan import SHOWN_ROWS, ImportOptions, ImportReport
from storage.interchange.imports.importing import check_file, import_file
from storage.interchange.imports.problem_words import DialogProblem

PROBLEM_COLOUR = QColor("#f8d0d0")
PREVIEW_ROWS = SHOWN_ROWS  # rows shown (all the report keeps); every problem is listed below the table whatever the size
DATE_FORMATS = [("ISO dates, date cells, or as each column's data fix it", ""),  # shown by an example only
                ("31.12.2019", "%d.%m.%Y"), ("31/12/2019", "%d/%m/%Y"), ("12/31/2019", "%m/%d/%Y"),
                ("2019/12/31", "%Y/%m/%d")]
SUGGESTED = ""  # the saved-mapping box's first item: suggestions from the headers
Index = QModelIndex | QPersistentModelIndex


@dataclass
class LoadedFile:
    """What the dialog shows of a file before any check: its columns and rows, or that it is the long format."""

    path: Path
    header: list[str] = field(default_factory=list)
    values: list[ColumnValues] = field(default_factory=list)  # each column's distinct values, for the mapping
    hints: dict[str, Suggestion] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # of the long format
    problem: str | None = None
    read_as: str = ""  # e.g. "CSV, semicolon-separated, Windows-1252"


def value_rows(loaded: LoadedFile, most: int = 50) -> list[list[Any]]:
    """Rows made of each column's first distinct values (the file's rows are not kept): enough for the value
    suggestions, which look at the different values of a column, not at how often they come."""
    columns: list[list[str]] = [[] for _ in loaded.header]
    for column in loaded.values:
        if 0 <= column.index < len(columns):
            columns[column.index] = list(column.texts)[:most]
    depth = max((len(c) for c in columns), default=0)
    return [[c[j] if j < len(c) else None for c in columns] for j in range(depth)]


def load_file(path: Path, progress: Callable[[int, int, str], None] | None = None) -> LoadedFile:
    """Read a file for the mapping table (on the worker thread); progress(rows, 0, "reading rows") every
    1,000 rows (how many there are is not known before the end)."""
    from storage.interchange.imports.long_files import is_long
    from storage.interchange.table_files import UnreadableFile
    from storage.interchange.table_reading import open_table

    loaded = LoadedFile(path)
    if is_long(path):
        from storage.interchange.xlsx_sheets import sheet_names

        loaded.sheets = sheet_names(path) if path.is_file() and path.suffix.lower() != ".zip" else \
            sorted(p.stem for p in path.glob("*.csv")) if path.is_dir() else ["zip of CSV tables"]
        return loaded
    try:
        source = open_table(path)
        scan = ColumnValueScan(len(source.header))
        for number, row in enumerate(source.rows(), 1):  # a row at a time: the rows are not kept
            scan.feed(row)
            if progress is not None and number % 1000 == 0:
                progress(number, 0, "reading rows")
    except UnreadableFile as exc:
        loaded.problem = "; ".join(p.text(dialog=True) for p in exc.problems)
        return loaded
    loaded.header = source.header
    loaded.values = scan.values(source.percent_columns)
    separator = {",": "comma", ";": "semicolon", "tab": "tab"}.get(source.delimiter, source.delimiter)
    what = f"CSV, {separator}-separated, {source.encoding}" if source.encoding else "Excel workbook"
    columns = counted(len([h for h in source.header if h.strip()]), "column")
    loaded.read_as = f"Read as {what}: {counted(scan.rows, 'row')}, {columns}."
    loaded.hints = suggest([h.strip() for h in source.header])
    return loaded


class PreviewModel(QAbstractTableModel):
    """The file's rows as read, cells with a problem highlighted and explained in a tooltip."""

    def __init__(self, report: ImportReport | None = None) -> None:
        super().__init__()
        self.set_report(report)

    def set_report(self, report: ImportReport | None) -> None:
        self.beginResetModel()
        self.report = report
        self.header = report.header if report else []
        self.rows = report.rows[:PREVIEW_ROWS] if report else []
        self.cells = report.problem_cells() if report else {}
        self.bad_rows = {row for row, _column in self.cells}
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.header)

    def problems_at(self, row: int, column: int) -> list[str]:
        name = self.header[column].strip() if column < len(self.header) else None
        return self.cells.get((row + 1, name), []) + self.cells.get((0, name), [])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return "" if value is None else str(value)
        problems = self.problems_at(index.row(), index.column())
        if role == Qt.ItemDataRole.BackgroundRole and problems:
            return QBrush(PROBLEM_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole and problems:
            return "\n".join(problem_line(p) for p in problems)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            if role == Qt.ItemDataRole.BackgroundRole and orientation == Qt.Orientation.Vertical \
                    and section + 1 in self.bad_rows:
                return QBrush(PROBLEM_COLOUR)
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.header[section] if section < len(self.header) else None
        return str(section + 1)


class ImportDialog(QDialog):
    def __init__(self, database: Database, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.imported = False
        self.report: ImportReport | None = None
        self.listed: list[DialogProblem] = []
        self.loaded: LoadedFile | None = None
        self.checked: CheckedImport | None = None  # the last clean Check's plan, which Import writes if still valid
        self.closed = False
        self.setWindowTitle("Import cases from a spreadsheet")
        # 1240×700 where the screen has room; smaller on a 1366×768 ward screen with its task bar.
        fit_dialog(self, QSize(1240, 700))
        self.path_edit = QLineEdit(str(path or ""))
        self.path_edit.setPlaceholderText("CSV or XLSX, one row per case (your own columns or the template); "
                                          "or the long format (XLSX, folder or zip)")
        self.saved = QComboBox()
        self.saved.addItem("(suggested from the column names)", SUGGESTED)
        with database.session() as session:
            for name in saved_mappings(session):
                self.saved.addItem(name, name)
        self.save_button = QPushButton("Save mapping as…")
        self.save_button.clicked.connect(self._save_mapping)
        saved_row = QWidget()
        row_layout = QHBoxLayout(saved_row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.saved, 1)
        row_layout.addWidget(self.save_button)
        self.date_format = QComboBox()
        for label, fmt in DATE_FORMATS:
            self.date_format.addItem(label, fmt)
        self.update_existing = QCheckBox("Update cases whose study ID already exists (recorded in the audit trail)")
        form = QFormLayout()
        form.addRow("File:", file_row(self.path_edit, self._choose))
        form.addRow("Column mapping:", saved_row)
        form.addRow("Dates:", self.date_format)
        form.addRow("", self.update_existing)
        self.panel = MappingPanel()
        self.long_note = QLabel("")
        self.long_note.setWordWrap(True)
        self.long_note.setVisible(False)
        mapping_tab = QWidget()
        mapping_layout = QVBoxLayout(mapping_tab)
        mapping_layout.addWidget(self.long_note)
        mapping_layout.addWidget(self.panel, 1)
        self.model = PreviewModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.tabs = QTabWidget()
        self.tabs.addTab(mapping_tab, "Column mapping")
        self.tabs.addTab(self.table, "Preview")
        self.problems = QListWidget()
        self.problems.currentRowChanged.connect(self._show_problem)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tabs)
        split.addWidget(self.problems)
        split.setSizes([520, 70])
        self.summary = QLabel("Choose a file, then Check it. Nothing is written before you click Import.")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)  # the words beside it say what and how far, also while it is busy
        self.progress_words = QLabel("")
        # as wide as its longest words: the bar beside it does not jump as the counts grow
        self.progress_words.setMinimumWidth(self.progress_words.fontMetrics().horizontalAdvance(
            progress_words(1_000_000, 0, "reading rows again")) + 8)
        self.progress_row = QWidget()
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress_words)
        progress_layout.addWidget(self.progress, 1)
        self.progress_row.setVisible(False)
        self._phase = ""
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.check_button = self.buttons.addButton("Check", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.check_button.clicked.connect(lambda: self._run(dry_run=True))
        self.import_button.clicked.connect(lambda: self._run(dry_run=False))
        self.buttons.rejected.connect(self.reject)
        self.update_existing.toggled.connect(self._options_changed)
        self.date_format.currentIndexChanged.connect(self._options_changed)
        self.path_edit.textChanged.connect(self._options_changed)
        self.panel.changed.connect(self._options_changed)
        self.saved.currentIndexChanged.connect(self._apply_saved)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.buttons)

    # --- the file and its mapping ------------------------------------------------------------------

    def _choose(self) -> None:
        path, _ = open_file_name(self, "Import cases", "Spreadsheets (*.csv *.xlsx *.zip);;All files (*)")
        if path:
            self.path_edit.setText(path)
            self._run(dry_run=True)

    def _path(self) -> Path:
        return Path(self.path_edit.text().strip())

    def _mapping_for(self, loaded: LoadedFile) -> tuple[ColumnMapping, str | None]:
        """The saved mapping chosen above (with 'saved' as how), or the suggestions from the headers."""
        name = self.saved.currentData()
        if name:
            with self.database.session() as session:
                return load_mapping(session, str(name)), "saved"
        with self.database.session() as session:
            return suggested_mapping(loaded.header, custom_fields=custom_field_names(session),
                                     rows=value_rows(loaded)), None

    def _show_loaded(self, loaded: LoadedFile) -> None:
        self.loaded = loaded
        self.long_note.setVisible(bool(loaded.sheets) or bool(loaded.read_as))
        self.panel.setVisible(not loaded.sheets)
        if loaded.sheets:
            self.long_note.setText("Long format (as Export writes it): one table per kind of record ("
                                   f"{', '.join(loaded.sheets)}). Rows join their case by study ID and drugs their "
                                   "course by course number; no column mapping is needed.")
            return
        self.long_note.setText(loaded.read_as)
        mapping, how = self._mapping_for(loaded)
        if mapping.date_format:
            self.date_format.setCurrentIndex(max(self.date_format.findData(mapping.date_format), 0))
        self.panel.set_file(loaded.header, loaded.values, mapping, loaded.hints, how)

    def _apply_saved(self, *_args: object) -> None:
        if self.loaded is not None and not self.loaded.sheets:
            self._show_loaded(self.loaded)
        self._options_changed()

    def current_mapping(self) -> ColumnMapping | None:
        if self.loaded is None or self.loaded.sheets or self.loaded.path != self._path():
            return None
        mapping = self.panel.mapping()
        mapping.date_format = self.date_format.currentData() or None
        return mapping

    def _save_mapping(self) -> None:
        mapping = self.current_mapping()
        if mapping is None:
            self.summary.setText("Choose a one-row-per-case file and Check it; then its column mapping can be saved.")
            return
        current = self.saved.currentData() or ""
        name, ok = QInputDialog.getText(self, "Save the column mapping", "Name of the mapping:", text=str(current))
        if ok and name.strip():
            self.store_mapping(name.strip(), mapping)

    def store_mapping(self, name: str, mapping: ColumnMapping) -> None:
        from storage.record.study_settings import SettingError

        try:
            with self.database.session() as session:
                save_mapping(session, name, mapping)
        except SettingError as exc:
            self.summary.setText(f"The mapping was not saved: {exc}.")
            return
        if self.saved.findData(name) < 0:
            self.saved.addItem(name, name)
        self.saved.blockSignals(True)
        self.saved.setCurrentIndex(self.saved.findData(name))
        self.saved.blockSignals(False)
        self.summary.setText(f"Saved the column mapping {name!r} in this study; choose it under Column mapping "
                             "above for the next file.")

    # --- checking and importing --------------------------------------------------------------------

    def options(self, dry_run: bool) -> ImportOptions:
        return ImportOptions(date_format=self.date_format.currentData() or None, mapping=self.current_mapping(),
                             update_existing=self.update_existing.isChecked(), dry_run=dry_run)

    def _options_changed(self, *_args: object) -> None:
        self.import_button.setEnabled(False)  # the last check no longer applies
        self._discard_check()

    def _discard_check(self) -> None:
        """Free the kept plan (on the worker thread: dropping 50,000 cases at once would stall the window)."""
        checked, self.checked = self.checked, None
        if checked is not None:
            threading.Thread(target=checked.release, name="release the checked plan", daemon=True).start()

    def done(self, result: int) -> None:
        self.closed = True
        self._discard_check()
        super().done(result)

    def _run(self, dry_run: bool) -> None:
        path = self._path()
        if not path.is_file() and not path.is_dir():
            self.summary.setText(f"There is no file {path}: choose one with Browse… above.")
            return
        options, database = self.options(dry_run), self.database
        if dry_run:
            self._discard_check()  # never two plans in memory
        checked, self.checked = self.checked, None  # Import writes it if nothing changed since; the job owns it
        fresh = options.mapping is None and (self.loaded is None or self.loaded.path != path)
        saved = self.saved.currentData()

        def work(progress: Any) -> tuple[LoadedFile | None, ImportReport, CheckedImport | None]:
            loaded = load_file(path, progress) if fresh else None
            used = options
            if loaded is not None:  # the check reads the file once more (its first pass)
                progress = _read_again(progress)
            if loaded is not None and not loaded.sheets and loaded.problem is None:
                if saved:
                    with database.session() as session:
                        chosen = load_mapping(session, str(saved))
                else:
                    with database.session() as session:
                        chosen = suggested_mapping(loaded.header, custom_fields=custom_field_names(session),
                                                   rows=value_rows(loaded))
                chosen.date_format = options.date_format or chosen.date_format
                used = ImportOptions(date_format=chosen.date_format, mapping=chosen,
                                     update_existing=options.update_existing, dry_run=True)
            if dry_run:
                kept = check_file(database, path, used, progress)
                return loaded, kept.report, kept
            return loaded, import_file(database, path, used, progress, checked), None

        job = BackgroundJob(work)
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        self._busy(True)
        writes_kept = not dry_run and checked is not None and checked.plan is not None
        self._progress(0, 0, "writing" if writes_kept else "reading rows")  # busy, in words, from the start
        self.summary.setText("Checking the file…" if dry_run else "Importing…")
        self.job_signals = job.signals  # keep the signals alive until the job reports (the pool deletes the job)
        job.start()

    def _busy(self, busy: bool) -> None:
        self.progress_row.setVisible(busy)
        for button in (self.check_button, self.import_button):
            button.setEnabled(not busy)

    def _progress(self, done: int, total: int, what: str) -> None:
        phase = self._phase if what in LAST_STEP and self._phase else what
        self._phase = phase
        self.progress_words.setText(progress_words(done, total, phase))
        if total <= 0:  # (the rows of a file being read: their number is not known yet) a busy bar
            self.progress.setRange(0, 0)
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _finished(self, result: tuple[LoadedFile | None, ImportReport, CheckedImport | None]) -> None:
        loaded, report, checked = result
        self._busy(False)
        if loaded is not None:
            self._show_loaded(loaded)  # (which may say that the options changed: before keeping the check)
        if checked is not None:
            self.checked = checked
            if self.closed:  # closed while checking
                self._discard_check()
        self.show_report(report)

    def show_report(self, report: ImportReport) -> None:
        self.report = report
        self.model.set_report(report)
        self.problems.clear()
        self.listed = report.dialog_problems()  # the list's lines, each with the problem it points to
        self.problems.addItems([problem_line(line) for line in report.problem_lines(dialog=True)])
        again = f"Checked again before importing, as {report.checked_again}. " if report.checked_again else ""
        self.summary.setText(again + report.summary(dialog=True))
        self.imported = self.imported or report.written
        self.import_button.setEnabled(report.ok and not report.written)
        if report.written:
            self.import_button.setText("Imported")

    def _failed(self, message: str) -> None:
        self._busy(False)
        self.summary.setText(f"The import failed and nothing was written: {message}")

    def _show_problem(self, row: int) -> None:
        if self.report is None or not 0 <= row < len(self.listed):
            return
        problem = self.listed[row].problem
        if self.listed[row].needs_date_format and problem.row is None:
            self.date_format.setFocus()  # the control that fixes the column
            return
        if problem.sheet not in (None, self.report.sheet):
            return
        header = [h.strip() for h in self.model.header]
        box = self.panel.target_box(problem.column or "")
        if problem.row is None and box is not None:
            self.tabs.setCurrentIndex(0)
            box.setFocus()
            return
        self.tabs.setCurrentIndex(1)
        column = header.index(problem.column) if problem.column in header else 0
        if problem.row and problem.row <= len(self.model.rows):
            self.table.setCurrentIndex(self.model.index(problem.row - 1, column))
        elif problem.column in header:
            self.table.selectColumn(column)


def _read_again(progress: Callable[[int, int, str], None]) -> Callable[[int, int, str], None]:
    """The check's progress after the mapping's reading: its first pass says it reads the file again."""
    def said(done: int, total: int, what: str) -> None:
        progress(done, total, "reading rows again" if what == "reading rows" else what)
    return said


def open_import_dialog(parent: QWidget | None, database: Database, path: Path | None = None) -> bool:
    """File > Import cases…: True if cases were imported (reload the case list)."""
    dialog = ImportDialog(database, parent, path)
    dialog.exec()
    return dialog.imported
