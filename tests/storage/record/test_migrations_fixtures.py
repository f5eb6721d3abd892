"""Opening databases of older, newer and foreign kinds: upgrade with a backup, or refuse untouched."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import (
    DatabaseTooNew,
    NotACasebookDatabase,
    create_database,
    head_revision,
    open_database,
)
from storage.record.models import Case
from storage.safety.audit import case_history
from storage.safety.backup import list_backups

FIXTURE = Path(__file__).parents[2] / "fixtures" / "casebook-0001.db"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fixture_at_first_schema_is_backed_up_then_upgraded_with_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    db = open_database(path)
    try:
        assert db.upgraded_from == "0001"
        assert db.backup_path is not None
        saved = sqlite3.connect(db.backup_path)
        assert saved.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert saved.execute("SELECT study_id FROM cases ORDER BY id").fetchall() == [("F01",), ("F02",)]
        saved.close()
        assert [b.reason for b in list_backups(path)] == ["before-upgrade-from-0001"]
        with db.session() as session:
            cases = {c.study_id: c for c in session.scalars(select(Case))}
            assert set(cases) == {"F01", "F02"}
            assert cases["F01"].identity is not None and cases["F01"].identity.name == "Fixture Eins"
            assert cases["F01"].time_zero is not None and cases["F01"].time_zero.isoformat() == "2019-01-10"
            assert cases["F02"].death is not None and cases["F02"].death.cause == "disease"
            cases["F02"].notes = "first edit after the upgrade"
        with db.session() as session:
            assert [e.field for e in case_history(session, "F02")] == ["notes"]
    finally:
        db.close()
    version = sqlite3.connect(path).execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert version == head_revision()


@pytest.mark.parametrize("content", [
    b"patient list\nnot a database\n",
    os.urandom(8192),
    b"SQLite format 3\x00" + os.urandom(4096),
], ids=["text", "random-bytes", "sqlite-header-then-junk"])
def test_a_file_that_is_not_a_database_is_refused_and_left_byte_identical(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(NotACasebookDatabase):
        open_database(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_an_sqlite_file_of_another_program_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO patients (name) VALUES ('someone')")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(NotACasebookDatabase, match="not a Casebook database"):
        open_database(path)
    assert _digest(path) == before


def test_a_database_from_a_newer_casebook_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    create_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = _digest(path)
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_database(path)
    assert _digest(path) == before
