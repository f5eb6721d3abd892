"""Point 13 of issue 14 for freezes: the freeze record holds the audit trail's head (schema 0003), and verify
checks that the trail, recomputed from its start, still reaches it.

tests/fixtures/casebook-0002.db was written by Casebook at schema 0002 (2 cases imported from a CSV, F01 and
F02, one edit of F02's notes, one freeze F1-20261202 with cut-off 2021-01-01): the upgrade to 0003 keeps it,
its freeze without a head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database, DatabaseNeedsUpgrade, head_revision, open_database
from storage.record.models import Case
from storage.safety.backup import list_backups
from storage.safety.freeze import freeze_dataset, freeze_label, list_freezes
from storage.safety.verification import verify_database
from tests.storage.safety.test_safety_tamper_anchors import _tamper

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "casebook-0002.db"


@pytest.fixture(autouse=True)
def own_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "user-data"))


def _last_entry(path: Path) -> tuple[int, str]:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return int(row[0]), str(row[1])


def test_a_freeze_records_the_trail_head_and_verify_checks_it(demo_db: Database) -> None:
    entry, head = _last_entry(demo_db.path)
    with demo_db.session() as session:
        freeze = freeze_dataset(session, dt.date(2021, 12, 31))
        label = freeze_label(session)
    assert freeze.trail_head == head  # the newest entry before the freeze's own event
    assert label is not None and f"audit trail head {head[:16]}" in label
    report = verify_database(demo_db.path)
    assert report.ok, report.problems
    assert f"Freeze {freeze.label}: the trail up to entry {entry} still hashes to the head it recorded " \
           f"({head[:16]}…)" in report.facts


def test_a_trail_rewritten_before_a_freeze_no_longer_reaches_its_head(demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze = freeze_dataset(session, dt.date(2021, 12, 31))
    _tamper(demo_db, "UPDATE audit_log SET reason = 'forged' WHERE id = 3")  # then renumbered and rehashed
    problems = verify_database(demo_db.path).problems
    assert any(p.startswith(f"freeze {freeze.label} recorded the audit trail head") and "no longer" in p
               for p in problems), problems


def test_entries_appended_after_a_freeze_leave_its_head_reached(demo_db: Database) -> None:
    with demo_db.session() as session:
        freeze = freeze_dataset(session, dt.date(2021, 12, 31))
    with demo_db.session() as session:
        session.info["audit_reason"] = "re-read the source document"
        session.scalars(select(Case).where(Case.study_id == "P02")).one().notes = "after the freeze"
    report = verify_database(demo_db.path)
    assert report.ok, report.problems
    assert any(f.startswith(f"Freeze {freeze.label}: the trail up to entry") for f in report.facts)


def test_the_0002_fixture_is_backed_up_then_upgraded_with_its_freeze_and_trail(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    db = open_database(path)
    try:
        assert db.upgraded_from == "0002" and db.backup_path is not None
        assert [b.reason for b in list_backups(path)] == ["before-upgrade-from-0002"]
        with db.session() as session:
            cases = {c.study_id: c for c in session.scalars(select(Case))}
            assert set(cases) == {"F01", "F02"} and cases["F02"].notes == "edited before the freeze"
            assert cases["F01"].identity is not None and cases["F01"].identity.name == "Fixture Eins"
            freezes = list_freezes(session)
        assert [(f.label, f.case_count, f.cut_off, f.trail_head) for f in freezes] == [
            ("F1-20261202", 2, dt.date(2021, 1, 1), None)]
    finally:
        db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision() == "0003"
    report = verify_database(path)
    assert not any("freeze" in p.lower() for p in report.problems), report.problems
    assert "Freeze F1-20261202: made before Casebook recorded the trail head at a freeze; not checked" in report.facts


def test_read_only_commands_on_the_0002_fixture_say_it_needs_an_upgrade_and_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", "--db", str(path), "--out",
                             str(tmp_path / "x.csv")], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode != 0 and "older schema 0002" in result.stderr, result.stderr
    with pytest.raises(DatabaseNeedsUpgrade):
        open_database(path, backup=False, upgrade_schema=False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]
