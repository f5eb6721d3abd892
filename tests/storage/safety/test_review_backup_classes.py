"""Read-only commands make no backups, and routine backups never push out those taken before a change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from storage.database import Database
from storage.safety.backup import BackupInfo, backup_database, backups_to_keep, list_backups, rotate


def _info(name: str, taken: dt.datetime, reason: str) -> BackupInfo:
    return BackupInfo(Path(name), taken, reason, 1)


def test_routine_copies_never_push_out_the_copies_taken_before_a_change() -> None:
    now = dt.datetime(2026, 11, 24, 12)
    before = [_info(f"i{n}", now - dt.timedelta(days=40 + n), "before-import") for n in range(3)]
    routine = [_info(f"o{n}", now - dt.timedelta(minutes=n), "on-opening") for n in range(25)]
    backups = sorted([*before, *routine], key=lambda b: b.taken_at, reverse=True)
    keep = backups_to_keep(backups, now)
    assert {b.path for b in before} <= keep  # older than the month, but among the 10 newest of their class
    assert len(keep & {b.path for b in routine}) == 10


def test_eleven_backups_after_an_import_keep_the_before_import_copy(demo_db: Database) -> None:
    first = backup_database(demo_db.path, "before-import")
    for _ in range(12):
        backup_database(demo_db.path, "on-opening")
    rotate(demo_db.path)
    assert first.exists()
    assert [b.reason for b in list_backups(demo_db.path)].count("on-opening") == 10
