"""Peak memory (RSS) of the GUI with a 50,000-case database open.

`python main.py --db COPY`; once the case list shows rows, every table is fetched and scrolled to its
end, the event loop idles for a second, and the process reports its peak RSS (getrusage ru_maxrss).
Target: <= 600 MB.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import _common as c

TARGET_MB = 600.0


def main() -> None:
    args = c.parser(__doc__.splitlines()[0]).parse_args()
    if not c.gui_available():
        c.skip("memory", "gui/shell/app.py has not landed")
    source = c.cohort_db(args.cases, args.seed)
    peaks, rows = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            _, report = c.probe("memory", ["--db", str(c.fresh_copy(source, Path(tmp) / f"run{i}"))])
            peaks.append(float(report["maxrss_mb"]))
            rows = int(report["rows"])
    result = c.summary(peaks, digits=1)
    c.emit({"benchmark": "memory", "unit": "MB", "cases": args.cases, "rows_shown": rows, **result,
            "target": TARGET_MB, "met": result["max"] <= TARGET_MB})


if __name__ == "__main__":
    main()
