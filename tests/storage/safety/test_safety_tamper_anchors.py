"""Point 13 of issue 14: tampering that keeps the hash chain consistent is caught by anchors outside the file,
by the creating entries of every record, and by every table's values against the trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.record.models import Case
from storage.safety.anchors import journal_path
from storage.safety.audit import CONTENT_FIELDS, GENESIS, entry_hash
from storage.safety.backup import backup_database
from storage.safety.verification import verify_database


@pytest.fixture(autouse=True)
def own_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBOOK_DATA_DIR", str(tmp_path / "user-data"))


def _rehash(conn: sqlite3.Connection) -> None:
    """What a knowing attacker does after editing the trail: renumber and rehash every entry consistently."""
    rows = conn.execute(f"SELECT {', '.join(CONTENT_FIELDS)} FROM audit_log ORDER BY id").fetchall()
    conn.execute("DELETE FROM audit_log")
    prev = GENESIS
    for number, content in enumerate(rows, start=1):
        digest = entry_hash(prev, list(content))
        conn.execute(f"INSERT INTO audit_log (id, {', '.join(CONTENT_FIELDS)}, prev_hash, hash) "
                     f"VALUES (?, {', '.join('?' * len(CONTENT_FIELDS))}, ?, ?)", (number, *content, prev, digest))
        prev = digest


def _tamper(db: Database, *statements: str, rehash: bool = True) -> None:
    db.close()
    conn = sqlite3.connect(db.path)
    triggers = conn.execute("SELECT sql FROM sqlite_master WHERE type='trigger'").fetchall()
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    if rehash:
        _rehash(conn)
    for (sql,) in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _problems(db: Database) -> list[str]:
    report = verify_database(db.path)
    return report.problems


def test_a_clean_database_passes_and_verify_names_the_anchors_it_checked(demo_db: Database, tmp_path: Path) -> None:
    backup_database(demo_db.path, "manual")
    with demo_db.session() as session:
        result = export_database(session, tmp_path / "a.csv", ExportOptions())
    assert any(line.startswith("Audit trail head: entry ") for line in result.about)
    report = verify_database(demo_db.path)
    assert report.ok, report.problems
    anchors = next(f for f in report.facts if f.startswith("Audit trail anchors"))
    assert "1 backup(s)" in anchors and "all match the trail" in anchors and str(journal_path()) in anchors
    assert any(f.startswith("Creation entries: all") for f in report.facts)


def test_a_deleted_and_rehashed_entry_is_caught_by_the_anchors(demo_db: Database) -> None:
    _tamper(demo_db, "DELETE FROM audit_log WHERE id = 5")
    assert any("with another hash: the trail was rewritten" in p or "no longer holds" in p for p in _problems(demo_db))


def test_an_appended_forged_entry_is_caught(demo_db: Database) -> None:
    _tamper(demo_db, "INSERT INTO audit_log (at, os_user, action, table_name, record_id, study_id, field, old_value, "
                     "new_value, reason, prev_hash, hash) SELECT at, 'mallory', 'update', 'cases', 1, 'P01', "
                     "'notes', NULL, 'forged', NULL, '', '' FROM audit_log WHERE id = 1")
    assert any("are not anchored in the journal" in p for p in _problems(demo_db))


def test_the_newest_entries_removed_with_their_case_are_caught(demo_db: Database) -> None:
    with demo_db.session() as session:
        session.add(Case(study_id="P99"))
    newest = sqlite3.connect(demo_db.path).execute("SELECT max(id) FROM audit_log").fetchone()[0]
    _tamper(demo_db, "DELETE FROM cases WHERE study_id = 'P99'", f"DELETE FROM audit_log WHERE id = {newest}",
            rehash=False)
    assert any(f"records entry {newest}, which the trail no longer holds" in p for p in _problems(demo_db))


def test_a_case_inserted_by_sql_has_no_creating_entry(demo_db: Database) -> None:
    demo_db.close()
    conn = sqlite3.connect(demo_db.path)
    conn.execute("INSERT INTO cases (study_id) VALUES ('P77')")
    conn.execute("INSERT INTO relapses (case_id, relapse_date) SELECT id, '2020-01-01' FROM cases WHERE study_id='P01'")
    conn.commit()
    conn.close()
    problems = _problems(demo_db)
    assert any(p.startswith("1 record(s) of cases have no audit entry that created them") for p in problems)
    assert any(p.startswith("1 record(s) of relapses have no audit entry") for p in problems)


def test_values_changed_by_sql_in_any_table_are_caught(demo_db: Database) -> None:
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P01")).one()
        course_id = case.courses[0].id
        assert case.identity is not None
        identity_id = case.identity.id
    demo_db.close()
    conn = sqlite3.connect(demo_db.path)
    conn.execute(f"UPDATE salvage_courses SET weight_kg = 12.5 WHERE id = {course_id}")
    conn.execute(f"UPDATE identities SET name = 'Someone Else' WHERE id = {identity_id}")
    conn.commit()
    conn.close()
    problem = next(p for p in _problems(demo_db) if "record value(s) differ" in p)
    assert f"salvage_courses {course_id} weight_kg" in problem and f"identities {identity_id} name" in problem


def test_a_restore_is_not_mistaken_for_tampering(demo_db: Database) -> None:
    from storage.safety.backup import restore_backup

    early = backup_database(demo_db.path, "manual")
    with demo_db.session() as session:
        session.add(Case(study_id="P60"))
    backup_database(demo_db.path, "manual")
    demo_db.close()
    restore_backup(early, demo_db.path)
    report = verify_database(demo_db.path)
    assert report.ok, report.problems
    assert any("belong to the trail it replaced" in f for f in report.facts)
