"""Points 15-16 of issue 14: identifying values never in clear in the trail; undo and redo marked as such."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from sqlalchemy import select

from storage.database import Database
from storage.record.models import Case, Identity, StudyInfo
from storage.safety.audit import EVENT_KEY, REASON_KEY, SALT_PREFIX, identity_digest

NAME, MRN, BIRTH = "Anna Secretname", "99887766", dt.date(1987, 6, 5)


def _trail_text(db: Database) -> str:
    conn = sqlite3.connect(db.path)
    rows = conn.execute("SELECT old_value, new_value FROM audit_log").fetchall()
    conn.close()
    return "\n".join(str(v) for row in rows for v in row)


def test_the_trail_holds_no_name_number_or_birth_date_in_clear(empty_db: Database) -> None:
    with empty_db.session() as session:
        session.add(Case(study_id="P01", identity=Identity(name=NAME, hospital_number=MRN, birth_date=BIRTH)))
    with empty_db.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.identity is not None
        case.identity.name = "Anna Othername"
        case.identity.hospital_number = "11223344"
    text = _trail_text(empty_db)
    for secret in (NAME, MRN, BIRTH.isoformat(), "Othername", "11223344"):
        assert secret not in text
    with empty_db.session() as session:  # the salted hash proves what the value was, while the case exists
        case = session.scalars(select(Case)).one()
        salt = session.get(StudyInfo, f"{SALT_PREFIX}{case.id}")
        assert salt is not None
        created = json.loads(next(line for line in text.split("\n")
                                  if "salted-sha256" in line and line.startswith("{")))
        assert created["name"] == identity_digest(salt.value, NAME)
        assert created["birth_date"] == identity_digest(salt.value, BIRTH.isoformat())


def test_deleting_the_patient_erases_the_salt_so_the_hashes_prove_nothing(empty_db: Database) -> None:
    with empty_db.session() as session:
        session.add(Case(study_id="P01", identity=Identity(name=NAME, hospital_number=MRN, birth_date=BIRTH)))
    with empty_db.session() as session:
        session.delete(session.scalars(select(Case)).one())
    text = _trail_text(empty_db)
    assert NAME not in text and MRN not in text and BIRTH.isoformat() not in text
    with empty_db.session() as session:
        assert [k for k in session.scalars(select(StudyInfo.key)) if k.startswith(SALT_PREFIX)] == []


def test_undo_and_redo_are_recorded_as_such_with_the_reason(empty_db: Database) -> None:
    with empty_db.session() as session:
        session.add(Case(study_id="P01", notes="a"))
    for kind in ("undo", "redo"):
        with empty_db.session() as session:
            session.info[EVENT_KEY] = kind
            session.info[REASON_KEY] = "typo"
            case = session.scalars(select(Case)).one()
            case.notes = "b" if kind == "undo" else "c"
    conn = sqlite3.connect(empty_db.path)
    reasons = [r[0] for r in conn.execute("SELECT reason FROM audit_log WHERE action='update' ORDER BY id")]
    conn.close()
    assert reasons == ["undo: typo", "redo: typo"]
