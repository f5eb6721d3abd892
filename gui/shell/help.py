"""Help inside the program: the user guide shipped in resources/guide, and an About box for support.

The guide is a set of Markdown chapters shown in a QTextBrowser; F1 opens it at the chapter of the
tab in use. About shows the version, the database and its folders and the library versions, copyable
into a support request. (Versions are read from the installed packages' metadata: importing
lifelines or matplotlib only to print a version would slow the window down.)
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.study_window import StudyWindow
from resources import resource_path

GUIDE = resource_path("guide")
# The chapter F1 opens, by tab; on the Cases tab, the form's chapter while the focus is in the form.
CHAPTER_OF_TAB = {"Cases": "02-finding-cases", "Timeline": "03-timeline", "Analysis": "04-analysis"}
FORM_CHAPTER = "01-entering-a-case"
LIBRARIES = ("SQLAlchemy", "alembic", "pandas", "numpy", "scipy", "matplotlib", "lifelines", "openpyxl",
             "pyreadstat", "platformdirs")


def chapters() -> list[tuple[str, str]]:
    """(name, title) of every chapter in the guide, in order."""
    out = []
    for path in sorted(GUIDE.glob("*.md")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        out.append((path.stem, first.lstrip("# ").strip()))
    return out


def chapter_for(window: StudyWindow) -> str:
    """The chapter about what the user is doing: the tab in use, or the form if the focus is in it."""
    tabs = window.centralWidget()
    tab = tabs.tabText(tabs.currentIndex()).replace("&", "") if isinstance(tabs, QTabWidget) else ""
    focus = QGuiApplication.focusObject()
    if tab == "Cases" and window.form is not None and isinstance(focus, QWidget) and window.form.isAncestorOf(focus):
        return FORM_CHAPTER
    return CHAPTER_OF_TAB.get(tab, FORM_CHAPTER)


class GuideDialog(QDialog):
    """The user guide: chapters on the left, the chapter's text on the right."""

    def __init__(self, parent: QWidget | None = None, chapter: str = FORM_CHAPTER) -> None:
        super().__init__(parent)
        self.setWindowTitle("Casebook user guide")
        self._chapters = chapters()
        self.contents = QListWidget()
        self.contents.addItems([title for _name, title in self._chapters])
        self.contents.setFixedWidth(220)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)  # offline: no link leaves the application
        self.contents.currentRowChanged.connect(self._show)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.contents)
        body.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)
        self.resize(900, 620)
        self.show_chapter(chapter)

    def show_chapter(self, name: str) -> None:
        names = [n for n, _t in self._chapters]
        self.contents.setCurrentRow(names.index(name) if name in names else 0)

    def current_chapter(self) -> str:
        row = self.contents.currentRow()
        return self._chapters[row][0] if 0 <= row < len(self._chapters) else ""

    def _show(self, row: int) -> None:
        if 0 <= row < len(self._chapters):
            self.text.setMarkdown((GUIDE / f"{self._chapters[row][0]}.md").read_text(encoding="utf-8"))


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_text(database: Path | None, data_folder: Path, backup_folder: Path | None) -> str:
    """Everything a support request needs, as plain text (no patient data: paths and versions only)."""
    lines = [
        f"Casebook {_version('casebook')}",
        f"Database: {database if database is not None else 'none open'}",
        f"Data folder (default database): {data_folder}",
        f"Backup folder: {backup_folder if backup_folder is not None else '-'}",
        f"Python {platform.python_version()} ({sys.executable})",
        f"Qt {qVersion()}, PySide6 {pyside_version}",
        *(f"{name} {_version(name)}" for name in LIBRARIES),
        f"System: {platform.platform()}",
    ]
    return "\n".join(lines)


class AboutDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Casebook")
        intro = QTextBrowser()
        intro.setMaximumHeight(70)
        intro.setMarkdown("**Casebook**: case records and survival analysis for a retrospective clinical case "
                          "cohort. Works offline; your data stays in the database file.")
        self.details = QPlainTextEdit(text)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        copy = QPushButton("Copy to clipboard")
        copy.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.details.toPlainText())


def open_guide(window: StudyWindow) -> GuideDialog:
    """F1 / Help ▸ User guide: the guide, at the chapter of what the user is doing (not modal)."""
    dialog: GuideDialog | None = getattr(window, "_guide", None)
    if dialog is None:
        dialog = GuideDialog(window)
        window._guide = dialog  # type: ignore[attr-defined]
    dialog.show_chapter(chapter_for(window))
    dialog.show()
    dialog.raise_()
    return dialog


def open_about(window: StudyWindow) -> AboutDialog:
    from platformdirs import user_data_dir

    from storage.safety.backup import backup_folder

    database = window.db.path if window.db is not None else None
    # the folder of the default database, as gui.shell.app.default_database_path puts it
    text = about_text(database, Path(user_data_dir("Casebook", appauthor=False)),
                      backup_folder(database) if database is not None else None)
    dialog = AboutDialog(text, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
