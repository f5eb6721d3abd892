"""Encrypted study databases: nothing identifying readable in the file, the passphrase checked before a byte is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import open_database
from storage.generated.demo import FICTITIOUS_NAMES, demo_cases, write_demo
from storage.record.models import Case
from storage.safety import encryption
from storage.safety.backup import backup_database, list_backups, restore_backup
from storage.safety.verification import verify_database

PASSPHRASE = "Station 4b Kaffeemaschine"


@pytest.fixture(autouse=True)
def _no_remembered_passphrase() -> Iterator[None]:
    encryption.forget_all()
    yield
    encryption.forget_all()


def _identifiers() -> list[bytes]:
    """The demo's names, hospital numbers and birth dates, as any SQLite tool would find them in a plain file."""
    found: list[bytes] = []
    for index, raw in enumerate(demo_cases()):
        zero = dt.date.fromisoformat(raw["time_zero"]) if "time_zero" in raw else None
        found += [FICTITIOUS_NAMES[index].encode(), f"DEMO-{index + 1:04d}".encode()]
        if zero is not None:
            found.append((zero - dt.timedelta(days=raw["age_days"])).isoformat().encode())
    return found


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_encrypted_demo_holds_no_name_hospital_number_or_birth_date(tmp_path: Path) -> None:
    plain_folder, secret_folder = tmp_path / "plain", tmp_path / "secret"
    plain_folder.mkdir()
    secret_folder.mkdir()
    write_demo(plain_folder / "demo.db").close()
    write_demo(secret_folder / "demo.db", PASSPHRASE).close()
    backup_database(secret_folder / "demo.db", "manual")
    identifiers = _identifiers()
    assert len(identifiers) == 24
    plain, secret = _all_bytes(plain_folder), _all_bytes(secret_folder)
    assert all(value in plain for value in identifiers)  # the check would see them
    assert [value for value in identifiers if value in secret] == []
    assert b"SQLite format 3" not in secret


def test_plain_sqlite3_cannot_read_an_encrypted_database(tmp_path: Path) -> None:
    write_demo(tmp_path / "demo.db", PASSPHRASE).close()
    conn = sqlite3.connect(tmp_path / "demo.db")
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        conn.execute("SELECT count(*) FROM cases").fetchone()
    conn.close()


def test_wrong_passphrase_is_refused_and_the_file_stays_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    write_demo(path, PASSPHRASE).close()
    encryption.forget_all()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    files_before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(encryption.WrongPassphrase, match="not the one of this database.*Nothing was written"):
        open_database(path, passphrase="Station 4b Kaffeemaschin")
    with pytest.raises(encryption.PassphraseNeeded, match="demo.db is encrypted .or not a Casebook database.; give its passphrase"):
        open_database(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before  # no backups folder, no -wal


def test_the_right_passphrase_opens_the_cohort_and_verify_passes(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    write_demo(path, PASSPHRASE).close()
    encryption.forget_all()
    db = open_database(path, passphrase=PASSPHRASE)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 8
    db.close()
    report = verify_database(path)
    assert report.problems == []
    assert report.cases == 8


def test_backups_of_an_encrypted_database_are_encrypted_and_restore_the_data(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    write_demo(path, PASSPHRASE).close()
    copy = backup_database(path, "manual")
    assert encryption.is_encrypted(copy)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(copy).execute("SELECT count(*) FROM cases").fetchone()
    db = open_database(path, backup=False)
    with db.session() as session:
        session.delete(session.scalars(select(Case).where(Case.study_id == "P01")).one())
    db.close()
    safety = restore_backup(copy, path)
    assert encryption.is_encrypted(safety) and encryption.is_encrypted(path)
    db = open_database(path, backup=False)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 8
    db.close()
    assert {b.reason for b in list_backups(path)} >= {"manual", "before-restore"}
