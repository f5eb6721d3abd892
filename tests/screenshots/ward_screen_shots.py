"""Screenshots of the main window as it opens on a ward screen: ``python tests/screenshots/ward_screen_shots.py``.

For each screen size (1366×768, 1280×1024, 1920×1080) the offscreen platform is given a screen of that
size (its ``configfile`` option), and the window sizes itself as on a real first start (no size is
forced here). With ``--xvfb`` each size is a real X server instead (Xvfb on a free display, with the
openbox window manager when installed, so the window has its title bar and frame) and the program runs
on Qt's xcb platform; each picture is then the whole screen (QScreen.grabWindow(0)), so anything
that falls off the screen is seen to be missing. Written to docs/screenshots/ward/<size>/: the case list, every section of the case form
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


def shoot(out: Path, whole_screen: bool = False) -> list[str]:
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
        if whole_screen:  # a real X server: the screen as the user sees it, window frame and all
            time.sleep(0.3)
            _settle()
            picture = QApplication.primaryScreen().grabWindow(0)
        else:
            picture = widget.grab()  # type: ignore[attr-defined]
        picture.save(str(out / name))
        written.append(name)

    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(db, settings)
        window.show()
        _settle(200 if whole_screen else 20)  # a window manager frames the window a moment after it shows
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
    parser.add_argument("--xvfb", action="store_true", help="a real X server (Xvfb) per size, whole-screen pictures")
    args = parser.parse_args()
    if args.child:
        shoot(Path(args.child), whole_screen=os.environ.get("QT_QPA_PLATFORM") == "xcb")
        return
    if args.xvfb:
        for width, height in SIZES:
            _on_xvfb(width, height, args.out / f"{width}x{height}")
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


def _on_xvfb(width: int, height: int, target: Path, display: int = 97) -> None:
    """One size on its own Xvfb (and window manager), the program on Qt's xcb platform."""
    import shutil

    server = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "DISPLAY": f":{display}", "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    manager = None
    try:
        time.sleep(1.0)
        if shutil.which("openbox"):
            manager = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
        result = subprocess.run([sys.executable, __file__, "--child", str(target)], env=env, cwd=ROOT,
                                capture_output=True, text=True, check=False)
        report = [line for line in result.stdout.splitlines() if line.startswith("{")]
        print(f"{width}x{height} (Xvfb): {report[-1] if report else result.stderr[-2000:]}")
    finally:
        for process in (manager, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
