"""The article's Figure 1 remade from the demo cohort, and the Format figure dialog, for the README.

    python tests/screenshots/figure_shots.py [OUTPUT_DIR]    (default: docs/screenshots)

Writes, through the same ``casebook figure`` command a script would use (the study style stored in a
temporary copy of the demo database):

* ``figure1_overall_survival.png``: overall survival, 12-month ticks to 72 months, percent axis, censor
  ticks, number at risk below, the median and the 1- and 3-year rates annotated;
* ``figure1_by_prior_hsct.png``: the same grouped by previous allogeneic HSCT, with the log-rank p;
* ``format_figure_dialog.png``: the dialog at 1366×768 with the grouped figure in its preview.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "docs" / "screenshots"
DPI = "300"


def figure_1(out_dir: Path) -> list[Path]:
    from analysis.rendering.figure_style import FigureStyle
    from analysis.rendering.style_store import save_style
    from main import main
    from storage.generated.demo import write_demo

    written = []
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "demo.db"
        db = write_demo(db_path)
        with db.session() as session:
            save_style(session, FigureStyle(show_median=True, landmark_times=(12.0, 36.0), legend_position="none"),
                       "Figure 1")
            save_style(session, FigureStyle(show_p=True, show_median=True), "Figure 1 by group")
        db.close()
        for name, style, extra in (("figure1_overall_survival.png", "Figure 1", []),
                                   ("figure1_by_prior_hsct.png", "Figure 1 by group", ["--group-by", "prior_hsct"])):
            out = out_dir / name
            code = main(["figure", "--db", str(db_path), "--endpoint", "os", "--style", style, *extra,
                         "--out", str(out), "--dpi", DPI, "--overwrite"])
            if code != 0:
                raise SystemExit(code)
            written.append(out)
    return written


def dialog_shot(out_dir: Path) -> Path:
    from PySide6.QtWidgets import QApplication

    from gui.analysis.tab import AnalysisTab
    from storage.generated.demo import write_demo

    app = QApplication.instance() or QApplication([])
    path = out_dir / "format_figure_dialog.png"
    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        try:
            tab = AnalysisTab(db)
            tab.resize(1366, 740)
            tab.show()
            done: list[bool] = []
            tab.computed.connect(lambda: done.append(True))

            def settle() -> None:
                start = time.monotonic()
                while not done and time.monotonic() - start < 60:
                    app.processEvents()
                    time.sleep(0.02)
                done.clear()

            settle()
            tab.group_by.setCurrentIndex(tab.group_by.findData("prior_hsct"))
            settle()
            dialog = tab.format_figure()
            dialog.resize(1340, 720)
            dialog.controls["show_p"].setChecked(True)
            dialog.controls["show_median"].setChecked(True)
            for _ in range(20):
                app.processEvents()
                time.sleep(0.02)
            dialog.refresh_preview()
            app.processEvents()
            dialog.grab().save(str(path))
            dialog.close()
            tab.close()
        finally:
            db.close()
    return path


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    target.mkdir(parents=True, exist_ok=True)
    for p in [*figure_1(target), dialog_shot(target)]:
        print(p)
