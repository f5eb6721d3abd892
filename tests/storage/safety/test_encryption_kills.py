"""Killed half-way, encrypting and changing the passphrase leave a study that one passphrase opens whole, and
never a plain backup of an encrypted database."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.generated.demo import write_demo
from storage.safety import encryption
from storage.safety.backup import backup_database

OLD = "Station 4b Kaffeemaschine"
NEW = "Ein neuer Satz fuer Station 4b"
ROOT = Path(__file__).resolve().parents[3]
_WORK = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from storage.safety.encrypting import change_passphrase, encrypt_database
path = Path({path!r})
print("go", flush=True)
if {what!r} == "encrypt":
    encrypt_database(path, {old!r})
else:
    change_passphrase(path, {old!r}, {new!r}, {new!r})
"""


@pytest.fixture(autouse=True)
def _no_remembered_passphrase() -> Iterator[None]:
    encryption.forget_all()
    yield
    encryption.forget_all()


def _padded_study(folder: Path, passphrase: str | None) -> Path:
    """The demo with a few MB of padding, so that a kill can land inside the copying."""
    folder.mkdir()
    path = folder / "study.db"
    write_demo(path, passphrase).close()
    conn = encryption.connect(path)
    conn.execute("CREATE TABLE padding (b BLOB)")
    conn.execute("INSERT INTO padding SELECT randomblob(4000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                 "SELECT i + 1 FROM n WHERE i < 1500) SELECT i FROM n)")
    conn.commit()
    conn.close()
    backup_database(path, "manual")
    backup_database(path, "manual")
    return path


def _kill_during(what: str, path: Path, delay: float) -> None:
    code = _WORK.format(root=str(ROOT), path=str(path), what=what, old=OLD, new=NEW)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def _opens_with(path: Path, passphrase: str | None) -> int | None:
    encryption.forget_all()
    try:
        if passphrase is not None:
            encryption.unlock(path, passphrase)
        conn = encryption.connect(path, read_only=True)
    except encryption.OPEN_ERRORS:
        return None
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("run", range(4))
def test_a_killed_passphrase_change_leaves_the_study_opened_by_the_old_or_the_new_one(
        tmp_path: Path, run: int) -> None:
    path = _padded_study(tmp_path / "study", OLD)
    _kill_during("change", path, random.Random(run).uniform(0.2, 2.5))
    assert [_opens_with(path, OLD), _opens_with(path, NEW)].count(8) == 1
    for copy in (tmp_path / "study" / "backups").glob("*.db"):
        assert 8 in (_opens_with(copy, OLD), _opens_with(copy, NEW))


@pytest.mark.parametrize("run", range(4))
def test_a_killed_encryption_never_leaves_a_plain_backup_of_an_encrypted_database(tmp_path: Path, run: int) -> None:
    path = _padded_study(tmp_path / "study", None)
    _kill_during("encrypt", path, random.Random(run).uniform(0.2, 2.5))
    if encryption.is_encrypted(path):
        assert _opens_with(path, OLD) == 8
        assert all(encryption.is_encrypted(p) for p in (tmp_path / "study" / "backups").iterdir())
    else:
        assert _opens_with(path, None) == 8
