"""Points 9-12 of issue 14: impossible data is refused on every path, and verify re-checks every rule."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, update

from storage.database import Database
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case, CustomField, CustomValue, ResponseAssessment, SalvageCourse
from storage.record.rules import RecordRejected
from storage.safety.verification import verify_database
from tests.storage.interchange.test_import_flat_template import write_csv


def _p01(session: object) -> Case:
    return session.scalars(select(Case).where(Case.study_id == "P01")).one()  # type: ignore[attr-defined]


# --- 9: study IDs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sid, char", [("\u042001", "CYRILLIC CAPITAL LETTER ER"), ("\u03a101", "GREEK CAPITAL LETTER RHO"),
                                       ("P0\u0661", "ARABIC-INDIC DIGIT ONE")])
def test_a_look_alike_letter_in_a_study_id_is_refused_naming_it(demo_db: Database, sid: str, char: str) -> None:
    with pytest.raises(RecordRejected, match=char), demo_db.session() as session:
        session.add(Case(study_id=sid))


def test_update_existing_with_a_cyrillic_id_creates_no_second_case(demo_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [{"study_id": "\u042001", "subtype": "T-ALL"}])
    report = import_file(demo_db, path, ImportOptions(update_existing=True))
    assert not report.written and report.problems
    assert "CYRILLIC CAPITAL LETTER ER" in str(report.problems[0])
    with demo_db.session() as session:
        assert len(session.scalars(select(Case)).all()) == 8


@pytest.mark.parametrize("sid, rule", [("P" + "1" * 32, "too long"), ("P01\nP02", "one line"),
                                       ("P01\u2028X", "one line")])
def test_long_or_multi_line_study_ids_are_refused(empty_db: Database, sid: str, rule: str) -> None:
    with pytest.raises(RecordRejected, match=rule), empty_db.session() as session:
        session.add(Case(study_id=sid))


def test_a_32_character_latin_id_with_punctuation_is_fine(empty_db: Database) -> None:
    with empty_db.session() as session:
        session.add(Case(study_id="AML-2019/07_" + "9" * 20))


# --- 10: assessments before salvage are date-checked ------------------------------------------------

@pytest.mark.parametrize("day, rule", [(dt.date(2099, 1, 1), "in the future"), (dt.date(1901, 1, 1), "before the date of birth"),
                                       (dt.date(1899, 5, 5), "before 1900")])
def test_a_pre_salvage_assessment_gets_its_date_checked(demo_db: Database, day: dt.date, rule: str) -> None:
    with pytest.raises(RecordRejected, match=rule), demo_db.session() as session:
        case = _p01(session)
        case.assessments.append(ResponseAssessment(timing="pre", assessed_on=day))


def test_a_pre_salvage_assessment_after_death_is_refused(demo_db: Database) -> None:
    with demo_db.session() as session:
        dead = next(c for c in session.scalars(select(Case)) if c.death and c.death.death_date)
        sid, death = dead.study_id, dead.death.death_date  # type: ignore[union-attr]
    with pytest.raises(RecordRejected, match="after the date of death"), demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == sid)).one()
        case.assessments.append(ResponseAssessment(timing="pre", assessed_on=death + dt.timedelta(days=1)))


# --- 11: numbers finite, dates plausible, custom fields included -------------------------------------

@pytest.mark.parametrize("value", [float("inf"), float("nan"), float("-inf")])
def test_a_dose_or_weight_of_infinity_or_nan_is_refused(demo_db: Database, value: float) -> None:
    with pytest.raises(RecordRejected, match="finite number"), demo_db.session() as session:
        course = _p01(session).courses[0]
        course.drugs[0].dose = value
    with pytest.raises(RecordRejected, match="finite number"), demo_db.session() as session:
        _p01(session).courses[0].weight_kg = value


@pytest.mark.parametrize("kind, value, rule", [("number", "nan", "finite"), ("number", "inf", "finite"),
                                               ("number", "1e999", "finite"), ("date", "0001-01-01", "before 1900"),
                                               ("date", "2999-01-01", "in the future")])
def test_custom_fields_refuse_impossible_numbers_and_dates(demo_db: Database, kind: str, value: str,
                                                           rule: str) -> None:
    with pytest.raises(RecordRejected, match=rule), demo_db.session() as session:
        case = _p01(session)
        case.custom_values.append(CustomValue(field=CustomField(name="x", kind=kind), value=value))


def test_a_custom_date_after_death_is_refused(demo_db: Database) -> None:
    with demo_db.session() as session:
        dead = next(c for c in session.scalars(select(Case)) if c.death and c.death.death_date)
        assert dead.death is not None and dead.death.death_date is not None
        later = (dead.death.death_date + dt.timedelta(days=3)).isoformat()
        sid = dead.study_id
    with pytest.raises(RecordRejected, match="after the date of death"), demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == sid)).one()
        case.custom_values.append(CustomValue(field=CustomField(name="echo", kind="date"), value=later))


# --- 12: verify re-checks every rule however the data got in ----------------------------------------

def test_verify_reports_each_rule_broken_by_writes_that_bypass_the_orm(demo_db: Database) -> None:
    with demo_db.session() as session:  # Core update: no flush, so no rule ran
        session.execute(update(SalvageCourse).where(SalvageCourse.course_number == 1).values(weight_kg=900.0))
    conn = sqlite3.connect(demo_db.path)
    conn.execute("UPDATE cases SET study_id = '\u042001', sex = 'x' WHERE study_id = 'P02'")
    conn.commit()
    conn.close()
    report = verify_database(demo_db.path)
    broken = [p for p in report.problems if p.startswith("rule broken:")]
    assert "rule broken: P01: courses[0].weight_kg: weight (kg) must be between 1 and 250 (got 900)" in broken
    assert any("\u042001: sex: sex must be one of" in p for p in broken)
    assert any("\u042001: study_id:" in p and "CYRILLIC" in p for p in broken)
    assert len([p for p in broken if "weight_kg" in p]) == 8


def test_verify_says_it_checked_the_rules(demo_db: Database) -> None:
    report = verify_database(demo_db.path)
    assert report.ok and "Integrity rules: every rule re-checked on all 8 cases, none broken" in report.facts
