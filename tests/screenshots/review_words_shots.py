"""The screens of the physician's review of words and dates, on a 1366×768 screen:
``python tests/screenshots/review_words_shots.py [--out DIR]`` (default /tmp/casebook-review-words).

Offscreen, on a temporary demo database and settings with dates shown as dd.mm.yyyy: the Analysis tab on
EFS with treatment failure as event, the timeline on the calendar axis, the case list filtered by a date,
the Freeze dialog, and the import dialog while it reads a file and after its Check found problems.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settle(rounds: int = 10) -> None:
    from PySide6.QtCore import QCoreApplication

    for _ in range(rounds):
        QCoreApplication.processEvents()
        time.sleep(0.01)


def _wait(condition: object, timeout_s: float = 60.0) -> None:
    start = time.monotonic()
    while not condition() and time.monotonic() - start < timeout_s:  # type: ignore[operator]
        _settle(1)
    _settle(30)


def _sheet(path: Path, problems: bool = True) -> Path:
    from tests.storage.interchange.test_import_flat_template import good_row

    rows = [good_row(i) for i in range(1, 6001)]
    if problems:
        rows[1]["relapse_date"] = "2019-01-02"
        rows[4]["last_follow_up"] = "2018-07-09"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def shoot(out: Path) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.data.backup_dialogs import FreezeDialog
    from gui.data.import_dialog import ImportDialog
    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings
    from gui.timeline.tab import CALENDAR
    from gui.widgets import date_display
    from storage.generated.demo import write_demo

    app = QApplication.instance() or QApplication(sys.argv)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        settings.set("dates_shown_as", date_display.DAY_FIRST)
        window = MainWindow(db, settings)
        window.show()
        _settle(30)
        window.case_list.filter_edit.setText("10.11.2018")
        _settle()
        window.grab().save(str(out / "case_list_filtered_by_date.png"))
        window.case_list.filter_edit.setText("")
        def tab_titled(title: str) -> object:
            window.tabs.setCurrentIndex(next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == title))
            _settle(20)
            return window.tabs.currentWidget()

        timeline = tab_titled("Timeline")
        timeline.axis.setCurrentText(CALENDAR)  # type: ignore[attr-defined]
        _settle(20)
        window.grab().save(str(out / "timeline_calendar_day_first.png"))
        analysis = tab_titled("Analysis")
        done: list[bool] = []
        analysis.computed.connect(lambda *_a: done.append(True))  # type: ignore[attr-defined]
        _wait(lambda: done)
        done.clear()
        analysis.endpoint.setCurrentIndex(analysis.endpoint.findData("efs-tf"))  # type: ignore[attr-defined]
        _wait(lambda: done)
        analysis.km.canvas.draw()  # type: ignore[attr-defined]
        _settle()
        window.grab().save(str(out / "analysis_efs_tf.png"))
        freeze = FreezeDialog(window)
        freeze.show()
        _settle()
        freeze.grab().save(str(out / "freeze_dialog.png"))
        freeze.close()
        dialog = ImportDialog(db, window, _sheet(Path(tmp) / "cohort.csv"))
        dialog.show()
        dialog.report = None
        dialog.check_button.click()
        _settle(1)  # one turn of the event loop (the layout), not enough for the worker to report
        dialog.grab().save(str(out / "import_check_started.png"))  # before the worker has reported anything
        start = time.monotonic()
        while "rows" not in dialog.progress_words.text() and time.monotonic() - start < 30:
            _settle(1)
        dialog.grab().save(str(out / "import_reading.png"))  # the first count the worker reports
        _wait(lambda: dialog.report is not None)
        dialog.grab().save(str(out / "import_checked_problems.png"))
        dialog.close()
        from storage.database import create_database

        target = create_database(Path(tmp) / "target.db")
        dialog = ImportDialog(target, window, _sheet(Path(tmp) / "clean.csv", problems=False))
        dialog.show()
        dialog.check_button.click()
        _wait(lambda: dialog.report is not None)
        dialog.grab().save(str(out / "import_checked_clean.png"))
        dialog.report = None
        dialog.import_button.click()
        start = time.monotonic()
        while ":" not in dialog.progress_words.text() and time.monotonic() - start < 30:
            _settle(1)
        dialog.grab().save(str(out / "import_writing.png"))
        _wait(lambda: dialog.report is not None)
        dialog.grab().save(str(out / "import_done.png"))
        frame, screen = window.frameGeometry(), window.screen().availableGeometry()
        print(json.dumps({"screen": [screen.width(), screen.height()], "window": [frame.width(), frame.height()],
                          "files": sorted(p.name for p in out.iterdir())}))
        dialog.close()
        window.close()
        db.close()
    del app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("/tmp/casebook-review-words"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        shoot(Path(args.child))
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "screen.json"
        config.write_text(json.dumps({"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
                                      "screens": [{"name": "ward", "x": 0, "y": 0, "width": 1366, "height": 768,
                                                   "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, __file__, "--child", str(args.out)], env=env, cwd=ROOT,
                                capture_output=True, text=True, check=False)
        print(result.stdout[-2000:] or result.stderr[-3000:])


if __name__ == "__main__":
    main()
