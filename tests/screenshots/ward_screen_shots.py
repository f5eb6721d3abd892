"""Screenshots of the main window as it opens on a ward screen: ``python tests/screenshots/ward_screen_shots.py``.

For each screen size (1366×768, 1280×1024, 1920×1080) the offscreen platform is given a screen of that
size (its ``configfile`` option), and the window sizes itself as on a real first start (no size is
forced here). Written to docs/screenshots/ward/<size>/: the case list, every section of the case form
(each scrolled to by the navigator, as Alt+digit does), the timeline and the analysis tab. Runs on a
temporary demo database and temporary settings, never the user's own.
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

SIZES = ((1366, 768), (1280, 1024), (1920, 1080))
ROOT = Path(__file__).resolve().parents[2]


def _settle(rounds: int = 8) -> None:
    from PySide6.QtCore import QCoreApplication

    for _ in range(rounds):
        QCoreApplication.processEvents()
        time.sleep(0.01)


def _wait_computed(tab: object, timeout_s: float = 60.0) -> None:
    from PySide6.QtCore import QCoreApplication

    done: list[bool] = []
    signal = getattr(tab, "computed", None)
    if signal is not None:
        signal.connect(lambda *_a: done.append(True))
    start = time.monotonic()
    while signal is not None and not done and time.monotonic() - start < timeout_s:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    _settle(40)


def shoot(out: Path) -> list[str]:
    """Inside the child process whose offscreen screen has the wanted size."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings
    from storage.generated.demo import write_demo

    app = QApplication.instance() or QApplication(sys.argv)
    QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.Discard  # type: ignore[method-assign, assignment]
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []

    def save(widget: object, name: str) -> None:
        _settle()
        widget.grab().save(str(out / name))  # type: ignore[attr-defined]
        written.append(name)

    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(db, settings)
        window.show()
        _settle(20)
        save(window, "case_list.png")
        p05 = next(s.case_id for s in window.case_list.model.summaries() if s.study_id == "P05")
        window.show_case(p05)
        form = window.form
        assert form is not None
        _settle(20)
        for i, section in enumerate(form.sections):
            form.show_section(i)
            save(window, f"case_form_{i + 1:02d}_{section.title.split()[0].lower()}.png")
        form.outcome.fields["death.death_date"].setText("01.01.2017")
        form.save()
        form.show_section(0)
        save(window, "case_form_refused_save.png")
        form.revert()
        for title, name in (("Timeline", "timeline.png"), ("Analysis", "analysis.png")):
            index = next((i for i in range(window.tabs.count()) if window.tabs.tabText(i) == title), None)
            if index is None:
                continue
            window.tabs.setCurrentIndex(index)
            _wait_computed(window.tabs.currentWidget())
            save(window, name)
        frame = window.frameGeometry()
        screen = window.screen().availableGeometry()
        print(json.dumps({"screen": [screen.width(), screen.height()], "window": [frame.width(), frame.height()],
                          "inside": screen.contains(frame), "files": written}))
        window.close()
        db.close()
    del app
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "ward")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        shoot(Path(args.child))
        return
    for width, height in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "screen.json"
            config.write_text(json.dumps({"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
                                          "screens": [{"name": "ward", "x": 0, "y": 0, "width": width,
                                                       "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
                                                       "dpr": 1}]}))
            env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
                   "PYTHONPATH": str(ROOT)}
            target = args.out / f"{width}x{height}"
            result = subprocess.run([sys.executable, __file__, "--child", str(target)], env=env, cwd=ROOT,
                                    capture_output=True, text=True, check=False)
            report = [line for line in result.stdout.splitlines() if line.startswith("{")]
            print(f"{width}x{height}: {report[-1] if report else result.stderr[-2000:]}")


if __name__ == "__main__":
    main()
