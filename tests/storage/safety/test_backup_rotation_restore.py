"""Backups: online-API copies beside the database, rotated, listed and restored."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database, open_database
from storage.record.models import Case
from storage.safety.backup import (
    BackupError,
    BackupInfo,
    backup_database,
    backups_to_keep,
    list_backups,
    restore_backup,
)


def test_opening_a_database_backs_it_up_into_the_backups_folder(demo_db: Database) -> None:
    demo_db.close()
    db = open_database(demo_db.path)
    db.close()
    backups = list_backups(demo_db.path)
    assert [b.reason for b in backups] == ["on-opening"]
    assert backups[0].path.parent == demo_db.path.parent / "backups"
    copy = sqlite3.connect(backups[0].path)
    assert copy.execute("SELECT count(*) FROM cases").fetchone() == (8,)
    copy.close()


def test_a_backup_holds_committed_data_still_in_the_wal_file(demo_db: Database) -> None:
    with demo_db.session() as session:  # the WAL file holds this until a checkpoint
        session.scalars(select(Case).where(Case.study_id == "P01")).one().notes = "only in the WAL"
    path = backup_database(demo_db.path, "manual")
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT notes FROM cases WHERE study_id='P01'").fetchone() == ("only in the WAL",)
    copy.close()


def _fake(start: dt.datetime, hours: list[int]) -> list[BackupInfo]:
    return sorted((BackupInfo(Path(f"b{h}.db"), start - dt.timedelta(hours=h), "x", 1) for h in hours),
                  key=lambda b: b.taken_at, reverse=True)


def test_rotation_keeps_the_last_ten_and_one_per_day_for_a_month() -> None:
    now = dt.datetime(2026, 6, 30, 12, 0)
    backups = _fake(now, list(range(0, 24 * 40, 6)))  # every six hours for forty days
    keep = backups_to_keep(backups, now)
    newest_ten = {b.path for b in backups[:10]}
    assert newest_ten <= keep
    kept = [b for b in backups if b.path in keep]
    assert all((now - b.taken_at).days < 31 for b in kept)  # nothing older than a month
    per_day = {b.taken_at.date() for b in kept if b.path not in newest_ten}
    assert len(per_day) == len([b for b in kept if b.path not in newest_ten])  # one per older day
    assert {b.taken_at.date() for b in backups if (now - b.taken_at).days < 31} == {b.taken_at.date() for b in kept}
    assert len(keep) < len(backups) / 3


def test_backups_are_rotated_on_disk(demo_db: Database) -> None:
    for _ in range(14):
        backup_database(demo_db.path, "manual")
    assert len(list_backups(demo_db.path)) == 10  # all from today: the ten newest are kept


def test_restore_brings_back_the_old_state_and_saves_the_current_one(demo_db: Database) -> None:
    saved = backup_database(demo_db.path, "manual")
    with demo_db.session() as session:
        session.delete(session.scalars(select(Case).where(Case.study_id == "P05")).one())
    demo_db.close()
    safety = restore_backup(saved, demo_db.path)
    db = open_database(demo_db.path, backup=False)
    with db.session() as session:
        assert "P05" in set(session.scalars(select(Case.study_id)))
    db.close()
    before = sqlite3.connect(safety)
    assert before.execute("SELECT count(*) FROM cases WHERE study_id='P05'").fetchone() == (0,)
    before.close()


def test_restoring_something_that_is_not_a_casebook_database_is_refused(demo_db: Database, tmp_path: Path) -> None:
    junk = tmp_path / "backups-junk.db"
    junk.write_bytes(b"not a database")
    demo_db.close()
    before = demo_db.path.read_bytes()
    with pytest.raises(BackupError, match="cannot be restored"):
        restore_backup(junk, demo_db.path)
    assert demo_db.path.read_bytes() == before
