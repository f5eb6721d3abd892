"""Points 2-8 and 14 of issue 14: messages without patient data, exports whole or absent, owner-only files,
hard links, backups keyed to their database, awkward paths, read-only commands that never upgrade, who."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from storage.database import (
    Database,
    DatabaseHardLinked,
    DatabaseNeedsUpgrade,
    create_database,
    open_database,
)
from storage.generated.demo import write_demo
from storage.interchange.export import export_writers
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.record.models import Case
from storage.safety.audit import os_user
from storage.safety.backup import backup_database, list_backups, rotate
from storage.safety.lock import acquire_lock, make_read_only
from storage.safety.problems import database_problem
from storage.safety.verification import verify_database

ROOT = Path(__file__).parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "casebook-0001.db"


def casebook(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- 2: no SQL parameters in any message ----------------------------------------------------------

def test_a_refused_write_names_no_patient_value_and_says_what_to_do(demo_db: Database) -> None:
    make_read_only(demo_db.engine)
    with pytest.raises(OperationalError) as caught, demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P01")).one()
        case.notes = "Mrs Secretname, MRN 99887766"
    assert "Secretname" not in str(caught.value) and "99887766" not in str(caught.value)
    message = database_problem(caught.value)
    assert "cannot be written" in message and "Nothing was saved" in message and "INSERT" not in message


def test_a_deidentified_export_on_a_read_only_database_shows_no_key(demo_db: Database, tmp_path: Path) -> None:
    make_read_only(demo_db.engine)
    with pytest.raises(OperationalError) as caught, demo_db.session() as session:
        export_database(session, tmp_path / "d.csv", ExportOptions(deidentify=True))
    text = str(caught.value)
    assert "date_offset_days" not in text.split("[SQL")[0]
    assert "parameters hidden" in text or "[parameters" not in text
    assert not any(len(w) == 8 and w.startswith("'C") for w in text.split())  # no code such as 'CAB23XYZ'
    assert not (tmp_path / "d.csv").exists()


# --- 3: temporary files beside the target, removed on failure; folders whole or absent -------------

def test_a_failed_xlsx_export_leaves_nothing_in_the_system_temp_folder(demo_db: Database, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    calls = {"n": 0}
    real = export_writers._xlsx_value

    def fail_later(value: object) -> object:
        calls["n"] += 1
        if calls["n"] == 300:
            raise OSError(28, "No space left on device")
        return real(value)

    monkeypatch.setattr(export_writers, "_xlsx_value", fail_later)
    out = tmp_path / "out" / "cases.xlsx"
    with demo_db.session() as session, pytest.raises(Exception, match="No space left"):
        export_database(session, out, ExportOptions(fmt="xlsx", long=True))
    assert list(system_temp.iterdir()) == []
    assert list(out.parent.iterdir()) == []


def test_a_failed_long_csv_export_leaves_no_half_folder(demo_db: Database, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real = export_writers._write_csv
    written: list[str] = []

    def fail_third(path: Path, *args: object, **kw: object) -> None:
        written.append(path.name)
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        real(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(export_writers, "_write_csv", fail_third)
    with demo_db.session() as session, pytest.raises(Exception, match="No space left"):
        export_database(session, tmp_path / "tables", ExportOptions(long=True))
    assert not (tmp_path / "tables").exists()
    assert list(tmp_path.glob(".tables*")) == []


def test_a_killed_exports_staging_folder_is_hidden_owner_only_and_cleared_next_time(demo_db: Database,
                                                                                   tmp_path: Path) -> None:
    stale = tmp_path / f".cases.csv{export_writers.STAGING_MARK}abc"
    stale.mkdir()
    (stale / "cases.csv").write_text("name\nSecretname\n")
    with demo_db.session() as session:
        export_database(session, tmp_path / "cases.csv", ExportOptions())
    assert not stale.exists()
    assert stat.S_IMODE((tmp_path / "cases.csv").stat().st_mode) == 0o600


def test_the_deidentification_key_is_committed_before_the_file_appears(demo_db: Database, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = export_writers.write_flat

    def look(*args: object, **kw: object) -> list[Path]:
        other = sqlite3.connect(demo_db.path)  # another connection sees only what is committed
        seen.append(other.execute("SELECT count(*) FROM deid_keys").fetchone()[0])
        other.close()
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(export_writers, "write_flat", look)
    with demo_db.session() as session:
        export_database(session, tmp_path / "d.csv", ExportOptions(deidentify=True))
    assert seen == [8]


# --- 4: owner-only whatever the umask ---------------------------------------------------------------

def test_databases_and_backups_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        db = create_database(tmp_path / "open.db")
        with db.session() as session:
            session.add(Case(study_id="P01"))
        backup = backup_database(db.path, "manual")
        db.close()
    finally:
        os.umask(old)
    for path in (tmp_path / "open.db", backup):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(backup.parent.stat().st_mode) & 0o077 == 0


# --- 5: hard links --------------------------------------------------------------------------------

def test_a_database_with_another_hard_link_is_refused(demo_db: Database, tmp_path: Path) -> None:
    demo_db.close()
    other = tmp_path / "second-name.db"
    os.link(demo_db.path, other)
    for name in (demo_db.path, other):
        with pytest.raises(DatabaseHardLinked, match="hard links"):
            open_database(name, backup=False)
        with pytest.raises(DatabaseHardLinked):
            acquire_lock(name)
    result = casebook("import", FIXTURE, "--db", other, "--dry-run")
    assert result.returncode == 1 and "hard links" in result.stderr


# --- 6: backups keyed to their database ------------------------------------------------------------

def test_two_databases_in_one_folder_never_share_backups(tmp_path: Path) -> None:
    write_demo(tmp_path / "trial.db").close()
    write_demo(tmp_path / "trial.sqlite").close()
    for _ in range(12):
        backup_database(tmp_path / "trial.sqlite", "manual")
    mine = backup_database(tmp_path / "trial.db", "manual")
    assert [b.path for b in list_backups(tmp_path / "trial.db")] == [mine]
    assert all(b.path.name.startswith("trial.sqlite--") for b in list_backups(tmp_path / "trial.sqlite"))
    rotate(tmp_path / "trial.sqlite")
    assert mine.exists()


def test_a_copy_of_another_study_under_the_same_name_is_not_offered(tmp_path: Path) -> None:
    write_demo(tmp_path / "trial.db").close()
    old = backup_database(tmp_path / "trial.db", "manual")
    os.unlink(tmp_path / "trial.db")
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"trial.db{suffix}").unlink(missing_ok=True)
    write_demo(tmp_path / "trial.db").close()  # another study, same file name
    assert old not in [b.path for b in list_backups(tmp_path / "trial.db")]


# --- 7: paths with # ? %41 ------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["Studie #3", "what?", "%41", "a%20b"])
def test_awkward_folder_names_work_and_leave_no_stray_files(tmp_path: Path, folder: str) -> None:
    where = tmp_path / folder
    where.mkdir()
    write_demo(where / "trial.db").close()
    db = open_database(where / "trial.db")
    db.close()
    assert verify_database(where / "trial.db").ok
    assert len(list_backups(where / "trial.db")) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]


# --- 8: read-only commands never upgrade; verify on a newer schema ---------------------------------

def test_read_only_commands_refuse_an_old_schema_and_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    before = _digest(path)
    runs = [casebook("export", "--db", path, "--out", tmp_path / "x.csv"),
            casebook("analyze", "--db", path, "--endpoint", "os"),
            casebook("import", FIXTURE.with_name("published_cohort.csv"), "--db", path, "--dry-run")]
    for result in runs:
        assert result.returncode != 0
        assert "older schema 0001" in result.stderr and "Open the database once" in result.stderr
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]
    with pytest.raises(DatabaseNeedsUpgrade):
        open_database(path, backup=False, upgrade_schema=False)


def test_verify_on_a_newer_schema_says_so_and_exits_non_zero(demo_db: Database) -> None:
    demo_db.close()
    conn = sqlite3.connect(demo_db.path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    result = casebook("verify", "--db", demo_db.path)
    assert result.returncode == 1
    assert "newer Casebook (schema 9999)" in result.stderr and "No problems found" not in result.stdout


# --- 14: who ----------------------------------------------------------------------------------------

def test_who_is_the_real_user_ids_account_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "mallory")
    assert os_user() == pwd.getpwuid(os.getuid()).pw_name != "mallory"
