"""Seeded synthetic cohorts at any size, for benchmarks and load tests (never for analysis).

Each case is drawn in a possible clinical order: birth, diagnosis, (prior transplant), salvage
courses, post-salvage assessments, complications, transplant, relapse, then death or censoring
at the last follow-up. Repeating records average 2 salvage courses (2-3 drugs each), 3
assessments (one before salvage) and 2 complications per case. Names are invented syllables.

The database is built with SQLAlchemy Core ``insert()`` executemany, in one transaction and in
chunks so that memory stays flat, into a file created by storage.database.create_database (the
schema comes from the migrations). Before anything is written, a seeded sample of the cases
(all of them when ``validate_all`` or at most ``VALIDATE_SAMPLE`` cases) is turned into
in-memory ORM ``Case`` objects and checked with storage.record.rules.check_case; a violation stops the
build and removes the file.

    python -m storage.generated.synthetic --cases 50000 --seed 1 --db PATH [--csv PATH] [--validate-all]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from storage.database import create_database
from storage.record import models as m
from storage.record.rules import RecordRejected, check_case

Row = dict[str, Any]
Draft = dict[str, Any]  # one case: {"cases": Row, "identities": Row, "salvage_courses": [...], ...}

CUT_OFF = dt.date(2025, 12, 31)  # administrative end of follow-up: always in the past, so reproducible
FIRST_SALVAGE = dt.date(2005, 1, 1)
LAST_SALVAGE = dt.date(2025, 6, 30)
VALIDATE_SAMPLE = 2000
CHUNK = 2500
MONTH = 30.4375

DIAGNOSES = (("ALL", 0.55), ("AML", 0.30), ("MPAL", 0.04), ("T-LBL", 0.06), ("other", 0.05))
SUBTYPES = {
    "ALL": ("cALL", "pro-B-ALL", "pre-B-ALL", "T-ALL"), "AML": ("AML M1", "AML M2", "AML M4", "AML M5"),
    "MPAL": ("B/myeloid MPAL", "T/myeloid MPAL"), "T-LBL": ("T-lymphoblastic lymphoma stage III",),
    "other": ("JMML", "blastic plasmacytoid dendritic cell neoplasm"),
}
FINDINGS = ("t(4;11) MLL-AF4", "t(9;11) MLL-AF9", "complex karyotype", "t(8;21) AML/ETO", "FLT3-ITD",
            "monosomy 7", "hypodiploidy", "TP53 mutation", "NRAS mutation", "t(9;22) BCR-ABL1")
RESPONSES = (("CR", 0.50), ("CRi", 0.10), ("PR", 0.15), ("NR", 0.25))
RANKS = ("NR", "PR", "CRi", "CR")  # worst to best
MEDIAN_OS_MONTHS = {"CR": 30.0, "CRi": 18.0, "PR": 7.0, "NR": 4.0}
COURSES = ((1, 0.35), (2, 0.35), (3, 0.25), (4, 0.05))  # mean 2.0
POST_ASSESSMENTS = ((1, 0.35), (2, 0.35), (3, 0.25), (4, 0.05))  # plus one before salvage: mean 3.0
COMPLICATIONS = ((0, 0.15), (1, 0.25), (2, 0.25), (3, 0.20), (4, 0.10), (5, 0.05))  # mean 2.0
DRUGS = (("melphalan", 40.0, "mg/m2", 1, "IV"), ("cytarabine", 1.0, "g/m2", 4, "IV"),
         ("fludarabine", 30.0, "mg/m2", 5, "IV"), ("idarubicin", 12.0, "mg/m2", 3, "IV"),
         ("clofarabine", 40.0, "mg/m2", 5, "IV"), ("venetoclax", 100.0, "mg", 14, "PO"),
         ("blinatumomab", 15.0, "mg/m2", 28, "CI"))
IT_DRUG = ("cytarabine", 30.0, "mg", 1, "IT")
DONORS = (("MSD", 0.2), ("MUD", 0.4), ("MMUD", 0.1), ("MMFD", 0.3))
DEATH_CAUSES = (("disease", 0.65), ("therapy", 0.25), ("other", 0.10))
TERMS = (("fever", 0.30), ("SIRS", 0.12), ("hepatotoxicity", 0.15), ("coagulopathy", 0.10),
         ("sepsis", 0.15), ("fungal", 0.10), ("other", 0.08))
SUBSEQUENT = ("blinatumomab", "inotuzumab ozogamicin", "CAR T cells", "donor lymphocyte infusion",
              "irradiation", "palliative care")
SYLLABLES = ("ka", "lo", "mi", "ne", "ra", "su", "te", "vo", "da", "fi", "gu", "ha", "ja", "pe", "zu")

# Insert order respects the foreign keys.
TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (m.Case, m.Identity, m.CytogeneticFinding, m.PriorTransplant, m.SalvageCourse,
                  m.DrugAdministration, m.ResponseAssessment, m.Transplant, m.Complication,
                  m.SubsequentTherapy, m.Relapse, m.Death)
)
_CHILD_MODELS: dict[str, type[m.Base]] = {model.__tablename__: model for model in (
    m.CytogeneticFinding, m.PriorTransplant, m.ResponseAssessment, m.Transplant, m.Complication,
    m.SubsequentTherapy, m.Relapse)}

# The flat case file's columns, as storage.interchange.case_template defines them (used when it is absent).
FLAT_COLUMNS = (
    "study_id", "name", "hospital_number", "birth_date", "sex", "age_at_time_zero", "diagnosis", "subtype",
    "initial_diagnosis_date", "cytogenetics", "high_risk_cytogenetics", "disease_status", "relapse_number",
    "prior_regimens", "prior_therapies", "prior_hsct_count", "prior_hsct_dates", "salvage_start", "height_cm",
    "weight_kg", "bm_blasts_pre", "best_response", "best_response_date", "best_response_override",
    "best_response_override_reason", "hsct_after_date", "donor_type", "relapse_date", "relapse_site",
    "death_date", "death_cause", "death_cause_detail", "last_follow_up", "last_follow_up_status", "notes",
)


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _name(rng: random.Random) -> str:
    def word(n: int) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(n)).capitalize()

    return f"{word(2)} {word(3)}"


def _days(rng: random.Random, median_months: float) -> int:
    return max(1, round(rng.expovariate(0.6931 / (median_months * MONTH))))


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def draft_case(rng: random.Random, number: int) -> Draft:
    """One possible case, as rows without ids (dates in a possible order, within storage.record.rules)."""
    day = dt.timedelta
    zero = _between(rng, FIRST_SALVAGE, LAST_SALVAGE)
    birth = zero - day(days=rng.randint(180, 22 * 365))
    refractory = rng.random() < 0.35
    relapse_number = None if refractory else _pick(rng, ((1, 0.6), (2, 0.3), (3, 0.1)))
    diagnosed = max(birth + day(days=30), zero - day(days=rng.randint(30, 120) if refractory else
                                                          rng.randint(300, 400 * (relapse_number or 1) + 600)))
    diagnosis = _pick(rng, DIAGNOSES)
    response = _pick(rng, RESPONSES)
    survival = _days(rng, MEDIAN_OS_MONTHS[response] * (0.7 if diagnosis == "AML" else 1.0))
    censor = min((CUT_OFF - zero).days, _days(rng, 60.0))
    dead = survival <= censor
    end = zero + day(days=survival if dead else censor)
    window = (end - zero).days
    draft: Draft = {"cases": {
        "study_id": f"S{number:06d}", "sex": rng.choice("fm"), "diagnosis": diagnosis,
        "subtype": rng.choice(SUBTYPES[diagnosis]), "initial_diagnosis_date": diagnosed,
        "high_risk_cytogenetics": rng.random() < 0.6, "disease_status": "refractory" if refractory else "relapse",
        "relapse_number": relapse_number, "prior_regimens": 1 + (relapse_number or 0) + rng.randint(0, 1),
        "last_follow_up": end, "last_follow_up_status": None,
    }}
    draft["identities"] = {"name": _name(rng), "hospital_number": f"SYN-{number:07d}", "birth_date": birth}
    draft["cytogenetic_findings"] = [{"finding": f} for f in rng.sample(FINDINGS, rng.randint(0, 2))]
    draft["prior_transplants"] = []
    if relapse_number and rng.random() < 0.35 and (zero - diagnosed).days > 120:
        when = _between(rng, diagnosed + day(days=90), zero - day(days=30))
        draft["prior_transplants"].append({"transplant_date": when, "donor_type": _pick(rng, DONORS)})
    n_courses = _pick(rng, COURSES)
    spacing = min(rng.randint(28, 42), window // n_courses)
    courses = []
    for k in range(n_courses):
        start = zero + day(days=k * spacing)
        drugs = [rng.choice(DRUGS[:2]), rng.choice(DRUGS[1:])] + ([IT_DRUG] if rng.random() < 0.4 else [])
        courses.append({
            "row": {"course_number": k + 1, "start_date": start, "height_cm": round(rng.uniform(75, 185), 1),
                    "weight_kg": round(rng.uniform(9, 80), 1)},
            "drugs": [{"drug": d, "dose": dose, "unit": unit, "doses": n, "route": route,
                       "dose_modification": None} for d, dose, unit, n, route in dict.fromkeys(drugs)],
        })
    draft["salvage_courses"] = courses
    pre = {"assessed_on": max(diagnosed, zero - day(days=rng.randint(1, 10))), "timing": "pre", "specimen": "BM",
           "blast_percent": round(rng.uniform(5, 95), 1), "mrd_percent": None, "mrd_negative": None,
           "mrd_method": None, "response": None, "note": None}
    assessments = [pre]
    n_post = _pick(rng, POST_ASSESSMENTS)
    for k in range(n_post):
        last = k == n_post - 1
        got = response if last else rng.choice(RANKS[: RANKS.index(response) + 1])
        negative = got in ("CR", "CRi") and rng.random() < 0.6
        assessments.append({
            "assessed_on": zero + day(days=min(window, 21 + 28 * k + rng.randint(0, 7))), "timing": "post",
            "specimen": "BM", "blast_percent": round(rng.uniform(0, 4.9) if got in ("CR", "CRi") else
                                                     rng.uniform(5, 80), 1),
            "mrd_percent": None if negative or got not in ("CR", "CRi") else round(rng.uniform(0.01, 2.0), 2),
            "mrd_negative": negative if got in ("CR", "CRi") else None, "mrd_method": "flow",
            "response": got, "note": None,
        })
    draft["response_assessments"] = assessments
    complications = []
    for _ in range(_pick(rng, COMPLICATIONS)):
        onset = zero + day(days=rng.randint(0, min(window, 90)))
        grade = _pick(rng, ((1, 0.15), (2, 0.35), (3, 0.35), (4, 0.15)))
        resolved = onset + day(days=rng.randint(1, 30)) if rng.random() < 0.8 else None
        complications.append({"term": _pick(rng, TERMS), "description": None, "grade": grade, "onset": onset,
                              "resolved_on": resolved if resolved and resolved <= end else None,
                              "intensive_care": grade >= 4})
    draft["complications"] = complications
    draft["transplants"] = []
    if response in ("CR", "CRi") and rng.random() < 0.75 and window > 60:
        draft["transplants"].append({"transplant_date": zero + day(days=rng.randint(45, min(window, 120))),
                                     "donor_type": _pick(rng, DONORS), "transplant_number": 1})
    draft["relapses"] = []
    relapse_day = _days(rng, 14.0)
    if response in ("CR", "CRi") and relapse_day < window:
        draft["relapses"].append({"relapse_date": zero + day(days=relapse_day), "note": None,
                                  "site": _pick(rng, (("marrow", 0.7), ("CNS", 0.1), ("extramedullary", 0.1),
                                                      ("combined", 0.1)))})
    draft["subsequent_therapies"] = []
    if rng.random() < 0.3 and window > 60:
        start = zero + day(days=rng.randint(31, window))
        draft["subsequent_therapies"].append({"therapy": rng.choice(SUBSEQUENT), "start_date": start,
                                              "end_date": min(end, start + day(days=rng.randint(7, 90)))})
    draft["deaths"] = None
    if dead:
        draft["deaths"] = {"death_date": end, "cause": _pick(rng, DEATH_CAUSES), "cause_detail": None}
    else:
        in_remission = response in ("CR", "CRi") and not draft["relapses"]
        draft["cases"]["last_follow_up_status"] = "remission" if in_remission else "disease"
    return draft


def case_from_draft(draft: Draft) -> m.Case:
    """The draft as an in-memory ORM case (not in any session), for storage.record.rules.check_case."""
    case = m.Case(**draft["cases"])
    case.identity = m.Identity(**draft["identities"])
    for table, model in _CHILD_MODELS.items():
        getattr(case, _RELATIONSHIP[table]).extend(model(**row) for row in draft[table])
    for course in draft["salvage_courses"]:
        orm_course = m.SalvageCourse(**course["row"])
        orm_course.drugs = [m.DrugAdministration(**d) for d in course["drugs"]]
        case.courses.append(orm_course)
    if draft["deaths"] is not None:
        case.death = m.Death(**draft["deaths"])
    return case


_RELATIONSHIP = {"cytogenetic_findings": "findings", "prior_transplants": "prior_transplants",
                 "response_assessments": "assessments", "transplants": "transplants",
                 "complications": "complications", "subsequent_therapies": "subsequent_therapies",
                 "relapses": "relapses"}


def drafts(cases: int, seed: int) -> Iterator[Draft]:
    rng = random.Random(seed)
    for number in range(1, cases + 1):
        yield draft_case(rng, number)


class _Ids:
    def __init__(self) -> None:
        self.next: dict[str, int] = {t.name: 1 for t in TABLES}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _rows_of(draft: Draft, ids: _Ids, out: dict[str, list[Row]]) -> None:
    case_id = ids.take("cases")
    out["cases"].append({"id": case_id, **draft["cases"]})
    out["identities"].append({"id": ids.take("identities"), "case_id": case_id, **draft["identities"]})
    for table in _CHILD_MODELS:
        out[table].extend({"id": ids.take(table), "case_id": case_id, **row} for row in draft[table])
    for course in draft["salvage_courses"]:
        course_id = ids.take("salvage_courses")
        out["salvage_courses"].append({"id": course_id, "case_id": case_id, **course["row"]})
        out["drug_administrations"].extend(
            {"id": ids.take("drug_administrations"), "course_id": course_id, **d} for d in course["drugs"])
    if draft["deaths"] is not None:
        out["deaths"].append({"id": ids.take("deaths"), "case_id": case_id, **draft["deaths"]})


def validate(cases: int, seed: int, validate_all: bool = False) -> int:
    """Check a seeded sample (or all) of the drafts with storage.record.rules; raises RecordRejected."""
    chosen = set(range(cases)) if validate_all or cases <= VALIDATE_SAMPLE else set(
        random.Random(seed + 1).sample(range(cases), VALIDATE_SAMPLE))
    for index, draft in enumerate(drafts(cases, seed)):
        if index in chosen:
            violations = check_case(case_from_draft(draft))
            if violations:
                raise RecordRejected(violations)
    return len(chosen)


def build_database(path: Path, cases: int, seed: int = 1, validate_all: bool = False) -> dict[str, int]:
    """Create ``path`` holding a synthetic cohort; returns rows written per table (and 'validated')."""
    checked = validate(cases, seed, validate_all)
    db = create_database(path)
    counts = {t.name: 0 for t in TABLES}
    try:
        ids = _Ids()
        with db.engine.begin() as conn:  # one transaction: all or nothing
            batch: dict[str, list[Row]] = {t.name: [] for t in TABLES}
            for index, draft in enumerate(drafts(cases, seed), start=1):
                _rows_of(draft, ids, batch)
                if index % CHUNK == 0 or index == cases:
                    for table in TABLES:
                        if batch[table.name]:
                            conn.execute(insert(table), batch[table.name])
                            counts[table.name] += len(batch[table.name])
                            batch[table.name] = []
            conn.execute(insert(m.StudyInfo),
                         [{"key": "title", "value": f"Synthetic cohort ({cases} cases, seed {seed})"},
                          {"key": "synthetic", "value": "generated by storage.generated.synthetic; not patient data"}])
    except BaseException:
        db.close()
        path.unlink(missing_ok=True)
        raise
    db.close()
    counts["validated"] = checked
    return counts


def flat_row(draft: Draft) -> dict[str, str]:
    """One case as a row of the flat case file: first course, best post-salvage response, first
    transplant and relapse after salvage (the long records stay in the database only)."""
    case, identity, death = draft["cases"], draft["identities"], draft["deaths"] or {}
    course = draft["salvage_courses"][0]["row"]
    transplant = draft["transplants"][0] if draft["transplants"] else {}
    relapse = draft["relapses"][0] if draft["relapses"] else {}
    post = [a for a in draft["response_assessments"] if a["timing"] == "post"]
    pre = [a for a in draft["response_assessments"] if a["timing"] == "pre"]
    best = max((a["response"] for a in post), key=RANKS.index, default=None)
    best_on = min((a["assessed_on"] for a in post if a["response"] == best), default=None)
    priors = sorted(t["transplant_date"] for t in draft["prior_transplants"])
    values = {
        **case, "name": identity["name"], "hospital_number": identity["hospital_number"],
        "birth_date": identity["birth_date"],
        "age_at_time_zero": round((course["start_date"] - identity["birth_date"]).days / m.DAYS_PER_YEAR, 2),
        "cytogenetics": " | ".join(f["finding"] for f in draft["cytogenetic_findings"]),
        "prior_hsct_count": len(priors), "prior_hsct_dates": " | ".join(d.isoformat() for d in priors),
        "salvage_start": course["start_date"], "height_cm": course["height_cm"], "weight_kg": course["weight_kg"],
        "bm_blasts_pre": pre[0]["blast_percent"] if pre else None, "best_response": best,
        "best_response_date": best_on, "hsct_after_date": transplant.get("transplant_date"),
        "donor_type": transplant.get("donor_type"), "relapse_date": relapse.get("relapse_date"),
        "relapse_site": relapse.get("site"), "death_date": death.get("death_date"),
        "death_cause": death.get("cause"), "death_cause_detail": death.get("cause_detail"),
    }
    return {k: _cell(v) for k, v in values.items()}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def template_columns() -> list[str]:
    """The import template's columns (storage.interchange.case_template), or FLAT_COLUMNS without it."""
    try:
        from storage.interchange.case_template import COLUMNS
    except ImportError:
        return list(FLAT_COLUMNS)
    return [c.name for c in COLUMNS]


