"""Import and export dialogs. They collect choices; storage.interchange.importing / storage.interchange.exporting do the work.

Work runs on a QThreadPool thread (BackgroundJob) so that the window stays responsive; progress
arrives as signals. The import first checks the file (nothing written), shows every row with
its problems highlighted, and only then offers to import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from storage.database import Database
from storage.interchange.importing import ImportOptions, ImportReport, import_file

PROBLEM_COLOUR = QColor("#f8d0d0")
PREVIEW_ROWS = 2000  # rows shown; every problem is listed below the table whatever the size
DATE_FORMATS = [("ISO dates only (YYYY-MM-DD)", ""), ("31.12.2019 (%d.%m.%Y)", "%d.%m.%Y"),
                ("31/12/2019 (%d/%m/%Y)", "%d/%m/%Y"), ("12/31/2019 (%m/%d/%Y)", "%m/%d/%Y"),
                ("2019/12/31 (%Y/%m/%d)", "%Y/%m/%d")]
Index = QModelIndex | QPersistentModelIndex


class _JobSignals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)


class BackgroundJob(QRunnable):
    """Runs work(progress) on the thread pool; its signals arrive on the GUI thread."""

    def __init__(self, work: Callable[[Callable[[int, int, str], None]], Any]) -> None:
        super().__init__()
        self.work = work
        self.signals = _JobSignals()

    def run(self) -> None:
        try:
            result = self.work(self.signals.progress.emit)
        except Exception as exc:  # shown to the user; nothing was committed by a failed job
            from storage.safety.problems import database_problem, is_database_error

            # a database's error text holds its SQL: never shown, only what happened and what to do
            self.signals.failed.emit(database_problem(exc) if is_database_error(exc)
                                     else f"{type(exc).__name__}: {exc}")
        else:
            self.signals.finished.emit(result)

    def start(self) -> None:
        QThreadPool.globalInstance().start(self)


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
            return "\n".join(problems)
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


def _file_row(edit: QLineEdit, choose: Callable[[], None]) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    browse = QPushButton("Browse…")
    browse.clicked.connect(choose)
    layout.addWidget(browse)
    return row


class ImportDialog(QDialog):
    def __init__(self, database: Database, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.imported = False
        self.report: ImportReport | None = None
        self.setWindowTitle("Import cases from a spreadsheet")
        self.resize(1000, 640)
        self.path_edit = QLineEdit(str(path or ""))
        self.path_edit.setPlaceholderText("CSV or XLSX file in the flat case template")
        self.add_fields = QCheckBox("Add unknown columns as custom fields (type inferred)")
        self.update_existing = QCheckBox("Update cases whose study ID already exists (recorded in the audit trail)")
        self.date_format = QComboBox()
        for label, fmt in DATE_FORMATS:
            self.date_format.addItem(label, fmt)
        form = QFormLayout()
        form.addRow("File:", _file_row(self.path_edit, self._choose))
        form.addRow("Dates:", self.date_format)
        form.addRow("", self.add_fields)
        form.addRow("", self.update_existing)
        self.model = PreviewModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.problems = QListWidget()
        self.problems.currentRowChanged.connect(self._show_problem)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.problems)
        split.setSizes([420, 160])
        self.summary = QLabel("Choose a file, then Check it. Nothing is written before you click Import.")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.check_button = self.buttons.addButton("Check", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.check_button.clicked.connect(lambda: self._run(dry_run=True))
        self.import_button.clicked.connect(lambda: self._run(dry_run=False))
        self.buttons.rejected.connect(self.reject)
        for widget in (self.add_fields, self.update_existing):
            widget.toggled.connect(self._options_changed)
        self.date_format.currentIndexChanged.connect(self._options_changed)
        self.path_edit.textChanged.connect(self._options_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import cases", "", "Spreadsheets (*.csv *.xlsx);;All files (*)")
        if path:
            self.path_edit.setText(path)
            self._run(dry_run=True)

    def options(self, dry_run: bool) -> ImportOptions:
        return ImportOptions(add_fields=self.add_fields.isChecked(), date_format=self.date_format.currentData() or None,
                             update_existing=self.update_existing.isChecked(), dry_run=dry_run)

    def _options_changed(self, *_args: object) -> None:
        self.import_button.setEnabled(False)  # the last check no longer applies

    def _run(self, dry_run: bool) -> None:
        path = Path(self.path_edit.text().strip())
        if not path.is_file():
            self.summary.setText(f"There is no file {path}.")
            return
        options, database = self.options(dry_run), self.database
        job = BackgroundJob(lambda progress: import_file(database, path, options, progress))
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        self._busy(True)
        self.summary.setText("Checking the file…" if dry_run else "Importing…")
        self.job_signals = job.signals  # keep the signals alive until the job reports (the pool deletes the job)
        job.start()

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for button in (self.check_button, self.import_button):
            button.setEnabled(not busy)

    def _progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{what}: %v of %m")

    def _finished(self, report: ImportReport) -> None:
        self._busy(False)
        self.show_report(report)

    def show_report(self, report: ImportReport) -> None:
        self.report = report
        self.model.set_report(report)
        self.problems.clear()
        self.problems.addItems([str(p) for p in report.problems])
        self.summary.setText(report.summary())
        self.imported = self.imported or report.written
        self.import_button.setEnabled(report.ok and not report.written)
        if report.written:
            self.import_button.setText("Imported")

    def _failed(self, message: str) -> None:
        self._busy(False)
        self.summary.setText(f"The import failed and nothing was written: {message}")

    def _show_problem(self, row: int) -> None:
        if self.report is None or not 0 <= row < len(self.report.problems):
            return
        problem = self.report.problems[row]
        header = [h.strip() for h in self.model.header]
        column = header.index(problem.column) if problem.column in header else 0
        if problem.row and problem.row <= len(self.model.rows):
            self.table.setCurrentIndex(self.model.index(problem.row - 1, column))
        elif problem.column in header:
            self.table.selectColumn(column)


def open_import_dialog(parent: QWidget | None, database: Database, path: Path | None = None) -> bool:
    """File > Import cases…: True if cases were imported (reload the case list)."""
    dialog = ImportDialog(database, parent, path)
    dialog.exec()
    return dialog.imported


class ExportDialog(QDialog):
    FORMATS = [("CSV (flat case template)", "csv"), ("Excel workbook (.xlsx)", "xlsx"), ("SPSS (.sav)", "sav"),
               ("Stata (.dta)", "dta")]

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.result_paths: list[Path] = []
        self.setWindowTitle("Export cases")
        self.format = QComboBox()
        for label, fmt in self.FORMATS:
            self.format.addItem(label, fmt)
        self.long = QCheckBox("Long format: one table per kind of record (sheets, or a folder of CSV files)")
        self.deidentify = QCheckBox("De-identify: no names, hospital numbers, birth dates or free text; coded IDs")
        self.shift = QRadioButton("Shift every date of a case by one random offset (intervals stay exact)")
        self.days = QRadioButton("Replace dates by days from time zero")
        self.shift.setChecked(True)
        self.out_edit = QLineEdit()
        self.confirmed_path = ""  # the save dialog asked before replacing this file
        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("", self.long)
        form.addRow("", self.deidentify)
        form.addRow("", self.shift)
        form.addRow("", self.days)
        form.addRow("Save as:", _file_row(self.out_edit, self._choose))
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.run_export)
        self.buttons.rejected.connect(self.reject)
        self.format.currentIndexChanged.connect(self._update)
        self.deidentify.toggled.connect(self._update)
        self.long.toggled.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self, *_args: object) -> None:
        stats = self.format.currentData() in ("sav", "dta")
        if stats:
            self.long.setChecked(False)
        self.long.setEnabled(not stats)
        for button in (self.shift, self.days):
            button.setEnabled(self.deidentify.isChecked())

    def _choose(self) -> None:
        fmt = self.format.currentData()
        if self.long.isChecked() and fmt == "csv":
            path = QFileDialog.getExistingDirectory(self, "Folder for the tables (empty)")
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export cases", f"cases.{fmt}", f"*.{fmt}")
            self.confirmed_path = path
        if path:
            self.out_edit.setText(path)

    def run_export(self) -> None:
        from storage.interchange.exporting import ExportOptions, export_database

        out = self.out_edit.text().strip()
        if not out:
            self.summary.setText("Choose where to save the export.")
            return
        options = ExportOptions(fmt=self.format.currentData(), long=self.long.isChecked(),
                                deidentify=self.deidentify.isChecked(),
                                date_mode="days" if self.days.isChecked() else "shift",
                                overwrite=bool(out) and out == self.confirmed_path)
        database = self.database

        def work(progress: Callable[[int, int, str], None]) -> Any:
            with database.session() as session:  # one transaction: de-identification keys are kept
                return export_database(session, Path(out), options, progress)

        job = BackgroundJob(work)
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(lambda message: self._done(f"The export failed: {message}"))
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.export_button.setEnabled(False)
        self.job_signals = job.signals
        job.start()

    def _finished(self, result: Any) -> None:
        self.result_paths = list(result.paths)
        self._done(f"Exported {result.cases} cases to {', '.join(p.name for p in result.paths)}.\n"
                   + "\n".join(result.about[2:]))

    def _done(self, message: str) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.summary.setText(message)


def open_export_dialog(parent: QWidget | None, database: Database) -> bool:
    """File > Export cases…: True if something was exported."""
    dialog = ExportDialog(database, parent)
    dialog.exec()
    return bool(dialog.result_paths)


def save_import_template(parent: QWidget | None) -> bool:
    """File > Save empty import template…: a CSV or XLSX listing every column and its allowed values."""
    from storage.interchange.export_writers import write_template

    path, _ = QFileDialog.getSaveFileName(parent, "Save an empty import template", "casebook-template.xlsx",
                                          "Excel workbook (*.xlsx);;CSV (*.csv)")
    if not path:
        return False
    try:
        write_template(Path(path))
    except OSError as exc:
        QMessageBox.critical(parent, "Cannot save the template", str(exc))
        return False
    return True
