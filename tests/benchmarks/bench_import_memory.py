"""Peak memory (RSS) of `python main.py import CASES.csv --db NEW.db` as the file grows: bounded, not growing
with the rows.

The command-line import reads the file a row at a time, twice (first what the whole file decides, then each
row built and checked) and writes checked new cases 2,000 at a time into its one transaction, so that its peak
memory should hardly grow with the file. For each size (synthetic flat files, one row per case), the import runs
in a child process into a new database; its peak RSS (wait4 ru_maxrss), its time and the cases written are
printed, with each size's peak over the smallest's and what each row beyond the smallest file's adds to the peak;
the top-level figures are the largest size's peak RSS. What still grows with the file is its study IDs (kept for
the check of repeated IDs) and the list of created cases, a few hundred bytes a row, against about 3.5 KB a row
when the file was held whole.
Target: at most 500 bytes a row beyond the smallest file (by default --cases, 50,000 rows, and ten times that).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as c

TARGET_BYTES_PER_ROW = 500


def run(csv_file: Path, db: Path) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(c.ROOT / "main.py"), "import", str(csv_file), "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=c.env(), cwd=str(c.ROOT))
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the import of {csv_file.name} failed: {err[-2000:]}")
    with sqlite3.connect(db) as conn:
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    return {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "seconds": round(seconds, 1), "cases": cases}


def main() -> None:
    p = c.parser(__doc__.splitlines()[0], runs=1)
    p.add_argument("--sizes", type=int, nargs="+", help="rows of each file (default: --cases and ten times that)")
    args = p.parse_args()
    args.sizes = args.sizes or [args.cases, 10 * args.cases]
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            csv_file = c.cohort_csv(size, args.seed)
            runs = [run(csv_file, Path(tmp) / f"{size}-{i}.db") for i in range(args.runs)]
            results[str(size)] = {"file_mb": round(csv_file.stat().st_size / 1e6, 1),
                                  "peak_rss_mb": c.summary([r["peak_rss_mb"] for r in runs], digits=1),
                                  "seconds": c.summary([r["seconds"] for r in runs], digits=1),
                                  "cases": runs[-1]["cases"]}
    first = min(args.sizes)
    smallest = results[str(first)]["peak_rss_mb"]["median"]  # type: ignore[index]
    for size, figures in results.items():
        peak = figures["peak_rss_mb"]["median"]  # type: ignore[index]
        figures["peak_over_smallest"] = round(peak / smallest, 2)
        rows = int(size) - first
        figures["bytes_per_row_beyond_smallest"] = round((peak - smallest) * 1024 * 1024 / rows) if rows else None
    largest = results[str(max(args.sizes))]
    per_row = largest["bytes_per_row_beyond_smallest"]
    c.emit({"benchmark": "import_memory", "unit": "MB", **largest["peak_rss_mb"], "sizes": results,  # type: ignore[dict-item]
            "target_bytes_per_row": TARGET_BYTES_PER_ROW,
            "met": per_row is None or float(per_row) <= TARGET_BYTES_PER_ROW})  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
