"""Starting the real program in a subprocess, with a clean user profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _start(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CASEBOOK_QUIT_AFTER_START": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "HOME": str(tmp_path),
    }
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_db_pointing_to_a_new_file_gets_the_first_start_question(tmp_path: Path) -> None:
    """The same offer (empty or demo) as the default database; closed unanswered, nothing is created."""
    target = tmp_path / "new.db"
    result = _start(tmp_path, "--db", str(target))
    assert result.returncode == 0, result.stderr
    assert "Welcome to Casebook" in result.stderr
    assert str(target) in result.stderr  # the question names the file
    assert not target.exists()


def test_db_pointing_to_an_existing_file_opens_it_without_questions(tmp_path: Path) -> None:
    target = tmp_path / "study.db"
    assert _start(tmp_path, "demo", "--db", str(target)).returncode == 0
    result = _start(tmp_path, "--db", str(target))
    assert "started: Casebook — study.db" in result.stdout, result.stderr
    assert "Welcome" not in result.stderr
    assert not target.with_name("study.db.lock").exists()  # released on quitting


def test_a_file_that_is_not_a_database_gets_a_clear_message(tmp_path: Path) -> None:
    target = tmp_path / "notes.db"
    target.write_text("not a database")
    result = _start(tmp_path, "--db", str(target))
    assert result.returncode == 1
    assert "notes.db is not a Casebook database" in result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_text() == "not a database"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".db", ".lock")) == ["notes.db"]


def test_gui_start_does_not_import_heavy_libraries() -> None:
    code = ("import sys; import gui.shell.app, gui.shell.main_window; "
            "print(sorted(m for m in ('matplotlib', 'pandas', 'lifelines', 'scipy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "[]", result.stderr


def test_first_start_without_a_database_asks_and_a_closed_question_changes_nothing(tmp_path: Path) -> None:
    result = _start(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Welcome to Casebook" in result.stderr  # the question was asked (and closed unanswered)
    assert not (tmp_path / "data" / "Casebook" / "casebook.db").exists()


def test_first_start_with_the_demo_database_already_there_opens_it(tmp_path: Path) -> None:
    data = tmp_path / "data" / "Casebook"
    demo = _start(tmp_path, "demo", "--db", str(data / "casebook.db"))
    assert demo.returncode == 0, demo.stderr
    result = _start(tmp_path)
    assert "started: Casebook — casebook.db" in result.stdout, result.stderr


def test_the_window_needs_no_storage_module_to_appear() -> None:
    """SQLAlchemy and the models (about 0.3 s) load after the window is painted."""
    code = ("import sys; import main, gui.shell.app, gui.shell.main_window, gui.case_list.list_view; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'storage')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "[]", result.stderr


def test_the_database_opens_after_the_window_is_painted(qtbot, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QObject

    from gui.shell import app
    from gui.shell.main_window import MainWindow
    from storage.database import create_database

    create_database(tmp_path / "study.db").close()  # an existing file (a new one gets the question first)
    window = MainWindow(None, settings)
    qtbot.addWidget(window)
    form_place = app._show_opening(window, tmp_path / "study.db")
    paints: list[tuple[bool, str]] = []

    class Spy(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                paints.append((window.db is None, window.case_list.count_label.text()))
            return False

    spy = Spy()
    window.installEventFilter(spy)
    window.show()
    app._AfterFirstPaint(window, lambda: app._open_in_window(window, tmp_path / "study.db", "", form_place))
    qtbot.waitUntil(lambda: window.db is not None)
    assert paints[0] == (True, "Opening study.db …")  # painted first, with the list in place
    assert window.windowTitle() == "Casebook — study.db[*]"
    assert window.case_list.count_label.text() == "0 cases" and window.form is not None
    assert window.splitter.count() == 2 and window.splitter.widget(1) is window.form
    window.close()
