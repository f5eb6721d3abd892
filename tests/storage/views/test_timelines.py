"""Timelines of the demo cohort: every dated fact, where it is stored, loaded without per-case queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select, text

from storage.database import Database
from storage.generated.demo import write_demo
from storage.record.models import Case, Relapse, SalvageCourse
from storage.views import timelines as tl
from storage.views.timelines import CaseTimeline, load_timelines

MONTH = 30.4375


def _load(db: Database, case_ids: list[int] | None = None) -> dict[str, CaseTimeline]:
    with db.session() as session:
        return {t.study_id: t for t in load_timelines(session, case_ids)}


@contextmanager
def _counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_demo_cohort_gives_eight_timelines_in_study_id_order(demo_db: Database) -> None:
    with demo_db.session() as session:
        ids = [t.study_id for t in load_timelines(session)]
    assert ids == [f"P0{i}" for i in range(1, 9)]


def test_p02_is_alive_in_remission_after_75_months(demo_db: Database) -> None:
    p02 = _load(demo_db)["P02"]
    assert p02.alive and p02.death_cause is None
    assert p02.time_zero == dt.date(2015, 6, 15)
    assert p02.end_of_observation == dt.date(2021, 9, 14)
    assert round((p02.observed_days or 0) / MONTH, 1) == 75.0
    assert p02.follow_up_status == "remission"
    assert p02.of_kind(tl.LAST_FOLLOW_UP)[0].record == tl.RecordRef("cases", p02.case_id)


def test_deaths_carry_cause_and_end_observation(demo_db: Database) -> None:
    timelines = _load(demo_db)
    dead = {sid: t.death_cause for sid, t in timelines.items() if not t.alive}
    assert dead == {"P01": "therapy", "P03": "disease", "P04": "therapy", "P05": "disease",
                    "P07": "disease", "P08": "disease"}
    p04 = timelines["P04"]
    (death,) = p04.of_kind(tl.DEATH)
    assert death.date == p04.end_of_observation
    assert (death.date - (p04.time_zero or death.date)).days == 366  # the 1-year OS of the article
    assert "therapy-related" in death.label and "sepsis" in death.detail
    assert not p04.of_kind(tl.LAST_FOLLOW_UP)  # death ends observation; no second end marker


def test_events_are_sorted_and_begin_at_initial_diagnosis(demo_db: Database) -> None:
    for timeline in _load(demo_db).values():
        dates = [e.date for e in timeline.events]
        assert dates == sorted(dates)
        assert timeline.events[0].kind == tl.DIAGNOSIS
        assert timeline.events[0].date == timeline.diagnosis_date


def test_every_event_points_at_an_existing_record_of_its_case(demo_db: Database) -> None:
    timelines = _load(demo_db)
    with demo_db.session() as session:
        for timeline in timelines.values():
            for ev in timeline.events:
                column = "id" if ev.record.table == "cases" else "case_id"
                owner = session.execute(
                    text(f"SELECT {column} FROM {ev.record.table} WHERE id = :id"), {"id": ev.record.record_id}
                ).scalar_one()
                assert owner == timeline.case_id, (timeline.study_id, ev)


def test_event_counts_of_the_cohort(demo_db: Database) -> None:
    timelines = list(_load(demo_db).values())

    def total(kind: str) -> int:
        return sum(len(t.of_kind(kind)) for t in timelines)

    assert total(tl.PRIOR_TRANSPLANT) == 4
    assert total(tl.SALVAGE_COURSE) == 8
    assert total(tl.TRANSPLANT) == 6  # P02 was transplanted twice
    assert total(tl.RELAPSE) == 3
    assert total(tl.DEATH) == 6
    assert total(tl.COMPLICATION) == 8
    assert total(tl.ASSESSMENT) == 19


def test_salvage_course_bar_runs_to_the_response_assessment(demo_db: Database) -> None:
    p01 = _load(demo_db)["P01"]
    (course,) = p01.of_kind(tl.SALVAGE_COURSE)
    assert course.date == p01.time_zero == dt.date(2016, 3, 7)
    assert course.end_date == dt.date(2016, 4, 4)
    assert "melphalan 1 × 40 mg/m²" in course.detail
    assert course.record.table == "salvage_courses"


def test_complication_keeps_grade_and_resolution(demo_db: Database) -> None:
    p01 = _load(demo_db)["P01"]
    grades = {e.label: (e.grade, e.end_date) for e in p01.of_kind(tl.COMPLICATION)}
    assert grades["hepatotoxicity"] == (3, dt.date(2016, 3, 27))
    assert grades["invasive fungal infection"] == (5, None)


def test_assessments_show_blasts_and_mrd(demo_db: Database) -> None:
    timelines = _load(demo_db)
    p05_pre = timelines["P05"].of_kind(tl.ASSESSMENT)[0]
    assert "blasts 85%" in p05_pre.detail and p05_pre.label == "assessment before salvage"
    p06_post = timelines["P06"].of_kind(tl.ASSESSMENT)[1]
    assert "MRD 4%" in p06_post.detail and p06_post.response == "NR"


def test_best_response_and_first_remission(demo_db: Database) -> None:
    timelines = _load(demo_db)
    assert sum(t.best_response == "CR" for t in timelines.values()) == 5
    assert timelines["P05"].best_response == "NR"
    first = timelines["P01"].first_remission
    assert first is not None and first.date == dt.date(2016, 4, 4)
    assert timelines["P06"].first_remission is None


def test_best_response_override_wins(demo_db: Database) -> None:
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P05")).one()
        case.best_response_override = "PR"
        case.best_response_override_reason = "test"
    assert _load(demo_db)["P05"].best_response == "PR"


def test_case_ids_restrict_the_result(demo_db: Database) -> None:
    with demo_db.session() as session:
        p03 = session.scalars(select(Case.id).where(Case.study_id == "P03")).one()
    only = _load(demo_db, [p03])
    assert list(only) == ["P03"]
    assert {e.record.record_id for e in only["P03"].of_kind(tl.DEATH)} == {2}


def test_one_query_per_table_however_many_cases(demo_db: Database) -> None:
    with _counting(demo_db) as eight:
        _load(demo_db)
    with demo_db.session() as session:
        for i in range(30):
            case = Case(study_id=f"X{i:02d}", last_follow_up=dt.date(2020, 1, 1))
            case.courses = [SalvageCourse(course_number=1, start_date=dt.date(2019, 1, 1))]
            session.add(case)
    with _counting(demo_db) as thirty_eight:
        assert len(_load(demo_db)) == 38
    assert len(eight) == len(thirty_eight) <= 11


def test_undated_facts_are_listed_not_dropped(empty_db: Database) -> None:
    with empty_db.session() as session:
        case = Case(study_id="N01")
        case.relapses = [Relapse(relapse_date=None, site="marrow")]
        session.add(case)
    (timeline,) = _load(empty_db).values()
    assert timeline.events == ()
    assert timeline.time_zero is None and timeline.observed_days is None
    assert "relapse" in timeline.undated and "last follow-up" in timeline.undated


def test_demo_written_twice_gives_identical_timelines(tmp_path: object) -> None:
    from pathlib import Path

    base = Path(str(tmp_path))
    first, second = write_demo(base / "a.db"), write_demo(base / "b.db")
    try:
        assert list(_load(first).values()) == list(_load(second).values())
    finally:
        first.close()
        second.close()


def test_limit_gives_the_first_cases_by_study_id(demo_db: Database) -> None:
    with demo_db.session() as session:
        assert tl.count_cases(session) == 8
        assert [t.study_id for t in load_timelines(session, limit=3)] == ["P01", "P02", "P03"]
        ids = list(session.scalars(select(Case.id).where(Case.study_id.in_(["P08", "P05", "P06"]))))
        assert [t.study_id for t in load_timelines(session, ids, limit=2)] == ["P05", "P06"]


def test_assessment_findings_for_the_figure(demo_db: Database) -> None:
    timelines = _load(demo_db)
    assert [a.finding for a in timelines["P01"].of_kind(tl.ASSESSMENT)] == ["13%", None, "MRD neg."]
    assert [a.finding for a in timelines["P08"].of_kind(tl.ASSESSMENT)] == ["MRD 0.4%", "6%"]
