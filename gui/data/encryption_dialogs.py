"""The passphrase dialogs: asked once per opening, chosen for a new study, encrypt a plain one, change it.

The passphrase goes from the dialog's field to storage.safety.encryption's memory and nowhere else:
never to the settings, a log or the audit trail. The work is done by storage.safety.encrypting.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.date_display import format_date
from storage.safety import encryption

if TYPE_CHECKING:
    from gui.widgets.study_window import StudyWindow

LOSS_WARNING = ("<b>Write the passphrase down and keep it apart from the computer.</b> Nobody, not even "
                "the hospital's IT, can open the study without it: a lost passphrase means lost data, "
                "including every backup.")


class PassphraseDialog(QDialog):
    """Collects a passphrase: ``mode`` "open" (one field), "new" (twice, with the warning), "change" (old, new twice)."""

    def __init__(self, parent: QWidget | None, mode: str, database_name: str, encrypt_choice: bool = False) -> None:
        super().__init__(parent)
        self.mode = mode
        titles = {"open": "Passphrase", "new": "Encrypt the study database", "change": "Change passphrase"}
        self.setWindowTitle(titles[mode])
        layout = QVBoxLayout(self)
        intro = {"open": f"{database_name} is encrypted. Its passphrase:",
                 "new": f"Passphrase for {database_name} (at least {encryption.MIN_LENGTH} characters; a few "
                        "words are easier to keep than symbols):",
                 "change": f"Change the passphrase of {database_name} and of its backups:"}[mode]
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.intro, self.intro_text, self.title_text = label, intro, titles[mode]
        form = QFormLayout()
        self.old = self._field()
        self.new = self._field()
        self.repeated = self._field()
        self.encrypt = QCheckBox("Encrypt this database (recommended for patient data)")
        self.encrypt.setChecked(True)
        if mode == "open":
            form.addRow("Passphrase", self.new)
        else:
            if mode == "change":
                form.addRow("Current passphrase", self.old)
            form.addRow("New passphrase", self.new)
            form.addRow("The same again", self.repeated)
        if encrypt_choice:
            layout.addWidget(self.encrypt)
            self.encrypt.toggled.connect(self._encrypt_toggled)
        layout.addLayout(form)
        self.warning = QLabel(LOSS_WARNING)
        self.warning.setWordWrap(True)
        if mode != "open":
            layout.addWidget(self.warning)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _encrypt_toggled(self, on: bool) -> None:
        """A plain database chosen: no passphrase, and nothing left on screen that speaks of one."""
        self.new.setEnabled(on)
        self.repeated.setEnabled(on)
        self.problem.clear()
        self.warning.setVisible(on)
        self.setWindowTitle(self.title_text if on else "A new study database, not encrypted")
        self.intro.setText(self.intro_text if on else "The new database will be a plain file: anyone who can read "
                           "it reads every patient's name, hospital number and date of birth.")

    @staticmethod
    def _field() -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def _check(self) -> None:
        if self.mode != "open" and self.encrypt.isChecked():
            problem = encryption.check_new_passphrase(self.new.text(), self.repeated.text())
            if problem:
                self.problem.setText(problem)
                return
        self.accept()

    def values(self) -> dict[str, str | None]:
        wanted = self.mode == "open" or self.encrypt.isChecked()
        return {"old": self.old.text() or None, "new": self.new.text() if wanted else None}


def ask_to_unlock(parent: QWidget | None, path: Path) -> bool:
    """Before opening: True if the file is plain or now opens with a passphrase; False if the user cancelled."""
    path = Path(path)
    if not encryption.is_encrypted(path):
        return True
    try:
        encryption.key_of(path)  # a passphrase this process already knows (the same study again)
        return True
    except encryption.PassphraseNeeded:
        pass
    dialog = PassphraseDialog(parent, "open", path.name)
    while dialog.exec():
        try:
            encryption.unlock(path, dialog.new.text())
            return True
        except encryption.WrongPassphrase:
            dialog.problem.setText("This passphrase does not open the database. Nothing was changed; try again.")
            dialog.new.clear()
    return False


def ask_new_passphrase(parent: QWidget | None, path: Path) -> tuple[bool, str | None]:
    """For a new study: (go on, passphrase or None for a plain file). Encrypted is the default."""
    dialog = PassphraseDialog(parent, "new", Path(path).name, encrypt_choice=True)
    if not dialog.exec():
        return False, None
    passphrase = dialog.values()["new"]
    if passphrase is None:
        answer = QMessageBox.warning(parent, "A plain database", "Without encryption, anyone who can read the "
                                     "file reads every patient's name, hospital number and date of birth. Create "
                                     "it unencrypted?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes, None
    return True, passphrase


def recovery_sheet_html(path: Path) -> str:
    """A sheet to print and file away: which database, where, and a line to write the passphrase by hand."""
    import datetime as dt

    return (f"<h2>Casebook: recovery sheet</h2><p>Study database: <b>{Path(path).name}</b><br>Folder: "
            f"{Path(path).resolve().parent}<br>Encrypted on: {format_date(dt.date.today())} (SQLCipher 4, AES-256)</p>"
            "<p>Passphrase (write it by hand; Casebook never prints or stores it):</p>"
            "<p>______________________________________________</p>"
            f"<p>{LOSS_WARNING}</p><p>Keep this sheet locked away, apart from the computer.</p>")


def show_recovery_sheet(parent: QWidget | None, path: Path) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "Recovery sheet", recovery_sheet_html(path),
                      QMessageBox.StandardButton.Close, parent)
    print_button = box.addButton("Print…", QMessageBox.ButtonRole.ActionRole)
    box.exec()
    if box.clickedButton() is print_button:
        _print_html(parent, recovery_sheet_html(path))


def _print_html(parent: QWidget | None, html: str) -> None:
    try:
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    except ImportError:
        QMessageBox.information(parent, "Printing", "Printing is not available here; copy the sheet by hand.")
        return
    printer = QPrinter()
    if QPrintDialog(printer, parent).exec():
        document = QTextDocument()
        document.setHtml(html)
        document.print_(printer)


def _convert(window: StudyWindow, work: Any, done_title: str) -> bool:
    """Close the study, do the work on the closed file (under its lock), then open it again with a new lock
    (the encrypted file is a new file on disk)."""
    from storage.database import DatabaseError, open_database
    from storage.safety.lock import DatabaseLocked, acquire_lock

    if window.db is None or not window.form_may_close():
        return False
    path = window.db.path
    window.set_database(None)  # closes it and releases its lock; the undo history ends here
    report = None
    try:
        work_lock = acquire_lock(path)  # no other Casebook may open it while it changes
    except DatabaseLocked as exc:
        QMessageBox.critical(window, done_title, str(exc))
    else:
        try:
            report = work(path)
        except DatabaseError as exc:
            QMessageBox.critical(window, done_title, str(exc))
        finally:
            work_lock.release()
    try:
        new_lock = acquire_lock(path)
    except DatabaseLocked:
        new_lock = None
    try:
        db = open_database(path, backup=False)
    except DatabaseError as exc:
        if new_lock is not None:
            new_lock.release()
        QMessageBox.critical(window, "Cannot open the database", str(exc))
        return False
    window.set_database(db, new_lock)
    if report is not None:
        QMessageBox.information(window, done_title, "\n\n".join(report.lines()))
    return report is not None


def encrypt_this_database(window: StudyWindow) -> None:
    """File > Encrypt this database…: a new passphrase, then the database and its backups encrypted."""
    from storage.safety.encrypting import encrypt_database

    if window.db is None:
        return
    if encryption.is_encrypted(window.db.path):
        QMessageBox.information(window, "Encrypt this database", f"{window.db.path.name} is encrypted already. "
                                "To choose another passphrase use File > Change passphrase.")
        return
    dialog = PassphraseDialog(window, "new", window.db.path.name)
    if not dialog.exec():
        return
    passphrase = dialog.values()["new"] or ""
    if _convert(window, lambda path: encrypt_database(path, passphrase), "Encrypt this database"):
        show_recovery_sheet(window, window.db.path if window.db else Path())


def change_passphrase_of(window: StudyWindow) -> None:
    """File > Change passphrase…: PRAGMA rekey on the database and its backups."""
    from storage.safety.encrypting import change_passphrase

    if window.db is None:
        return
    if not encryption.is_encrypted(window.db.path):
        QMessageBox.information(window, "Change passphrase", f"{window.db.path.name} is not encrypted. Use "
                                "File > Encrypt this database first.")
        return
    dialog = PassphraseDialog(window, "change", window.db.path.name)
    if not dialog.exec():
        return
    old, new = dialog.old.text(), dialog.new.text()
    _convert(window, lambda path: change_passphrase(path, old, new, new), "Change passphrase")


def warn_if_plain_copy_of_encrypted(parent: QWidget | None, path: Path) -> None:
    """After opening a plain file: if its study was encrypted (the journal says so), say what this copy is."""
    from storage.safety.anchors import encrypted_before

    when = encrypted_before(Path(path))
    if when is None:
        return
    QMessageBox.warning(parent, "A plain copy of an encrypted study",
                        f"This study was encrypted on {format_date(when[:10])}{when[10:]}, but {Path(path).name} is a plain copy of it: anyone "
                        "who can read the file reads every patient's name, hospital number and date of birth, and "
                        "what was entered after this copy was made may be missing.\n\nUse the encrypted database "
                        "if you still have it, and delete this copy; or encrypt it now with File > Encrypt this "
                        "database….")

