"""Crash test: imports and saves killed with SIGKILL at random moments leave no half-written data.

Children are forked (no interpreter start-up per kill), so 50-odd kills take seconds, not minutes.
Each import either landed completely or not at all; each save is whole; SQLite's integrity
check passes; the audit trail's hash chain is intact; a killed holder's lock is taken over.
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from storage.database import create_database, open_database
from storage.record.models import Case, Identity, Relapse, SalvageCourse
from storage.safety.trail_checks import verify_chain

pytestmark = pytest.mark.slow  # about 20-40 s; runs in CI like every other test
KILLS = 30  # imports started; some finish before their kill
SAVES = 44  # save loops, each killed (with the imports killed mid-way, comfortably over 50 kills)
ROWS = 120


def _write_import_file(path: Path, batch: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["study_id", "sex", "birth_date", "diagnosis", "salvage_start", "best_response",
                         "relapse_date", "last_follow_up", "last_follow_up_status", "notes"])
        for j in range(ROWS):
            writer.writerow([f"I{batch:03d}-{j:03d}", "f", "2005-01-01", "AML", "2018-02-01", "CR", "2018-09-01",
                             "2020-01-01", "disease", f"batch {batch}"])


def _import_child(db_path: str, file: str) -> None:
    from main import main

    os._exit(main(["import", file, "--db", db_path]))


def _save_child(db_path: str, tag: int) -> None:
    db = open_database(Path(db_path), backup=False)
    for k in range(10_000):
        with db.session() as session:
            case = Case(study_id=f"S{tag:03d}-{k:04d}", sex="m", last_follow_up=dt.date(2020, 1, 1))
            case.identity = Identity(name=f"Saved {tag} {k}", birth_date=dt.date(2004, 4, 4))
            case.courses = [SalvageCourse(course_number=1, start_date=dt.date(2019, 1, 1))]
            case.relapses = [Relapse(relapse_date=dt.date(2019, 6, 1), site="marrow")]
            session.add(case)
    os._exit(0)


def _run_and_kill(ctx: multiprocessing.context.BaseContext, target: object, args: tuple[object, ...],
                  delay: float) -> bool:
    """Start a child, SIGKILL it after ``delay`` seconds unless it has ended; True if it was killed."""
    child = ctx.Process(target=target, args=args)  # type: ignore[attr-defined]
    child.start()
    child.join(timeout=delay)
    killed = child.pid is not None and child.is_alive()
    if killed:
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(timeout=30)
    assert not child.is_alive(), "a child did not end"
    return killed


def test_sigkill_during_imports_and_saves_leaves_every_transaction_whole_or_absent(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    db_path = tmp_path / "crash.db"
    create_database(db_path).close()
    files = []
    for batch in range(KILLS + 1):
        files.append(tmp_path / f"batch{batch}.csv")
        _write_import_file(files[-1], batch)
    started = time.perf_counter()
    _run_and_kill(ctx, _import_child, (str(db_path), str(files[0])), 60.0)  # one undisturbed, to time it
    duration = time.perf_counter() - started
    rng = random.Random(20261124)
    kills = 0
    for batch in range(1, KILLS + 1):
        kills += _run_and_kill(ctx, _import_child, (str(db_path), str(files[batch])), rng.uniform(0.0, duration * 1.2))
    for tag in range(SAVES):
        kills += _run_and_kill(ctx, _save_child, (str(db_path), tag), rng.uniform(0.05, 0.6))
    assert kills >= 50

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        counts = dict(conn.execute("SELECT substr(study_id, 1, 4), count(*) FROM cases WHERE study_id LIKE 'I%' "
                                   "GROUP BY substr(study_id, 1, 4)").fetchall())
        assert counts.get("I000") == ROWS
        assert set(counts.values()) == {ROWS}, counts  # every import whole, none partial
        saved = conn.execute("SELECT count(*) FROM cases WHERE study_id LIKE 'S%'").fetchone()[0]
        incomplete = conn.execute(
            "SELECT count(*) FROM cases c WHERE c.study_id LIKE 'S%' AND ("
            " NOT EXISTS (SELECT 1 FROM identities i WHERE i.case_id = c.id) OR"
            " NOT EXISTS (SELECT 1 FROM salvage_courses s WHERE s.case_id = c.id) OR"
            " NOT EXISTS (SELECT 1 FROM relapses r WHERE r.case_id = c.id))").fetchone()[0]
        assert saved > 0 and incomplete == 0
        audited = conn.execute("SELECT count(*) FROM audit_log WHERE table_name = 'cases' AND action = 'create'"
                               ).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        assert audited == total  # no case without its audit entry, no entry without its case
        assert verify_chain(conn).ok
    finally:
        conn.close()
    imported = sum(1 for n in counts.values() if n == ROWS) - 1
    assert imported < KILLS, "every import finished before its kill: the kill times missed"
