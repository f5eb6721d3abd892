"""The case list and form with dates shown as 14.03.2019, on a 1366×768 screen: ``python tests/screenshots/german_dates_shots.py``.

Offscreen, on a temporary demo database and temporary settings (View ▸ Dates shown as: dd.mm.yyyy);
then the View menu switches to ISO and the same form is shot again. Written to /tmp/casebook-dates/
unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
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


def shoot(out: Path) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings
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
        window.grab().save(str(out / "case_list_day_first.png"))
        from PySide6.QtCore import Qt

        from gui.case_list.table_model import LAST_FOLLOW_UP

        view = window.case_list.view
        view.sortByColumn(LAST_FOLLOW_UP, Qt.SortOrder.AscendingOrder)  # by date, not by the text 02.12.2021 …
        view.scrollTo(window.case_list.proxy.index(0, LAST_FOLLOW_UP))
        _settle()
        window.grab().save(str(out / "case_list_day_first_by_last_follow_up.png"))
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        p05 = next(s.case_id for s in window.case_list.model.summaries() if s.study_id == "P05")
        window.show_case(p05)
        form = window.form
        assert form is not None
        _settle(20)
        for i in (0, 3, 8):  # identification and diagnosis, the salvage courses, the outcome
            form.show_section(i)
            _settle()
            window.grab().save(str(out / f"case_form_{i + 1:02d}_day_first.png"))
        iso = next(a for a in window.view_menu.actions()[0].menu().actions() if a.data() == date_display.ISO)
        iso.trigger()
        form.show_section(0)
        _settle()
        window.grab().save(str(out / "case_form_01_iso.png"))
        frame, screen = window.frameGeometry(), window.screen().availableGeometry()
        print(json.dumps({"screen": [screen.width(), screen.height()], "window": [frame.width(), frame.height()],
                          "stored": settings.get("dates_shown_as"), "files": sorted(p.name for p in out.iterdir())}))
        window.close()
        db.close()
    del app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "casebook-dates")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        shoot(args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "screen.json"
        config.write_text(json.dumps({"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
                                      "screens": [{"name": "ward", "x": 0, "y": 0, "width": 1366, "height": 768,
                                                   "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, __file__, "--child", "--out", str(args.out)], env=env, cwd=ROOT,
                                capture_output=True, text=True, check=False)
        print(result.stdout.strip() or result.stderr[-3000:])


if __name__ == "__main__":
    main()
