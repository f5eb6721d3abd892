"""Encrypted study databases: nothing identifying readable in the file, the passphrase checked before a byte is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import head_revision, open_database
from storage.generated.demo import FICTITIOUS_NAMES, demo_cases, write_demo
from storage.record.models import Case
from storage.safety import encryption
from storage.safety.backup import backup_database, list_backups, restore_backup
from storage.safety.encrypting import EncryptionError, change_passphrase, encrypt_database
from storage.safety.verification import verify_database

PASSPHRASE = "Station 4b Kaffeemaschine"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


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
    with pytest.raises(encryption.PassphraseNeeded, match="demo.db is not a Casebook database, or it is an encrypted one: give its passphrase"):
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


def _case_count(path: Path, passphrase: str | None = None) -> int:
    db = open_database(path, backup=False, passphrase=passphrase)
    try:
        with db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        db.close()


def test_change_passphrase_then_reopen_with_the_new_one_only(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    write_demo(path, PASSPHRASE).close()
    copy = backup_database(path, "manual")
    report = change_passphrase(path, PASSPHRASE, "Neue Passphrase Station 5", "Neue Passphrase Station 5")
    assert report.backups_done == [copy] and report.backups_left == []
    encryption.forget_all()
    with pytest.raises(encryption.WrongPassphrase):
        open_database(path, passphrase=PASSPHRASE)
    with pytest.raises(encryption.WrongPassphrase):
        encryption.unlock(copy, PASSPHRASE)  # the old passphrase opens no copy either
    assert _case_count(path, "Neue Passphrase Station 5") == 8
    assert _case_count(copy) == 8
    assert verify_database(path).problems == []


def test_encrypt_an_existing_plain_database_and_its_backups(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    write_demo(path).close()
    plain_copy = backup_database(path, "manual")
    assert not encryption.is_encrypted(path)
    report = encrypt_database(path, PASSPHRASE)
    assert encryption.is_encrypted(path) and encryption.is_encrypted(plain_copy)
    assert report.backups_done == [plain_copy] and report.backups_left == []
    assert [value for value in _identifiers() if value in _all_bytes(tmp_path)] == []
    assert not any(p.name.endswith(".encrypting") for p in tmp_path.rglob("*"))
    encryption.forget_all()
    assert _case_count(path, PASSPHRASE) == 8
    assert verify_database(path).problems == []


def test_encrypting_refuses_a_short_passphrase_and_leaves_the_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    write_demo(path).close()
    before = path.read_bytes()
    with pytest.raises(EncryptionError, match="at least 10 characters"):
        encrypt_database(path, "kurz")
    assert path.read_bytes() == before


def test_an_encrypted_0001_schema_database_is_upgraded_and_stays_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "casebook-0001.db", path)
    encrypt_database(path, PASSPHRASE)
    encryption.forget_all()
    assert encryption.inspect_revision(path, PASSPHRASE) == "0001"
    db = open_database(path)
    assert db.upgraded_from == "0001" and db.backup_path is not None
    db.close()
    assert encryption.is_encrypted(path) and encryption.is_encrypted(db.backup_path)
    assert encryption.inspect_revision(path) == head_revision()
    assert encryption.inspect_revision(db.backup_path) == "0001"
