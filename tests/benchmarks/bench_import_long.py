"""`python main.py import LONG.xlsx --db NEW.db` of a long-format workbook: N cases with about five records each.

The workbook has the sheets `export --long` writes (cases, identities, salvage_courses, drug_administrations,
response_assessments, relapses, deaths): per case one identity, one course with melphalan and cytarabine,
one assessment after salvage, and a relapse or a death for some; about 5.4 records per case. Each run imports
it into a new database as a whole process; wall time and the child's peak RSS (wait4 ru_maxrss) are measured,
then cases and records are counted. With --gui, the same runs through the real import dialog (Check, then
Import, on its worker thread; each run a new process, for its peak RSS), with the longest the GUI thread was
busy (bench_import.gui_run) and whether Import wrote the Check's plan instead of checking the file again.
Target: <= 60 s and <= 1 GB at 50,000 cases, CLI and the dialog's Check + Import alike, with a progress bar
and the window responsive.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c

TARGET_S = 60.0
TARGET_MB = 1024.0
SHEETS = {
    "cases": ["study_id", "sex", "diagnosis", "disease_status", "relapse_number", "last_follow_up",
              "last_follow_up_status"],
    "identities": ["study_id", "name", "hospital_number", "birth_date"],
    "salvage_courses": ["study_id", "course_number", "start_date", "height_cm", "weight_kg"],
    "drug_administrations": ["study_id", "course_number", "drug", "dose", "unit", "doses", "route"],
    "response_assessments": ["study_id", "assessed_on", "timing", "specimen", "blast_percent", "response"],
    "relapses": ["study_id", "relapse_date", "site"],
    "deaths": ["study_id", "death_date", "cause"],
}


def write_workbook(path: Path, cases: int, seed: int) -> int:
    """The benchmark's long workbook (write-only openpyxl, real date cells); the number of records."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheets = {name: book.create_sheet(name) for name in SHEETS}
    for name, header in SHEETS.items():
        sheets[name].append(header)
    records = 0
    for n in range(1, cases + 1):
        sid = f"L{n:06d}"
        zero = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(3000))
        birth = zero - dt.timedelta(days=rng.randrange(400, 6500))
        follow = zero + dt.timedelta(days=rng.randrange(30, 1500))
        dead = rng.random() < 0.4
        status = rng.choice(["refractory", "relapse"])
        sheets["cases"].append([sid, rng.choice("fm"), rng.choice(["ALL", "AML", "MPAL"]), status,
                                rng.randint(1, 3) if status == "relapse" else None, follow,
                                None if dead else rng.choice(["remission", "disease"])])
        sheets["identities"].append([sid, f"Name {n}", f"H{n:07d}", birth])
        sheets["salvage_courses"].append([sid, 1, zero, round(rng.uniform(70, 180), 1), round(rng.uniform(8, 80), 1)])
        sheets["drug_administrations"].append([sid, 1, "melphalan", rng.choice([20, 33, 40, 60]), "mg/m2",
                                               rng.randint(1, 2), "IV"])
        sheets["drug_administrations"].append([sid, 1, "cytarabine", 1, "g/m2", rng.choice([2, 4]), "IV"])
        response = rng.choice(["CR", "CR", "PR", "NR"])
        sheets["response_assessments"].append([sid, zero + dt.timedelta(days=28), "post", "BM",
                                               round(rng.uniform(0, 20), 1), response])
        records += 5
        if response != "NR" and rng.random() < 0.4:
            sheets["relapses"].append([sid, zero + dt.timedelta(days=29 + ((follow - zero).days - 29) // 2), "marrow"])
            records += 1
        if dead:
            sheets["deaths"].append([sid, follow, rng.choice(["disease", "therapy"])])
            records += 1
    book.save(path)
    return records


def workbook(cases: int, seed: int) -> tuple[Path, int]:
    c.CACHE.mkdir(parents=True, exist_ok=True)
    path = c.CACHE / f"long-{cases}-{seed}-v1.xlsx"
    count = c.CACHE / f"long-{cases}-{seed}-v1.records"
    if not path.exists() or not count.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp.xlsx")
        records = write_workbook(tmp, cases, seed)
        tmp.rename(path)
        count.write_text(str(records))
    return path, int(count.read_text())


def cli_run(book: Path, db: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `main.py import` process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(c.ROOT / "main.py"), "import", str(book), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=c.env(), cwd=str(c.ROOT))
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = (proc.stdout.read() if proc.stdout else b"") + (proc.stderr.read() if proc.stderr else b"")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}): {out.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # kilobytes on Linux


def counts(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        tables = [t for t in SHEETS if t != "cases"]
        records = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)  # noqa: S608
        return {"cases": conn.execute("SELECT count(*) FROM cases").fetchone()[0], "records": records + 0,
                "audit_entries": conn.execute("SELECT count(*) FROM audit_log WHERE action != 'event'").fetchone()[0]}


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--gui", action="store_true", help="also run through the import dialog (needs Qt)")
    args = p.parse_args()
    book, records = workbook(args.cases, args.seed)
    times: list[float] = []
    peaks: list[float] = []
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            db = Path(tmp) / f"run{i}" / "imported.db"
            db.parent.mkdir()
            seconds, peak = cli_run(book, db)
            times.append(seconds)
            peaks.append(peak)
            found = counts(db)
        gui = None
        if args.gui:
            import bench_import

            gui = bench_import.gui_runs(book, Path(tmp), args.runs)
    result = c.summary(times)
    memory = c.summary(peaks, digits=1)
    dialog_ok = gui is None or (gui["check_plus_import_s"]["median"] <= TARGET_S  # type: ignore[index]
                                and gui["peak_rss_mb"]["max"] <= TARGET_MB)  # type: ignore[index]
    c.emit({"benchmark": "import_long", "unit": "s", **found, "records_in_file": records + args.cases,
            "records_per_case": round((records + 0) / max(args.cases, 1), 2), **result, "peak_rss_mb": memory,
            "dialog": gui, "target": TARGET_S, "target_mb": TARGET_MB,
            "met": result["median"] <= TARGET_S and memory["max"] <= TARGET_MB and dialog_ok})
    if args.gui:
        sys.stdout.flush()
        os._exit(0)  # as bench_import: PySide6 may abort while the interpreter finalizes after a long session


if __name__ == "__main__":
    main()
