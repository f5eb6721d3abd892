"""Copies of an encrypted study are its ciphertext as it is (no decrypting and encrypting again), and only
when the file alone is the whole database; otherwise SQLite's backup API makes them, with the same result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import open_database
from storage.generated.demo import write_demo
from storage.record.models import Case
from storage.safety import encryption
from storage.safety.backup import backup_database

PASSPHRASE = "Station 4b Kaffeemaschine"


@pytest.fixture(autouse=True)
def _no_remembered_passphrase() -> Iterator[None]:
    encryption.forget_all()
    yield
    encryption.forget_all()


def _cases_in(path: Path) -> int:
    db = open_database(path, backup=False, upgrade_schema=False)
    try:
        with db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        db.close()


def test_the_backup_on_opening_is_the_encrypted_file_byte_for_byte(tmp_path: Path) -> None:
    database = tmp_path / "study.db"
    write_demo(database, PASSPHRASE).close()
    db = open_database(database)  # backs up on opening
    db.close()
    assert db.backup_path is not None
    assert db.backup_path.read_bytes() == database.read_bytes()  # the ciphertext itself, same key and salt
    assert db.backup_path.stat().st_mode & 0o777 == 0o600
    encryption.forget_all()
    with pytest.raises(encryption.PassphraseNeeded):
        _cases_in(db.backup_path)
    encryption.remember(PASSPHRASE)
    assert _cases_in(db.backup_path) == 8


def test_a_reader_holding_the_wal_makes_the_backup_api_copy_it_whole(tmp_path: Path) -> None:
    database = tmp_path / "study.db"
    write_demo(database, PASSPHRASE).close()
    db = open_database(database, backup=False)
    reader = encryption.connect(database)
    try:
        with db.session() as session:  # a ninth case, committed to the WAL
            session.add(Case(study_id="P09", sex="f", diagnosis="AML"))
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM cases").fetchone()[0] == 9  # the reader pins the WAL
        copy = backup_database(database, "manual")  # the file alone is not the database now: backup API
    finally:
        reader.execute("ROLLBACK")
        reader.close()
        db.close()
    assert copy.read_bytes() != database.read_bytes()
    assert encryption.is_encrypted(copy)
    assert _cases_in(copy) == 9


def test_a_plain_database_is_still_copied_with_the_backup_api(tmp_path: Path) -> None:
    database = tmp_path / "study.db"
    write_demo(database).close()
    copy = backup_database(database, "manual")
    assert not encryption.is_encrypted(copy)
    assert _cases_in(copy) == 8


def _events(path: Path) -> list[tuple[str, str]]:
    conn = encryption.connect(path, read_only=True)
    try:
        rows = conn.execute("SELECT field, new_value FROM audit_log WHERE action = 'event' ORDER BY id").fetchall()
    finally:
        conn.close()
    return [(str(kind), str(detail)) for kind, detail in rows]


def test_encrypting_and_changing_the_passphrase_are_events_of_the_trail(tmp_path: Path) -> None:
    from storage.safety.encrypting import change_passphrase, encrypt_database
    from storage.safety.verification import verify_database

    path = tmp_path / "study.db"
    write_demo(path).close()
    backup_database(path, "manual")
    encrypt_database(path, PASSPHRASE)
    kind, detail = _events(path)[-1]
    assert kind == "encrypted" and '"backups_encrypted": 1' in detail and "AES-256" in detail
    new = "Ein neuer Satz fuer Station 4b"
    change_passphrase(path, PASSPHRASE, new, new)
    kind, detail = _events(path)[-1]
    assert kind == "passphrase changed" and '"backups_rekeyed": 1' in detail
    trail = " ".join(d for _k, d in _events(path))
    assert PASSPHRASE not in trail and new not in trail  # the passphrases never reach the trail
    report = verify_database(path)
    assert report.problems == [], report.problems


_WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from storage.safety import encryption
encryption.remember({passphrase!r})
conn = encryption.connect(__import__("pathlib").Path({path!r}))
conn.execute("PRAGMA busy_timeout = 5000")
conn.execute("CREATE TABLE IF NOT EXISTS ticks (n INTEGER, pair INTEGER)")
conn.commit()
n = 0
end = time.monotonic() + {seconds}
while time.monotonic() < end:
    n += 1
    conn.execute("INSERT INTO ticks VALUES (?, 1)", (n,))
    conn.execute("INSERT INTO ticks VALUES (?, 2)", (n,))  # two rows per transaction: a torn copy shows one
    conn.commit()
    time.sleep(0.005 if n % 2 else 0)  # now and then a moment between commits: room for a ciphertext copy
print(n)
"""


def test_backups_taken_while_another_process_commits_are_each_a_whole_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys
    import time

    ways: list[bool] = []
    real_copy = encryption.copy_ciphertext

    def counted(source: Path, target: Path) -> bool:
        ways.append(real_copy(source, target))
        return ways[-1]

    monkeypatch.setattr(encryption, "copy_ciphertext", counted)

    database = tmp_path / "study.db"
    write_demo(database, PASSPHRASE).close()
    root = str(Path(__file__).resolve().parents[3])
    code = _WRITER.format(root=root, passphrase=PASSPHRASE, path=str(database), seconds=4)
    writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    copies = []
    try:
        time.sleep(0.5)
        while writer.poll() is None and len(copies) < 40:
            copies.append(backup_database(database, "manual"))
    finally:
        out, _ = writer.communicate(timeout=60)
    assert writer.returncode == 0 and int(out) > 10
    assert any(ways)  # some copies were the ciphertext itself, taken between two of the writer's commits
    kept = [copy for copy in copies if copy.exists()]  # rotation keeps the newest ten of a day
    assert len(kept) >= 5
    for copy in kept:
        conn = encryption.connect(copy, read_only=True)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            pairs = conn.execute("SELECT count(*) FROM ticks GROUP BY n HAVING count(*) != 2").fetchall()
            assert pairs == []  # every transaction whole or absent
            assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 8
        finally:
            conn.close()
