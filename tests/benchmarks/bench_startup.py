"""Start-up, empty database: `python main.py --db empty.db` against a bare PySide6 window with one label.

Both are measured the same way, side by side and interleaved: from just before the process is spawned
to the end of the first paint of its first window (see _gui_probe.py). Target: ratio <= 2.5.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import _common as c

TARGET_RATIO = 2.5


def main() -> None:
    args = c.parser(__doc__.splitlines()[0], cases=0).parse_args()
    if not c.gui_available():
        c.skip("startup", "gui/shell/app.py has not landed")
    app_times, bare_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        c.probe("paint", bare=True)  # warm the file cache for both, untimed
        c.probe("paint", ["--db", str(c.empty_db(Path(tmp) / "warm"))])
        for i in range(args.runs):
            db = c.empty_db(Path(tmp) / f"run{i}")
            bare_times.append(c.probe("paint", bare=True)[0])
            app_times.append(c.probe("paint", ["--db", str(db)])[0])
    app, bare = c.summary(app_times), c.summary(bare_times)
    ratio = app["median"] / bare["median"]
    c.emit({"benchmark": "startup", "unit": "s", "app": app, "bare_qt": bare,
            "ratio": round(ratio, 2), "target_ratio": TARGET_RATIO, "met": ratio <= TARGET_RATIO,
            "median": app["median"], "min": app["min"], "max": app["max"], "n": app["n"]})


if __name__ == "__main__":
    main()
