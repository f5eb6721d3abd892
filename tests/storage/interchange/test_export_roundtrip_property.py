"""Property: any cohort the rules accept survives export -> import -> export unchanged."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.database import create_database, open_database
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record import codes
from storage.record.models import (
    Case,
    CustomField,
    CustomValue,
    CytogeneticFinding,
    Death,
    Identity,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    Transplant,
)
from storage.record.rules import check_case

pytestmark = pytest.mark.slow
TODAY = dt.date.today()
text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="|"), min_size=1,
               max_size=24).map(str.strip).filter(bool)
tricky = st.one_of(text, st.sampled_from(["=1+1", "+49 30", "-", "@home", "'=x", "a,b;c\"d", "0012", "yes"]))


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def code(values: dict[str, str]) -> st.SearchStrategy[str | None]:
    return maybe(st.sampled_from(list(values)))


@st.composite
def cases(draw: st.DrawFn, study_id: str, fields: list[CustomField]) -> Case:
    birth = draw(st.dates(dt.date(1990, 1, 1), dt.date(2012, 12, 31)))
    zero = birth + dt.timedelta(days=draw(st.integers(365, 365 * 12)))

    def after(start: dt.date, most: int = 900) -> dt.date:
        return min(start + dt.timedelta(days=draw(st.integers(0, most))), TODAY)

    status = draw(code(codes.DISEASE_STATUS))
    case = Case(study_id=study_id, sex=draw(code(codes.SEX)), diagnosis=draw(code(codes.DIAGNOSIS)),
                subtype=draw(maybe(tricky)), disease_status=status, notes=draw(maybe(tricky)),
                relapse_number=draw(st.integers(1, 5)) if status == "relapse" else None,
                prior_regimens=draw(maybe(st.integers(0, 50))), prior_therapies=draw(maybe(text)),
                high_risk_cytogenetics=draw(maybe(st.booleans())),
                initial_diagnosis_date=draw(maybe(st.dates(birth, zero))))
    case.identity = Identity(name=draw(maybe(tricky)), hospital_number=draw(maybe(text)), birth_date=birth)
    case.findings = [CytogeneticFinding(finding=f) for f in draw(st.lists(text, max_size=3))]
    prior = draw(st.integers(0, 2))
    case.prior_transplants = [PriorTransplant(transplant_date=draw(maybe(st.dates(birth, zero)))) for _ in range(prior)]
    case.courses = [SalvageCourse(course_number=1, start_date=zero,
                                  height_cm=draw(maybe(st.floats(30, 230))), weight_kg=draw(maybe(st.floats(1, 250))))]
    if draw(st.booleans()):
        case.assessments.append(ResponseAssessment(timing="pre", specimen="BM",
                                                   blast_percent=draw(st.floats(0, 100))))
    if draw(st.booleans()):
        case.assessments.append(ResponseAssessment(timing="post", response=draw(st.sampled_from(list(codes.RESPONSE))),
                                                   assessed_on=after(zero, 60)))
    if draw(st.booleans()):
        case.best_response_override = draw(st.sampled_from(list(codes.RESPONSE)))
        case.best_response_override_reason = draw(text)
    last = after(zero)
    if draw(st.booleans()):
        case.transplants = [Transplant(transplant_number=1, transplant_date=after(zero, 200),
                                       donor_type=draw(code(codes.DONOR)))]
    if draw(st.booleans()):
        case.relapses = [Relapse(relapse_date=after(zero), site=draw(code(codes.RELAPSE_SITE)))]
    events = [d for d in (last, *(t.transplant_date for t in case.transplants),
                          *(r.relapse_date for r in case.relapses), *(a.assessed_on for a in case.assessments)) if d]
    if draw(st.booleans()):
        case.death = Death(death_date=max(events), cause=draw(code(codes.DEATH_CAUSE)), cause_detail=draw(maybe(text)))
        case.last_follow_up = case.death.death_date
    else:
        case.last_follow_up = max(events)
        case.last_follow_up_status = draw(code(codes.FOLLOW_UP_STATUS))
    number, when = fields
    if draw(st.booleans()):
        case.custom_values.append(CustomValue(field=number, value=str(draw(st.integers(-5, 500)))))
    if draw(st.booleans()):
        latest = case.death.death_date if case.death and case.death.death_date else TODAY  # never after death
        case.custom_values.append(CustomValue(field=when, value=draw(st.dates(birth, latest)).isoformat()))
    assert check_case(case) == [], check_case(case)
    return case


@st.composite
def cohorts(draw: st.DrawFn) -> list[Case]:
    ids = draw(st.lists(st.from_regex(r"[A-Z][A-Za-z0-9-]{0,8}", fullmatch=True), min_size=1, max_size=6,
                        unique_by=str.lower))
    fields = [CustomField(name="ldh", kind="number"), CustomField(name="echo date", kind="date")]
    return [draw(cases(sid, fields)) for sid in ids]


@pytest.fixture(scope="module")
def blank_db() -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blank.db"
        create_database(path).close()
        yield path


def round_trip(blank: Path, cohort: list[Case], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copy(blank, work / "a.db")
        shutil.copy(blank, work / "b.db")
        source = open_database(work / "a.db", backup=False)
        with source.session() as session:
            session.add_all(cohort)
        with source.session() as session:
            export_database(session, work / f"first.{fmt}", ExportOptions(fmt=fmt))
        source.close()
        target = open_database(work / "b.db", backup=False)
        report = import_file(target, work / f"first.{fmt}", ImportOptions(add_fields=True))
        assert report.written, [str(p) for p in report.problems]
        with target.session() as session:
            export_database(session, work / f"second.{fmt}", ExportOptions(fmt=fmt))
        target.close()
        if fmt == "csv":
            assert (work / "first.csv").read_text("utf-8-sig") == (work / "second.csv").read_text("utf-8-sig")
        else:
            from openpyxl import load_workbook

            first, second = (list(load_workbook(work / f"{n}.xlsx")["cases"].iter_rows(values_only=True))
                             for n in ("first", "second"))
            assert first == second


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=cohorts())
def test_csv_round_trip(blank_db: Path, cohort: list[Case]) -> None:
    round_trip(blank_db, cohort, "csv")


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=cohorts())
def test_xlsx_round_trip(blank_db: Path, cohort: list[Case]) -> None:
    round_trip(blank_db, cohort, "xlsx")
