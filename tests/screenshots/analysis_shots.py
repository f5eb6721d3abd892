"""Screenshot of the Analysis tab on the demo cohort, for the README.

    python tests/screenshots/analysis_shots.py [OUTPUT_DIR]    (default: docs/screenshots; --help for usage)

Writes ``analysis.png``: overall survival of the eight demo cases with 12- and 36-month landmarks,
the article's figure. Runs offscreen unless a display is asked for.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZE = (1280, 900)


def save_screenshot(out_dir: Path = DEFAULT_DIR, timeout_s: float = 60.0) -> Path:
    from PySide6.QtWidgets import QApplication

    from gui.analysis.tab import AnalysisTab
    from storage.generated.demo import write_demo

    app = QApplication.instance() or QApplication([])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "analysis.png"
    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        try:
            tab = AnalysisTab(db)
            tab.resize(*SIZE)
            tab.show()
            done: list[bool] = []
            tab.computed.connect(lambda: done.append(True))
            start = time.monotonic()
            while not done and time.monotonic() - start < timeout_s:
                app.processEvents()
                time.sleep(0.01)
            for _ in range(30):  # let the debounced canvas resize and draw
                app.processEvents()
                time.sleep(0.01)
            tab.km.canvas.draw()  # type: ignore[no-untyped-call]
            tab.grab().save(str(path))
            tab.runner.wait()
            tab.close()
        finally:
            db.close()
    return path


def main(argv: list[str] | None = None) -> Path:
    """Parse the command line (``--help`` prints the usage and exits before anything is written)."""
    parser = argparse.ArgumentParser(
        prog="python tests/screenshots/analysis_shots.py",
        description="Write analysis.png, the Analysis tab on the demo cohort, for the README.")
    parser.add_argument("output_dir", nargs="?", type=Path, default=DEFAULT_DIR, metavar="OUTPUT_DIR",
                        help=f"folder to write analysis.png into (default: {DEFAULT_DIR})")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = save_screenshot(args.output_dir)
    print(path)
    return path


if __name__ == "__main__":
    main()
