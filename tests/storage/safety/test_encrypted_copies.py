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


def test_a_half_written_backup_is_zeroed_when_the_database_is_encrypted(tmp_path: Path) -> None:
    from storage.safety.encrypting import encrypt_database

    path = tmp_path / "study.db"
    write_demo(path).close()
    copy = backup_database(path, "manual")
    partial = copy.with_name(path.name + "--20260101-000000-000000-manual.partial")
    partial.write_bytes(copy.read_bytes())  # what a backup killed before its rename leaves
    encrypt_database(path, PASSPHRASE)
    assert not partial.exists()
    leftovers = [p for p in (tmp_path / "backups").iterdir() if not encryption.is_encrypted(p)]
    assert leftovers == []


def test_encrypting_and_changing_through_a_symbolic_link_change_the_real_file(tmp_path: Path) -> None:
    from storage.safety.encrypting import change_passphrase, encrypt_database

    (tmp_path / "real").mkdir()
    (tmp_path / "link").mkdir()
    real = tmp_path / "real" / "study.db"
    write_demo(real).close()
    backup_database(real, "manual")
    link = tmp_path / "link" / "study.db"
    link.symlink_to(real)
    encrypt_database(link, PASSPHRASE)
    assert link.is_symlink() and encryption.is_encrypted(real)
    assert all(encryption.is_encrypted(b) for b in (tmp_path / "real" / "backups").glob("*.db"))
    new = "Ein neuer Satz fuer Station 4b"
    report = change_passphrase(link, PASSPHRASE, new, new)
    assert link.is_symlink() and report.backups_done and not report.backups_left
    assert report.lines()[0].startswith("The passphrase of study.db was changed")
    encryption.forget_all()
    encryption.remember(new)
    assert _cases_in(real) == 8


def test_the_passphrase_from_the_environment_is_not_passed_on_to_child_processes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv(encryption.ENVIRONMENT_VARIABLE, PASSPHRASE)
    assert encryption.passphrase_from_command_line(prompt=False) == PASSPHRASE
    assert encryption.ENVIRONMENT_VARIABLE not in os.environ
    assert encryption.passphrase_from_command_line(prompt=False) == PASSPHRASE  # read once, kept in memory


def test_backups_leave_no_side_files_behind(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    write_demo(path, PASSPHRASE).close()
    for _ in range(3):
        backup_database(path, "manual")
    side = [p.name for p in (tmp_path / "backups").iterdir() if not p.name.endswith(".db")]
    assert side == []


def test_verify_names_the_backups_another_passphrase_keeps_closed(tmp_path: Path) -> None:
    from storage.safety.encrypting import change_passphrase
    from storage.safety.verification import verify_database

    path = tmp_path / "study.db"
    write_demo(path, PASSPHRASE).close()
    old_copy = backup_database(path, "manual")
    keep = old_copy.read_bytes()
    new = "Ein neuer Satz fuer Station 4b"
    change_passphrase(path, PASSPHRASE, new, new)
    old_copy.write_bytes(keep)  # as if the change had been killed before this copy was changed
    encryption.forget_all()
    encryption.remember(new)
    text = " ".join(verify_database(path).facts)
    assert "1 backup(s) could not be checked" in text and old_copy.name in text


def test_a_plain_copy_put_back_after_encryption_is_named_by_verify(tmp_path: Path) -> None:
    import shutil

    from storage.safety.anchors import encrypted_before
    from storage.safety.encrypting import encrypt_database
    from storage.safety.verification import verify_database

    path = tmp_path / "study.db"
    write_demo(path).close()
    old_plain = tmp_path / "it-backup.db"
    shutil.copy(path, old_plain)  # hospital IT's disk backup from before the encryption
    assert encrypted_before(path) is None
    encrypt_database(path, PASSPHRASE)
    path.unlink()
    shutil.copy(old_plain, path)  # put back in the study's place
    assert encrypted_before(path) is not None
    problems = " ".join(verify_database(path).problems)
    assert "this study was encrypted on" in problems and "plain copy" in problems


def test_a_copy_edited_elsewhere_raises_no_tamper_alarm_for_the_original(tmp_path: Path) -> None:
    from sqlalchemy import select

    from storage.safety.backup import copy_database
    from storage.safety.verification import verify_database

    path = tmp_path / "study.db"
    write_demo(path).close()
    usb = copy_database(path, tmp_path / "usb-copy.db")
    db = open_database(usb, backup=False)
    try:
        with db.session() as session:  # the copy goes on: entries the original does not have
            session.scalars(select(Case).where(Case.study_id == "P04")).one().subtype = "AML, edited on the copy"
    finally:
        db.close()
    report = verify_database(path)
    assert report.problems == [], report.problems
    assert any("other copy(ies) of this study were not counted" in fact and "usb-copy.db" in fact
               for fact in report.facts)
