"""Each integrity rule refuses impossible data with a message naming case, field and rule,
and leaves the database exactly as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from storage.database import Database
from storage.record.models import (
    Case,
    Complication,
    Death,
    DrugAdministration,
    Identity,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
)
from storage.record.rules import RecordRejected


def content_digest(db: Database) -> str:
    """A hash of every row of every case table, to prove that nothing changed."""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"))]
        for table in tables:
            for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def edit_case(db: Database, study_id: str, change: Callable[[Case], None]) -> None:
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.study_id == study_id)).one()
        change(case)


def p03_death_before_salvage(case: Case) -> None:
    assert case.death is not None
    case.death.death_date = dt.date(2017, 1, 1)


def add_assessment(blasts: float) -> Callable[[Case], None]:
    return lambda case: case.assessments.append(ResponseAssessment(assessed_on=dt.date(2017, 3, 1), blast_percent=blasts))


def add_complication(grade: int) -> Callable[[Case], None]:
    return lambda case: case.complications.append(Complication(term="fever", grade=grade, onset=dt.date(2017, 3, 1)))


def set_dose(dose: float) -> Callable[[Case], None]:
    def change(case: Case) -> None:
        case.courses[0].drugs[0].dose = dose

    return change


def event_after_death(case: Case) -> None:
    case.relapses.append(Relapse(relapse_date=dt.date(2017, 7, 1), site="marrow"))


def follow_up_after_death(case: Case) -> None:
    case.last_follow_up = dt.date(2018, 1, 1)


def diagnosis_before_birth(case: Case) -> None:
    case.initial_diagnosis_date = dt.date(2000, 1, 1)


def unknown_code(case: Case) -> None:
    case.diagnosis = "CML"


CASES = [
    ("P03", p03_death_before_salvage, "death.death_date", "date of death (2017-01-01) is before day 1 of salvage"),
    ("P03", add_assessment(101), "assessments[2].blast_percent", "blast % must be between 0 and 100"),
    ("P03", add_assessment(-1), "assessments[2].blast_percent", "blast % must be between 0 and 100"),
    ("P03", add_complication(6), "complications[1].grade", "CTCAE grade must be between 1 and 5"),
    ("P03", add_complication(0), "complications[1].grade", "CTCAE grade must be between 1 and 5"),
    ("P03", set_dose(0), "courses[0].drugs[0].dose", "dose must be greater than 0"),
    ("P03", set_dose(-40), "courses[0].drugs[0].dose", "dose must be greater than 0"),
    ("P03", event_after_death, "relapses[1].relapse_date", "is after the date of death"),
    ("P03", follow_up_after_death, "last_follow_up", "last follow-up (2018-01-01) is after the date of death"),
    ("P03", diagnosis_before_birth, "initial_diagnosis_date", "is before the date of birth"),
    ("P03", unknown_code, "diagnosis", "diagnosis must be one of ALL, AML, MPAL, T-LBL, other"),
]


@pytest.mark.parametrize(("study_id", "change", "field", "rule"), CASES, ids=[c[2] + ":" + c[3][:20] for c in CASES])
def test_rule_refuses_and_leaves_database_unchanged(
    demo_db: Database, study_id: str, change: Callable[[Case], None], field: str, rule: str
) -> None:
    before = content_digest(demo_db)
    with pytest.raises(RecordRejected) as refused:
        edit_case(demo_db, study_id, change)
    messages = [str(v) for v in refused.value.violations]
    assert any(v.study_id == study_id and v.field == field and rule in v.rule for v in refused.value.violations), messages
    assert str(refused.value).startswith(f"{study_id}: ")
    assert content_digest(demo_db) == before


def test_duplicate_study_id_is_refused(demo_db: Database) -> None:
    before = content_digest(demo_db)
    with pytest.raises(RecordRejected, match="study ID P01 already exists"), demo_db.session() as s:
        s.add(Case(study_id="P09"))
        s.add(Case(study_id="P01"))
    assert content_digest(demo_db) == before


def test_same_new_study_id_twice_in_one_action_is_refused(empty_db: Database) -> None:
    with pytest.raises(RecordRejected, match="used twice"), empty_db.session() as s:
        s.add_all([Case(study_id="X1"), Case(study_id="X1")])
    with empty_db.session() as s:
        assert s.scalars(select(Case)).all() == []


def test_blank_study_id_is_refused(empty_db: Database) -> None:
    with pytest.raises(RecordRejected, match="study ID is required"), empty_db.session() as s:
        s.add(Case(study_id="  "))


def test_incomplete_case_is_accepted(empty_db: Database) -> None:
    """Only the study ID is mandatory: retrospective collection fills a case in over weeks."""
    with empty_db.session() as s:
        s.add(Case(study_id="P09"))
    with empty_db.session() as s:
        assert s.scalars(select(Case.study_id)).all() == ["P09"]


def test_all_violations_of_a_case_are_reported_together(empty_db: Database) -> None:
    case = Case(study_id="P10", identity=Identity(birth_date=dt.date(2010, 1, 1)))
    course = SalvageCourse(course_number=1, start_date=dt.date(2018, 1, 1))
    course.drugs = [DrugAdministration(drug="melphalan", dose=0, unit="mg/m2")]
    case.courses = [course]
    case.death = Death(death_date=dt.date(2017, 12, 1), cause="disease")
    case.complications = [Complication(term="fever", grade=7)]
    with pytest.raises(RecordRejected) as refused, empty_db.session() as s:
        s.add(case)
    fields = {v.field for v in refused.value.violations}
    assert {"courses[0].drugs[0].dose", "death.death_date", "complications[0].grade"} <= fields
    with empty_db.session() as s:
        assert s.scalars(select(Case)).all() == []


def test_dead_patient_follow_up_equal_to_death_is_allowed(demo_db: Database) -> None:
    def same_day(case: Case) -> None:
        assert case.death is not None
        case.last_follow_up = case.death.death_date

    edit_case(demo_db, "P03", same_day)


def test_foreign_keys_are_enforced(demo_db: Database) -> None:
    with demo_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
