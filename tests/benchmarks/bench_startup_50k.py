"""Start-up with a large database: process start to the case list painted with its first rows.

`python main.py --db COPY` on a private copy of a cached synthetic cohort (storage.generated.synthetic), timed from
just before the process is spawned to the end of the first paint of a visible table that has rows
(see _gui_probe.py). Target: <= 2 s at 50,000 cases.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import _common as c

TARGET_S = 2.0


def main() -> None:
    args = c.parser(__doc__.splitlines()[0]).parse_args()
    if not c.gui_available():
        c.skip("startup_50k", "gui/shell/app.py has not landed")
    source = c.cohort_db(args.cases, args.seed)
    times, rows = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        c.probe("rows", ["--db", str(c.fresh_copy(source, Path(tmp) / "warm"))])  # warm caches, untimed
        for i in range(args.runs):
            seconds, report = c.probe("rows", ["--db", str(c.fresh_copy(source, Path(tmp) / f"run{i}"))])
            times.append(seconds)
            rows = int(report.get("rows", 0))
    result = c.summary(times)
    c.emit({"benchmark": "startup_50k", "unit": "s", "cases": args.cases, "rows_shown": rows, **result,
            "target": TARGET_S, "met": result["median"] <= TARGET_S})


if __name__ == "__main__":
    main()
