"""The demo cohort: the eight published cases, reconstructed with plausible dates.

The data ships in resources/demo/demo_cohort.json as time zero plus day offsets, so that the
reconstruction is visible: each offset was chosen to reproduce a published month figure.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from resources import resource_path
from storage.database import Database, DatabaseError, create_database
from storage.record.models import (
    Case,
    Complication,
    CytogeneticFinding,
    Death,
    DrugAdministration,
    Identity,
    PriorTransplant,
    Relapse,
    ResponseAssessment,
    SalvageCourse,
    StudyInfo,
    SubsequentTherapy,
    Transplant,
)

DEMO_FILE = resource_path("demo", "demo_cohort.json")
FICTITIOUS_NAMES = ("Anna Muster", "Ben Beispiel", "Clara Probe", "Dora Demo",
                    "Emil Exempel", "Frieda Fiktiv", "Gustav Gedacht", "Hanna Hypothese")


def demo_cases() -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["cases"]
    return cases


def _case_from(raw: dict[str, Any], index: int) -> Case:
    zero = dt.date.fromisoformat(raw["time_zero"])

    def day(offset: int | None) -> dt.date | None:
        return None if offset is None else zero + dt.timedelta(days=offset)

    case = Case(
        study_id=raw["study_id"], sex=raw["sex"], diagnosis=raw["diagnosis"], subtype=raw["subtype"],
        initial_diagnosis_date=day(raw["diagnosis_offset"]), high_risk_cytogenetics=raw["high_risk"],
        disease_status=raw["status"], relapse_number=raw["relapse_number"], notes=raw["notes"],
    )
    case.identity = Identity(
        name=FICTITIOUS_NAMES[index], hospital_number=f"DEMO-{index + 1:04d}",
        birth_date=zero - dt.timedelta(days=raw["age_days"]),
    )
    case.findings = [CytogeneticFinding(finding=f) for f in raw["findings"]]
    case.prior_transplants = [
        PriorTransplant(transplant_date=day(t["offset"]), donor_type=t["donor"]) for t in raw["prior_transplants"]
    ]
    course = SalvageCourse(course_number=1, start_date=zero)
    course.drugs = [
        DrugAdministration(drug=d, dose=dose, unit=unit, doses=n, route=route, dose_modification=why)
        for d, dose, unit, n, route, why in raw["drugs"]
    ]
    case.courses = [course]
    case.assessments = [
        ResponseAssessment(
            assessed_on=day(a["offset"]), timing=a["timing"], specimen=a["specimen"],
            blast_percent=a.get("blast"), mrd_percent=a.get("mrd"), mrd_negative=a.get("mrd_negative"),
            response=a.get("response"), note=a.get("note"),
        )
        for a in raw["assessments"]
    ]
    case.transplants = [
        Transplant(transplant_date=day(t["offset"]), donor_type=t["donor"], transplant_number=t["number"])
        for t in raw["transplants"]
    ]
    case.complications = [
        Complication(term=c["term"], grade=c["grade"], onset=day(c["onset"]), resolved_on=day(c["resolved"]),
                     intensive_care=c["icu"], description=c["description"])
        for c in raw["complications"]
    ]
    case.subsequent_therapies = [
        SubsequentTherapy(therapy=name, start_date=day(start), end_date=day(end))
        for name, start, end in raw["subsequent"]
    ]
    case.relapses = [Relapse(relapse_date=day(r["offset"]), site=r["site"], note=r["note"]) for r in raw["relapses"]]
    if raw["death"]:
        death = raw["death"]
        case.death = Death(death_date=day(death["offset"]), cause=death["cause"], cause_detail=death["detail"])
        case.last_follow_up = case.death.death_date
    else:
        case.last_follow_up = day(raw["follow_up"]["offset"])
        case.last_follow_up_status = raw["follow_up"]["status"]
    return case


def add_demo_cases(session: Session) -> list[Case]:
    about = json.loads(DEMO_FILE.read_text(encoding="utf-8"))["about"]
    cases = [_case_from(raw, i) for i, raw in enumerate(demo_cases())]
    session.add_all(cases)
    session.add(StudyInfo(key="title", value="Melphalan + cytarabine salvage in relapsed/refractory pediatric acute leukemia"))
    session.add(StudyInfo(key="reconstructed_demo", value=about))
    return cases


def write_demo(path: Path, passphrase: str | None = None) -> Database:
    """Create a new database holding the demo cohort (encrypted with ``passphrase`` if given).

    Refuses an existing file and changes nothing."""
    path = Path(path)
    if path.exists():
        raise DatabaseError(f"{path} already exists; the demo is only written into a new file.")
    db = create_database(path, passphrase)
    try:
        with db.session() as session:
            add_demo_cases(session)
    except Exception:
        db.close()
        path.unlink(missing_ok=True)
        raise
    return db
