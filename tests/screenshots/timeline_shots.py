"""Screenshots of the Timeline tab on the demo cohort, for the README.

    python tests/screenshots/timeline_shots.py [OUTPUT_DIR]    (default: docs/screenshots)

Writes ``timeline.png`` (patient timeline, around salvage) and ``swimmer.png`` (swimmer plot).
Runs offscreen unless a display is asked for; the lead's screenshot script can call ``save_screenshots``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.timeline.tab import TimelineTab

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZE = (1280, 860)


def save_screenshots(out_dir: Path = DEFAULT_DIR) -> list[Path]:
    """Render the tab on a fresh demo database and save one PNG per view."""
    from PySide6.QtWidgets import QApplication

    from gui.timeline.tab import SWIMMER, TIMELINE, TimelineTab
    from storage.generated.demo import write_demo

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
                _point_at_relapse(tab)
                app.processEvents()
                path = out_dir / name
                tab.grab().save(str(path))
                written.append(path)
            tab.close()
        finally:
            db.close()
    return written


def _point_at_relapse(tab: TimelineTab) -> None:
    """Hover over P02's relapse so the details line shows what pointing at a marker gives."""
    from matplotlib.backend_bases import MouseEvent

    from storage.views.timelines import RELAPSE

    drawn = tab.drawn
    p02 = next((t for t in tab.timelines if t.study_id == "P02"), None)
    if drawn is None or p02 is None or p02.time_zero is None or "P02" not in drawn.lanes:
        return
    relapse = p02.of_kind(RELAPSE)[0]
    x, y = drawn.ax.transData.transform(((relapse.date - p02.time_zero).days / 30.4375, drawn.lanes.index("P02")))
    tab.canvas.callbacks.process("motion_notify_event", MouseEvent("motion_notify_event", tab.canvas, x, y))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in save_screenshots(Path(args[0]) if args else DEFAULT_DIR):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
