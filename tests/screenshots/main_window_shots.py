"""Regenerate the screenshots in docs/screenshots/ from the demo cohort: ``python tests/screenshots/main_window_shots.py``.

Runs headless (offscreen) on a temporary demo database and temporary settings, so it never
touches the user's own data. The Timeline and Analysis tabs are shot only if they exist.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

WINDOW_SIZE = (1600, 950)


def _settle(app: object, rounds: int = 5) -> None:
    from PySide6.QtCore import QCoreApplication

    for _ in range(rounds):
        QCoreApplication.processEvents()


def _wait_for_tab(tab: object, timeout_s: float = 60.0) -> None:
    """Let a tab that computes off the GUI thread finish (it says so with a ``computed`` signal)."""
    import time

    from PySide6.QtCore import QCoreApplication

    done: list[bool] = []
    signal = getattr(tab, "computed", None)
    if signal is not None:
        signal.connect(lambda *_a: done.append(True))
    start = time.monotonic()
    while signal is not None and not done and time.monotonic() - start < timeout_s:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    for _ in range(40):  # debounced redraws after a resize
        QCoreApplication.processEvents()
        time.sleep(0.01)


def take(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.shell.main_window import MainWindow
    from gui.shell.settings import Settings
    from storage.generated.demo import write_demo

    app = QApplication.instance() or QApplication(sys.argv)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(widget: object, name: str) -> None:
        _settle(app)
        path = out / name
        widget.grab().save(str(path))  # type: ignore[attr-defined]
        written.append(path)

    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        window = MainWindow(db, settings)
        window.resize(*WINDOW_SIZE)
        window.show()
        window.splitter.setSizes([WINDOW_SIZE[0], 0])
        save(window, "case_list.png")

        p04 = next(s.case_id for s in window.case_list.model.summaries() if s.study_id == "P04")
        window.splitter.setSizes([520, WINDOW_SIZE[0] - 520])
        window.show_case(p04)
        save(window, "case_form.png")
        assert window.form is not None
        page = window.form.scroll_area.widget()
        save(page, "case_form_all_sections.png")

        death = window.form.outcome.fields["death.death_date"]
        death.setText("01.01.2017")  # typed German-style; shown as ISO once the field is left
        death.editingFinished.emit()
        window.form.validate()
        window.form.scroll_area.ensureWidgetVisible(death, 50, 250)
        save(window, "case_form_rule_message.png")
        window.form.revert()

        for index, (name, module) in {1: ("timeline", "gui.timeline.tab"), 2: ("analysis", "gui.analysis.tab")}.items():
            if importlib.util.find_spec(module) is None:
                continue
            window.tabs.setCurrentIndex(index)
            _wait_for_tab(window.tabs.widget(index))
            save(window, f"main_window_{name}.png")  # the tabs own {name}.png (their own scripts)
        # Never leave a question open at the end of an unattended run.
        QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.Discard  # type: ignore[method-assign]
        window.close()
        db.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "docs" / "screenshots")
    args = parser.parse_args(argv)
    for path in take(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
