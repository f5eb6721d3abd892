"""Peak memory (RSS) of `python main.py import CASES.csv --db NEW.db` as the file grows: bounded, not growing
with the rows.

The command-line import reads the file a row at a time, twice (first what the whole file decides, then each
row built and checked) and writes checked new cases 2,000 at a time into its one transaction, so that its peak
memory should hardly grow with the file. For each size (synthetic flat files, one row per case), the import runs
in a child process into a new database; its peak RSS (wait4 ru_maxrss), its time and the cases written are
printed, with each size's peak over the smallest's; the top-level figures are the largest size's peak RSS.
Target: the largest size's peak at most 1.5 times the smallest's (by default --cases, 50,000 rows, and ten
times that).
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

TARGET_RATIO = 1.5


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
    smallest = results[str(min(args.sizes))]["peak_rss_mb"]["median"]  # type: ignore[index]
    for figures in results.values():
        figures["peak_over_smallest"] = round(figures["peak_rss_mb"]["median"] / smallest, 2)  # type: ignore[index]
    largest = results[str(max(args.sizes))]
    c.emit({"benchmark": "import_memory", "unit": "MB", **largest["peak_rss_mb"], "sizes": results,  # type: ignore[dict-item]
            "target_ratio": TARGET_RATIO, "met": float(largest["peak_over_smallest"]) <= TARGET_RATIO})  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
