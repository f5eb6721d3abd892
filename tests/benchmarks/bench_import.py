"""`python main.py import CASES.csv --db NEW.db` of a synthetic flat case file: validated, audited, one transaction.

Timed as a whole process, from spawn to exit, into a new database each run; afterwards the cases and the
audit entries are counted. Target: <= 30 s at 50,000 rows.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

import _common as c

TARGET_S = 30.0


def main() -> None:
    args = c.parser(__doc__.splitlines()[0]).parse_args()
    csv_file = c.cohort_csv(args.cases, args.seed)
    times: list[float] = []
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            db = Path(tmp) / f"run{i}" / "imported.db"
            db.parent.mkdir()
            seconds, proc = c.timed([sys.executable, str(c.ROOT / "main.py"), "import", str(csv_file),
                                     "--db", str(db)], timeout=900)
            if proc.returncode != 0:
                raise SystemExit(f"import failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}")
            times.append(seconds)
            with sqlite3.connect(db) as conn:
                counts = {"cases": conn.execute("SELECT count(*) FROM cases").fetchone()[0],
                          "audit_entries": conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]}
    result = c.summary(times)
    c.emit({"benchmark": "import", "unit": "s", "cases": args.cases, **counts, **result,
            "target": TARGET_S, "met": result["median"] <= TARGET_S})


if __name__ == "__main__":
    main()
