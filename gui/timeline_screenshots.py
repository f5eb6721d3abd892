"""Screenshots of the Timeline tab on the demo cohort, for the README.

    python -m gui.timeline_screenshots [OUTPUT_DIR]    (default: docs/screenshots)

Writes ``timeline.png`` (patient timeline, around salvage) and ``swimmer.png`` (swimmer plot).
Runs offscreen unless a display is asked for; the lead's screenshot script can call ``save_screenshots``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZE = (1280, 860)


def save_screenshots(out_dir: Path = DEFAULT_DIR) -> list[Path]:
    """Render the tab on a fresh demo database and save one PNG per view."""
    from PySide6.QtWidgets import QApplication

    from gui.timeline_tab import SWIMMER, TIMELINE, TimelineTab
    from storage.demo import write_demo

    app = QApplication.instance() or QApplication([])
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        db = write_demo(Path(tmp) / "demo.db")
        try:
            tab = TimelineTab(db)
            tab.resize(*SIZE)
            tab.show()
            for view, name in ((TIMELINE, "timeline.png"), (SWIMMER, "swimmer.png")):
                tab.view.setCurrentText(view)
                tab.refresh()
                app.processEvents()
                tab.canvas.draw()  # type: ignore[no-untyped-call]
                app.processEvents()
                path = out_dir / name
                tab.grab().save(str(path))
                written.append(path)
            tab.close()
        finally:
            db.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in save_screenshots(Path(args[0]) if args else DEFAULT_DIR):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
