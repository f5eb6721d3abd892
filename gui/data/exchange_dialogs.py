"""Import and export dialogs. They collect choices; storage.interchange.imports.importing / storage.interchange.export.exporting do the work.

Work runs on a QThreadPool thread (BackgroundJob) so that the window stays responsive; progress
arrives as signals. The import dialog (column mapping, preview, problems) is gui.data.import_dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gui.data.background import BackgroundJob, file_row
from gui.data.import_dialog import PROBLEM_COLOUR as PROBLEM_COLOUR  # re-exported for callers
from gui.data.import_dialog import ImportDialog as ImportDialog
from gui.data.import_dialog import open_import_dialog as open_import_dialog
from gui.widgets.file_dialogs import existing_directory, save_file_name
from storage.database import Database


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
        self.deidentify.setChecked(True)  # the export for sharing is the default; a full one is chosen knowingly
        self.plain_note = QLabel("")
        self.plain_note.setWordWrap(True)
        self.plain_note.setObjectName("plain_note")
        self.out_edit = QLineEdit()
        self.confirmed_path = ""  # the save dialog asked before replacing this file
        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("", self.long)
        form.addRow("", self.deidentify)
        form.addRow("", self.shift)
        form.addRow("", self.days)
        form.addRow("", self.plain_note)
        form.addRow("Save as:", file_row(self.out_edit, self._choose))
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
        self.plain_note.setText(plain_note(self.database.path, self.deidentify.isChecked()))
        self.adjustSize()  # the note's lines wrap: the dialog grows with them, never cuts them off

    def _choose(self) -> None:
        fmt = self.format.currentData()
        if self.long.isChecked() and fmt == "csv":
            path = existing_directory(self, "Folder for the tables (empty)")
        else:
            path, _ = save_file_name(self, "Export cases", f"cases.{fmt}", f"*.{fmt}")
            self.confirmed_path = path
        if path:
            self.out_edit.setText(path)

    def run_export(self) -> None:
        from storage.interchange.export.exporting import ExportOptions, export_database

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


def plain_note(database: Path, deidentified: bool) -> str:
    """What the export dialog says of the file it writes: never encrypted, and what it holds."""
    from storage.safety.encryption import is_encrypted

    where = ("Unlike this encrypted database, the exported file is <b>not encrypted</b>" if is_encrypted(database)
             else "The exported file is <b>not encrypted</b>")
    if deidentified:
        return (f"{where}. De-identified, it holds no names, hospital numbers, birth dates or free text: the "
                "export for sharing.")
    return (f"{where}, and it holds names, hospital numbers and birth dates: anyone who can read it reads them. "
            "Keep it on an encrypted drive; for sharing tick De-identify.")


def open_export_dialog(parent: QWidget | None, database: Database) -> bool:
    """File > Export cases…: True if something was exported."""
    dialog = ExportDialog(database, parent)
    dialog.exec()
    return bool(dialog.result_paths)


def save_import_template(parent: QWidget | None) -> bool:
    """File > Save empty import template…: a CSV or XLSX listing every column and its allowed values."""
    from storage.interchange.export.export_writers import write_template

    path, _ = save_file_name(parent, "Save an empty import template", "casebook-template.xlsx",
                             "Excel workbook (*.xlsx);;CSV (*.csv)")
    if not path:
        return False
    try:
        write_template(Path(path))
    except OSError as exc:
        QMessageBox.critical(parent, "Cannot save the template", str(exc))
        return False
    return True
