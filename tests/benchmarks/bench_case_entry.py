"""Entering the article's patient 5 by keyboard alone: `python bench_case_entry.py --runs 5`.

Prints the number of key events (every key press, a modifier combination counts once) and the time
from the first key to the saved case, in the real main window on a new empty database
(QT_QPA_PLATFORM=offscreen, a 1366×768 window). The key sequence is _case_entry.enter_patient_5; the
keyboard-only test runs the same sequence and reads every fact back from the database.
Time here is the application's: a person's typing speed is not in it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import _common as c

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    args = c.parser(__doc__.splitlines()[0], runs=5, cases=0).parse_args()
    from _case_entry import Keyboard, enter_patient_5
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings
    from storage.database import create_database

    app = QApplication.instance() or QApplication([])
    QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.Cancel  # type: ignore[method-assign, assignment]
    times, events, characters = [], [], []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            db = create_database(Path(tmp) / f"entry{i}.db")
            settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
            window = MainWindow(db, settings)
            window.resize(1366, 768)
            window.show()
            window.activateWindow()
            for _ in range(20):
                QCoreApplication.processEvents()
            keys = Keyboard(window)
            times.append(enter_patient_5(window, keys))
            events.append(keys.events)
            characters.append(keys.characters)
            dirty = window.form is not None and window.form.is_dirty()
            window.close()
            db.close()
            if dirty:
                c.emit({"benchmark": "case_entry", "error": "the case was not saved"})
                raise SystemExit(1)
    del app
    result = c.summary(times)
    c.emit({"benchmark": "case_entry", "unit": "s", "key_events": events[0], "characters_typed": characters[0],
            "other_keys": events[0] - characters[0], "same_every_run": len(set(events)) == 1, **result})


if __name__ == "__main__":
    main()
