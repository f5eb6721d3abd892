"""The authors' own sheet (German headers and values, one row per patient) imports through a saved
mapping and gives every Table 1 and Table 2 fact and the article's OS and EFS months."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage.database import Database
from storage.interchange.imports.column_mapping import ColumnMapping, load_mapping, save_mapping, suggest
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case, SalvageCourse
from tests.storage.interchange import german_sheet

ROOT = Path(__file__).resolve().parents[3]
PUBLISHED = ROOT / "tests" / "fixtures" / "published_cohort.csv"
STATUS_OF = {"primary refractory": ("refractory", None), "first relapse": ("relapse", 1),
             "second relapse": ("relapse", 2), "third relapse": ("relapse", 3)}


def published() -> dict[str, dict[str, str]]:
    with PUBLISHED.open(encoding="utf-8") as fh:
        return {f"P{int(r['case']):02d}": r for r in csv.DictReader(fh)}


def saved_mapping(db: Database) -> ColumnMapping:
    with db.session() as session:
        save_mapping(session, "Tübingen sheet", ColumnMapping(dict(german_sheet.MAPPING), date_format="%d.%m.%Y"))
    with db.session() as session:
        return load_mapping(session, "Tübingen sheet")


def cases(db: Database) -> dict[str, Case]:
    with db.session() as s:
        found = s.scalars(select(Case).options(
            selectinload(Case.courses).selectinload(SalvageCourse.drugs), selectinload(Case.assessments),
            selectinload(Case.findings), selectinload(Case.transplants), selectinload(Case.prior_transplants),
            selectinload(Case.relapses), selectinload(Case.death), selectinload(Case.identity))).all()
        return {c.study_id: c for c in found}


def drugs(case: Case, route: str | None = None) -> list[str]:
    return [f"{d.drug} {d.doses} x {d.dose:g} {d.unit}" for c in case.courses for d in c.drugs
            if route is None or d.route == route]


def test_the_issue_s_german_headers_are_suggested() -> None:
    hints = suggest(german_sheet.HEADER)
    wanted = {"Geschlecht": "sex", "Geburtsdatum": "birth_date", "Diagnose": "diagnosis", "Todesdatum": "death_date",
              "Letzter Kontakt": "last_follow_up", "Pat.-Nr.": "study_id", "Erstdiagnose": "initial_diagnosis_date"}
    assert {h: hints[h].target for h in wanted} == wanted
    assert {hints[h].how for h in wanted} == {"synonym"}
    assert hints["Name"].how == "exact"
    assert suggest(["Geburtsdatm"])["Geburtsdatm"].how == "similar"  # a typo still finds its field


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_authors_sheet_gives_every_table_1_and_2_fact(empty_db: Database, tmp_path: Path, kind: str) -> None:
    path = german_sheet.write_csv(tmp_path / "mel_ara.csv") if kind == "csv" else \
        german_sheet.write_xlsx(tmp_path / "mel_ara.xlsx")
    if kind == "csv":
        assert path.read_bytes().decode("cp1252").count(";") > 300 and "ä".encode("cp1252") in path.read_bytes()
    report = import_file(empty_db, path, ImportOptions(mapping=saved_mapping(empty_db)))
    assert report.written, [str(p) for p in report.problems]
    assert sorted(report.created) == [f"P0{i}" for i in range(1, 9)]
    found = cases(empty_db)
    for sid, row in published().items():
        case = found[sid]
        assert case.sex == row["sex"] and case.subtype == row["immunophenotype"]
        assert case.diagnosis == row["disease_category"]
        assert case.age_at_time_zero is not None and round(case.age_at_time_zero, 1) == float(row["age_years"])
        assert (case.disease_status, case.relapse_number) == STATUS_OF[row["status_at_salvage"]]
        assert case.high_risk_cytogenetics is (row["high_risk_cytogenetics"] == "yes")
        assert (len(case.prior_transplants) == 1) is (row["previous_ahsct"] == "yes")
        pre = next(a for a in case.assessments if a.timing == "pre")
        assert (f"{pre.blast_percent:g}%" if pre.blast_percent is not None else f"MRD {pre.mrd_percent:g}%") \
            == row["bm_blasts_pre"]
        post = [a for a in case.assessments if a.timing == "post"]
        best = "CR" if any(a.response == "CR" for a in post) else "TF"
        assert best == row["best_response"] and row["bm_blasts_post"] in [a.note for a in post]
        donor = case.transplants[0].donor_type if case.transplants else "no"
        assert donor == row["ahsct_after"]
        melphalan = next(d for d in case.courses[0].drugs if d.drug == "melphalan")
        assert row["melphalan"].startswith(f"{melphalan.doses} x {melphalan.dose:g} mg/m2")
        cytarabine = next(d for d in case.courses[0].drugs if d.drug == "cytarabine" and d.route != "IT")
        assert row["cytarabine"].startswith(f"{cytarabine.doses} x {cytarabine.dose:g} {cytarabine.unit}")
        remarks = " ".join(d.dose_modification or "" for d in case.courses[0].drugs)
        for remark in ("high: very aggressive disease", "low: cumulative toxicity"):
            assert (remark in remarks) is (remark in row["melphalan"] + row["cytarabine"])
        intrathecal = " + ".join(f"{d.drug} {d.dose:g} mg" for d in case.courses[0].drugs if d.route == "IT")
        assert intrathecal == row["intrathecal"]
        assert (case.death is not None) is (row["status_last_followup"] == "dead")
    assert drugs(found["P05"], "CI") == ["cytarabine 10 x 100 mg/m2"]
    assert "daratumumab 1 x 16 mg/kg" in drugs(found["P07"]) and "anti-CD19 antibody 1 x 20 mg/m2" in drugs(found["P01"])
    assert {"venetoclax 1 x 100 mg", "venetoclax 1 x 200 mg"} <= set(drugs(found["P08"], "PO"))
    assert [c.courses[0].weight_kg for c in (found["P03"], found["P05"])] == [19.5, 17.25]  # decimal commas
    assert found["P02"].relapses[0].site == "extramedullary" and found["P01"].death.cause == "therapy"  # type: ignore[union-attr]
    assert found["P04"].transplants[0].donor_type == "MMFD" and found["P02"].transplants[0].donor_type == "MUD"
    assert [f.finding for f in found["P08"].findings] == ["NRAS mutation", "WT1 mutation"]


def _analyze(db: Path, *args: str) -> dict[str, object]:
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", "--db", str(db), *args, "--json"],
                            capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    assert result.returncode == 0, result.stderr
    out: dict[str, object] = json.loads(result.stdout)
    return out


def test_the_authors_sheet_gives_the_article_s_os_and_efs_months(empty_db: Database, tmp_path: Path) -> None:
    report = import_file(empty_db, german_sheet.write_csv(tmp_path / "mel_ara.csv"),
                         ImportOptions(mapping=saved_mapping(empty_db)))
    assert report.written, [str(p) for p in report.problems]
    for sid, case in cases(empty_db).items():
        zero = case.time_zero
        end = case.death.death_date if case.death else case.last_follow_up
        assert zero is not None and end is not None
        assert round((end - zero).days / 30.4375) == int(published()[sid]["os_months"]), sid
    os_ = _analyze(empty_db.path, "--endpoint", "os", "--at", "12", "36")
    group = os_["groups"][0]  # type: ignore[index]
    assert group["n"] == 8 and group["events"] == 6 and group["median"] == pytest.approx(8.0164, abs=1e-4)
    assert [round(a["survival"], 3) for a in group["at"]] == [0.5, 0.375]  # 1-year 50%, 3-year 38%
    efs = _analyze(empty_db.path, "--endpoint", "efs", "--where", "best_response=CR")
    assert efs["groups"][0]["n"] == 5 and efs["groups"][0]["median"] == pytest.approx(4.0, abs=0.05)  # type: ignore[index]


def test_importing_the_authors_sheet_again_with_update_existing_changes_nothing(empty_db: Database,
                                                                                 tmp_path: Path) -> None:
    from sqlalchemy import func

    from storage.record.tables import audit_log

    path = german_sheet.write_csv(tmp_path / "mel_ara.csv")
    mapping = saved_mapping(empty_db)
    assert import_file(empty_db, path, ImportOptions(mapping=mapping)).written
    with empty_db.session() as session:
        entries = session.scalar(select(func.count()).select_from(audit_log))
    again = import_file(empty_db, path, ImportOptions(mapping=mapping, update_existing=True))
    assert again.written and len(again.updated) == 8, [str(p) for p in again.problems]
    with empty_db.session() as session:
        assert session.scalar(select(func.count()).select_from(audit_log)) == entries  # every record found again
    assert len(drugs(cases(empty_db)["P08"])) == 4


def test_a_changed_dose_cell_updates_that_drug_and_is_audited(empty_db: Database, tmp_path: Path) -> None:
    from storage.safety.audit import case_history
    from tests.storage.interchange.test_import_mapping_refusals import sheet

    mapping = saved_mapping(empty_db)
    assert import_file(empty_db, german_sheet.write_csv(tmp_path / "first.csv"), ImportOptions(mapping=mapping)).written
    changed = sheet(tmp_path, {(4, "Melphalan Dosis"): "2 × 30 mg/m²"})
    report = import_file(empty_db, changed, ImportOptions(mapping=mapping, update_existing=True))
    assert report.written, [str(p) for p in report.problems]
    assert "melphalan 2 x 30 mg/m2" in drugs(cases(empty_db)["P04"])
    with empty_db.session() as session:
        updates = [(e.table_name, e.field, e.old_value, e.new_value) for e in case_history(session, "P04")
                   if e.action == "update"]
    assert updates == [("drug_administrations", "dose", "33.0", "30.0")]
