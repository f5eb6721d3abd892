"""Property: any cohort the rules accept, with several records of every kind, survives
export --long -> import into a new database -> export --long with identical files (CSV tables and XLSX sheets)."""

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
from storage.interchange.imports.importing import import_file
from storage.record import codes
from storage.record.models import (
    Case,
    Complication,
    CustomField,
    CustomValue,
    CytogeneticFinding,
    Death,
    DrugAdministration,
    Identity,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    SubsequentTherapy,
    Transplant,
)
from storage.record.rules import check_case

pytestmark = pytest.mark.slow
TODAY = dt.date.today()
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=16).map(str.strip).filter(bool)
tricky = st.one_of(text, st.sampled_from(["=1+1", "+49 30", "-", "@home", "'=x", "a,b;c\"d", "0012", "yes", "3,5"]))


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def code(values: dict[str, str]) -> st.SearchStrategy[str | None]:
    return maybe(st.sampled_from(list(values)))


@st.composite
def cases(draw: st.DrawFn, study_id: str, fields: list[CustomField]) -> Case:
    birth = draw(st.dates(dt.date(1990, 1, 1), dt.date(2012, 12, 31)))
    zero = birth + dt.timedelta(days=draw(st.integers(365, 365 * 10)))
    end = min(zero + dt.timedelta(days=draw(st.integers(30, 2000))), TODAY)

    def during() -> dt.date:
        return zero + dt.timedelta(days=draw(st.integers(0, (end - zero).days)))

    def floats(low: float, high: float) -> st.SearchStrategy[float | None]:
        return maybe(st.floats(low, high, allow_nan=False).map(lambda x: round(x, 3)))

    status = draw(code(codes.DISEASE_STATUS))
    case = Case(study_id=study_id, sex=draw(code(codes.SEX)), diagnosis=draw(code(codes.DIAGNOSIS)),
                subtype=draw(maybe(tricky)), disease_status=status, notes=draw(maybe(tricky)),
                relapse_number=draw(st.integers(1, 5)) if status == "relapse" else None,
                high_risk_cytogenetics=draw(maybe(st.booleans())),
                initial_diagnosis_date=draw(maybe(st.dates(birth, zero))))
    if draw(st.booleans()):
        case.identity = Identity(name=draw(maybe(tricky)), hospital_number=draw(maybe(text)), birth_date=birth)
    case.findings = [CytogeneticFinding(finding=f) for f in draw(st.lists(tricky, max_size=3))]
    case.prior_transplants = [PriorTransplant(transplant_date=draw(maybe(st.dates(birth, zero))),
                                              donor_type=draw(code(codes.DONOR)))
                              for _ in range(draw(st.integers(0, 2)))]
    numbers = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True))
    for i, number in enumerate(sorted(numbers)):
        course = SalvageCourse(course_number=number, start_date=zero if i == 0 else during(),
                               height_cm=draw(floats(30, 230)),
                               weight_kg=draw(floats(1, 250)))
        course.drugs = [DrugAdministration(drug=draw(st.sampled_from(["melphalan", "cytarabine", "Ara-C 2"])),
                                           dose=draw(maybe(st.floats(0.5, 500).map(lambda x: round(x, 2)))),
                                           unit=draw(code(codes.DOSE_UNIT)), doses=draw(maybe(st.integers(1, 10))),
                                           route=draw(code(codes.ROUTE)), dose_modification=draw(maybe(tricky)))
                        for _ in range(draw(st.integers(0, 3)))]
        case.courses.append(course)
    for _ in range(draw(st.integers(0, 3))):
        timing = draw(st.sampled_from(["pre", "post"]))
        case.assessments.append(ResponseAssessment(
            timing=timing, assessed_on=None if draw(st.booleans()) else zero if timing == "pre" else during(),
            specimen=draw(code(codes.SPECIMEN)), blast_percent=draw(floats(0, 100)),
            mrd_negative=draw(maybe(st.booleans())), mrd_method=draw(code(codes.MRD_METHOD)),
            response=draw(code(codes.RESPONSE)), note=draw(maybe(tricky))))
    for assessment in case.assessments:
        if assessment.mrd_negative is False or assessment.mrd_negative is None:
            assessment.mrd_percent = draw(floats(0, 100))
    case.transplants = [Transplant(transplant_date=during(), donor_type=draw(code(codes.DONOR)),
                                   transplant_number=draw(maybe(st.integers(1, 5))))
                        for _ in range(draw(st.integers(0, 2)))]
    case.complications = [Complication(term=draw(st.sampled_from(list(codes.COMPLICATION))),
                                       grade=draw(maybe(st.integers(1, 5))), onset=during(),
                                       intensive_care=draw(maybe(st.booleans())), description=draw(maybe(tricky)))
                          for _ in range(draw(st.integers(0, 3)))]
    for complication in case.complications:
        complication.resolved_on = complication.onset if draw(st.booleans()) else None
    case.subsequent_therapies = [SubsequentTherapy(therapy=draw(tricky), start_date=during())
                                 for _ in range(draw(st.integers(0, 2)))]
    case.relapses = [Relapse(relapse_date=during(), site=draw(code(codes.RELAPSE_SITE)), note=draw(maybe(tricky)))
                     for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        case.death = Death(death_date=end, cause=draw(code(codes.DEATH_CAUSE)), cause_detail=draw(maybe(text)))
    else:
        case.last_follow_up_status = draw(code(codes.FOLLOW_UP_STATUS))
    case.last_follow_up = end
    number, when, choice = fields
    if draw(st.booleans()):
        case.custom_values.append(CustomValue(field=number, value=str(draw(st.integers(-5, 500)))))
    if draw(st.booleans()):
        case.custom_values.append(CustomValue(field=when, value=during().isoformat()))
    if draw(st.booleans()):
        case.custom_values.append(CustomValue(field=choice, value=draw(st.sampled_from(["low", "high"]))))
    assert check_case(case) == [], check_case(case)
    return case


@st.composite
def cohorts(draw: st.DrawFn) -> list[Case]:
    ids = draw(st.lists(st.from_regex(r"[A-Z][A-Za-z0-9-]{0,8}", fullmatch=True), min_size=1, max_size=5,
                        unique_by=str.lower))
    fields = [CustomField(name="ldh", kind="number"), CustomField(name="echo date", kind="date"),
              CustomField(name="risk", kind="choice", choices="high\nlow")]
    return [draw(cases(sid, fields)) for sid in ids]


@pytest.fixture(scope="module")
def blank_db() -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blank.db"
        create_database(path).close()
        yield path


def _long(db: Any, out: Path, fmt: str) -> None:
    with db.session() as session:
        export_database(session, out, ExportOptions(fmt=fmt, long=True))


def _content(out: Path, fmt: str) -> Any:
    if fmt == "csv":
        return {p.name: p.read_text("utf-8-sig") for p in sorted(out.glob("*.csv"))}
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    try:
        return {n: list(book[n].iter_rows(values_only=True)) for n in book.sheetnames if n != "about"}
    finally:
        book.close()


def round_trip(blank: Path, cohort: list[Case], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copy(blank, work / "a.db")
        shutil.copy(blank, work / "b.db")
        source = open_database(work / "a.db", backup=False)
        with source.session() as session:
            session.add_all(cohort)
        first = work / ("first" if fmt == "csv" else "first.xlsx")
        _long(source, first, fmt)
        source.close()
        target = open_database(work / "b.db", backup=False)
        report = import_file(target, first)
        assert report.written, [str(p) for p in report.problems]
        second = work / ("second" if fmt == "csv" else "second.xlsx")
        _long(target, second, fmt)
        target.close()
        assert _content(first, fmt) == _content(second, fmt)


@settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=cohorts())
def test_long_csv_round_trip(blank_db: Path, cohort: list[Case]) -> None:
    round_trip(blank_db, cohort, "csv")


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=cohorts())
def test_long_xlsx_round_trip(blank_db: Path, cohort: list[Case]) -> None:
    round_trip(blank_db, cohort, "xlsx")