def write_csv(path: Path, cases: int, seed: int = 1) -> int:
    """The same cohort as a flat case file (UTF-8 CSV, one row per case, ISO dates)."""
    columns = template_columns()
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore", restval="")
        writer.writeheader()
        for draft in drafts(cases, seed):
            writer.writerow(flat_row(draft))
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage.generated.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="new database file to create")
    parser.add_argument("--csv", type=Path, help="flat case file (CSV) to write")
    parser.add_argument("--validate-all", action="store_true", help="check every case with storage.record.rules")
    args = parser.parse_args(argv)
    if args.db is None and args.csv is None:
        parser.error("give --db and/or --csv")
    if args.db is not None:
        started = time.perf_counter()
        try:
            counts = build_database(args.db, args.cases, args.seed, args.validate_all)
        except Exception as exc:  # a clear one-line message, not a traceback
            print(f"synthetic: {exc}", file=sys.stderr)
            return 1
        rows = sum(v for k, v in counts.items() if k != "validated")
        print(f"Wrote {args.cases} cases ({rows} rows; {counts['validated']} checked with storage.record.rules) "
              f"to {args.db} in {time.perf_counter() - started:.1f} s")
    if args.csv is not None:
        started = time.perf_counter()
        write_csv(args.csv, args.cases, args.seed)
        print(f"Wrote {args.cases} cases to {args.csv} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
