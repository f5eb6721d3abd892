"""The demo cohort round-trips every published per-patient fact (Table 1, Table 2, text)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage.database import Database
from storage.record import codes
from storage.record.models import Case, SalvageCourse, StudyInfo
from storage.views.summaries import load_summaries

# A copy of ../shared/seed/published_cohort.csv, the article's per-patient facts.
PUBLISHED = Path(__file__).resolve().parents[2] / "fixtures" / "published_cohort.csv"
DIAGNOSIS_OF = {"ALL": "ALL", "AML": "AML", "MPAL": "MPAL", "T-LBL": "T-LBL"}
STATUS_OF = {
    "primary refractory": ("refractory", None),
    "first relapse": ("relapse", 1),
    "second relapse": ("relapse", 2),
    "third relapse": ("relapse", 3),
}


def published_rows() -> list[dict[str, str]]:
    with PUBLISHED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_cases(db: Database) -> dict[str, Case]:
    with db.session() as s:
        cases = s.scalars(
            select(Case).options(
                selectinload(Case.courses).selectinload(SalvageCourse.drugs),
                selectinload(Case.assessments), selectinload(Case.findings), selectinload(Case.transplants),
                selectinload(Case.prior_transplants), selectinload(Case.relapses), selectinload(Case.death),
                selectinload(Case.identity), selectinload(Case.subsequent_therapies),
            )
        ).all()
        return {f"{int(c.study_id[1:])}": c for c in cases}


def drug_text(case: Case, route: str | None = None) -> list[str]:
    return [
        f"{d.drug} {d.doses} x {d.dose:g} {d.unit}"
        for course in case.courses for d in course.drugs if route is None or d.route == route
    ]


def test_eight_cases_marked_reconstructed(demo_db: Database) -> None:
    with demo_db.session() as s:
        assert len(load_summaries(s)) == 8
        note = s.get(StudyInfo, "reconstructed_demo")
    assert note is not None and "reconstructed" in note.value


def test_table1_facts_round_trip(demo_db: Database) -> None:
    cases = load_cases(demo_db)
    for row in published_rows():
        case = cases[row["case"]]
        assert case.sex == row["sex"]
        assert case.age_at_time_zero is not None and round(case.age_at_time_zero, 1) == float(row["age_years"])
        assert case.subtype == row["immunophenotype"]
        assert case.diagnosis == DIAGNOSIS_OF[row["disease_category"]]
        assert (case.disease_status, case.relapse_number) == STATUS_OF[row["status_at_salvage"]]
        assert case.high_risk_cytogenetics is (row["high_risk_cytogenetics"] == "yes")
        findings = " and ".join(f.finding for f in case.findings)
        for word in row["cytogenetics"].replace(" and ", " ").split():
            assert word.rstrip("s") in findings, (row["case"], word)
        assert (len(case.prior_transplants) > 0) is (row["previous_ahsct"] == "yes")


def test_table2_facts_round_trip(demo_db: Database) -> None:
    cases = load_cases(demo_db)
    with demo_db.session() as s:
        summaries = {x.study_id: x for x in load_summaries(s)}
    for row in published_rows():
        case = cases[row["case"]]
        summary = summaries[case.study_id]
        expected_response = "CR" if row["best_response"] == "CR" else "NR"
        assert summary.best_response == expected_response
        assert (summary.first_transplant_donor or "no") == row["ahsct_after"]
        pre = [a for a in case.assessments if a.timing == "pre"][0]
        pre_text = f"{pre.blast_percent:g}%" if pre.blast_percent is not None else pre.note
        assert pre_text == row["bm_blasts_pre"]
        post_notes = [a.note for a in case.assessments if a.timing == "post"]
        assert row["bm_blasts_post"] in post_notes
        melphalan = [d for c in case.courses for d in c.drugs if d.drug == "melphalan"][0]
        assert row["melphalan"].startswith(f"{melphalan.doses} x {melphalan.dose:g} mg/m2")
        cytarabine = [d for c in case.courses for d in c.drugs if d.drug == "cytarabine" and d.route != "IT"][0]
        unit = "g/m2" if cytarabine.unit == "g/m2" else "mg/m2"
        assert row["cytarabine"].startswith(f"{cytarabine.doses} x {cytarabine.dose:g} {unit}")
        reasons = " ".join(d.dose_modification or "" for c in case.courses for d in c.drugs)
        for reason in ("high: very aggressive disease", "low: cumulative toxicity"):
            assert (reason in reasons) is (reason in row["melphalan"] + row["cytarabine"])
        intrathecal = " + ".join(f"{d.drug} {d.dose:g} mg" for d in case.courses[0].drugs if d.route == "IT")
        assert intrathecal == row["intrathecal"]
        dead = row["status_last_followup"] == "dead"
        assert (case.death is not None) is dead
        if not dead:
            assert codes.FOLLOW_UP_STATUS[case.last_follow_up_status or ""] == row["status_last_followup"]
        text = " ".join(filter(None, [case.notes, *(r.note for r in case.relapses)]))
        for note in (row["footnote"], row["efs_note"]):
            if note and note != "NA in paper":
                assert note in text


def test_additional_drugs_and_units(demo_db: Database) -> None:
    cases = load_cases(demo_db)
    assert "daratumumab 1 x 16 mg/kg" in drug_text(cases["7"])
    assert "anti-CD19 antibody 1 x 20 mg/m2" in drug_text(cases["1"])
    assert {"venetoclax 1 x 100 mg", "venetoclax 1 x 200 mg"} <= set(drug_text(cases["8"], "PO"))
    assert drug_text(cases["5"], "CI") == ["cytarabine 10 x 100 mg/m2"]


def test_text_facts_deaths_and_complications(demo_db: Database) -> None:
    cases = load_cases(demo_db)
    causes = {k: c.death.cause for k, c in cases.items() if c.death}
    assert causes == {"1": "therapy", "3": "disease", "4": "therapy", "5": "disease", "7": "disease", "8": "disease"}
    assert "aspergillosis" in (cases["1"].death.cause_detail or "")  # type: ignore[union-attr]
    assert "sepsis" in (cases["4"].death.cause_detail or "")  # type: ignore[union-attr]
    with demo_db.session() as s:
        summaries = load_summaries(s)
    fever = sum("fever" in x.complication_terms and "SIRS" in x.complication_terms for x in summaries)
    liver = sum("hepatotoxicity" in x.complication_terms for x in summaries)
    clotting = sum("coagulopathy" in x.complication_terms for x in summaries)
    assert (fever, liver, clotting) == (2, 1, 1)
    assert {c.relapses[0].site for c in cases.values() if c.relapses} == {"extramedullary", "marrow"}


def test_unattributed_complications_are_marked_reconstructed(demo_db: Database) -> None:
    """The article names no patient for fever/SIRS, liver toxicity and coagulopathy: the demo says so."""
    cases = load_cases(demo_db)
    with demo_db.session() as s:
        from storage.record.models import Complication

        rows = s.scalars(select(Complication)).all()
        acute = [c for c in rows if c.term in {"fever", "SIRS", "hepatotoxicity", "coagulopathy"}]
        assert len(acute) == 6
        assert all("reconstructed" in (c.description or "") for c in acute)
        assert all("reconstructed" not in (c.description or "") for c in rows if c.grade == 5)
    assert cases  # the cohort itself is unchanged
