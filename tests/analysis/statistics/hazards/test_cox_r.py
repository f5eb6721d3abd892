"""Cox models on survival::lung, entered through the real import path, against R's coxph and cox.zph.

The reference numbers are R's own output, written by tests/fixtures/r/cox_lung.R into
tests/fixtures/r/cox_lung.txt (R 4, survival 3.5); the tests read that file and need no R.
R> coxph(Surv(time, status) ~ sex, data = lung): HR 0.5880 (0.4237-0.8160), z -3.176, Wald p 0.001491,
   likelihood ratio 10.63, score 10.33; cox.zph chi-square 2.86, p 0.091.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.command import load_inputs
from analysis.statistics.cohort import CohortResult, analyze_cohort
from analysis.statistics.hazards.cox import CoxModel, cox_model
from analysis.statistics.hazards.design import cohort_design
from analysis.statistics.hazards.efron import score_test
from storage.database import Database, create_database
from storage.interchange.imports.importing import ImportOptions, import_file

R_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "r"


def r_reference(model: str) -> dict[str, float]:
    out = {}
    for line in (R_DIR / "cox_lung.txt").read_text().splitlines():
        name, key, value = line.split()
        if name == model:
            out[key] = float(value)
    return out


@pytest.fixture(scope="module")
def lung(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CohortResult]:
    """lifelines' copy of survival::lung (status 1 = dead) as 228 imported cases, OS in days; age from the
    date of birth; ECOG (one missing, one case with 3) as a custom choice field."""
    lifelines = pytest.importorskip("lifelines")
    source = Path(lifelines.__file__).parent / "datasets" / "lung.csv"
    folder = tmp_path_factory.mktemp("lung")
    start = dt.date(2000, 1, 1)  # the oldest (82 years) then born after 1900
    with source.open() as fh:
        raw = list(csv.DictReader(fh))
    path = folder / "lung.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["study_id", "sex", "birth_date", "salvage_start", "death_date", "death_cause",
                         "last_follow_up", "ecog"])
        for i, row in enumerate(raw):
            end = start + dt.timedelta(days=int(float(row["time"])))
            dead = row["status"] == "1"
            birth = start - dt.timedelta(days=round(float(row["age"]) * 365.25))
            ecog = "" if row["ph.ecog"] == "" else f"E{int(float(row['ph.ecog']))}"
            writer.writerow([f"L{i + 1:03d}", "m" if row["sex"] == "1" else "f", birth.isoformat(), start.isoformat(),
                             end.isoformat() if dead else "", "disease" if dead else "", end.isoformat(), ecog])
    db: Database = create_database(folder / "lung.db")
    try:
        report = import_file(db, path, ImportOptions(add_fields=True))
        assert report.written, report.problems[:3]
        inputs = load_inputs(db)
    finally:
        db.close()
    yield analyze_cohort(inputs.summaries, inputs.rules["os"], unit="days", custom_kinds=inputs.custom_kinds)


def check(model: CoxModel, r: dict[str, float], names: dict[str, str]) -> None:
    assert model.estimable, model.reason
    assert (model.n, model.events) == (r["n"], r["events"])
    for ours, theirs in names.items():
        c = model.coefficient(ours)
        assert c.coef == pytest.approx(r[f"{theirs}.coef"], abs=1e-7)
        assert c.se == pytest.approx(r[f"{theirs}.se"], rel=1e-7)
        assert c.hazard_ratio == pytest.approx(r[f"{theirs}.hr"], rel=1e-7)
        assert (c.ci_lower, c.ci_upper) == (pytest.approx(r[f"{theirs}.lower"], rel=1e-7),
                                            pytest.approx(r[f"{theirs}.upper"], rel=1e-7))
        assert c.z == pytest.approx(r[f"{theirs}.z"], rel=1e-6)
        assert c.p == pytest.approx(r[f"{theirs}.p"], rel=1e-6)
    assert model.likelihood_ratio is not None and model.wald is not None and model.score is not None
    assert model.likelihood_ratio.chisq == pytest.approx(r["lr"], rel=1e-8)
    assert model.likelihood_ratio.p == pytest.approx(r["lr.p"], rel=1e-6)
    assert model.wald.chisq == pytest.approx(r["wald"], rel=1e-6)
    assert model.score.chisq == pytest.approx(r["score"], rel=1e-9)
    assert model.score.p == pytest.approx(r["score.p"], rel=1e-8)
    assert model.ph_global is not None
    assert model.ph_global.chisq == pytest.approx(r["zph.GLOBAL.chisq"], rel=1e-6)
    assert model.ph_global.df == r["zph.GLOBAL.df"]


def test_sex_hazard_ratio_equals_r(lung: CohortResult) -> None:
    """HR female vs male (R codes sex 1 = male, 2 = female, so R's 'sex' is ours 'sex=m' reversed: the
    reference here is f, so we choose m as the reference to read R's HR 0.5880)."""
    design = cohort_design(lung, ["sex"], {"sex": "m"})
    model = cox_model(design)
    check(model, r_reference("sex"), {"sex=f": "sex"})
    assert score_test(design.time, design.event, design.x) == pytest.approx(r_reference("sex")["score"], rel=1e-9)
    c = model.coefficient("sex=f")
    assert c.label == "Sex: female vs male"
    assert round(c.hazard_ratio or 0, 4) == 0.5880 and (round(c.ci_lower or 0, 4), round(c.ci_upper or 0, 4)) == (
        0.4237, 0.8160)
    (ph,) = model.ph_terms
    assert (round(ph.chisq, 2), round(ph.p, 3)) == (2.86, 0.091)


def test_sex_and_age_equal_r(lung: CohortResult) -> None:
    model = cox_model(cohort_design(lung, ["sex", "age"], {"sex": "m"}))
    check(model, r_reference("sex_age"), {"sex=f": "sex", "age": "age_days"})
    r = r_reference("sex_age")
    assert [t.chisq for t in model.ph_terms] == [pytest.approx(r["zph.sex.chisq"], rel=1e-6),
                                                 pytest.approx(r["zph.age_days.chisq"], rel=1e-6)]


def test_ecog_categories_as_treatment_contrasts_equal_r(lung: CohortResult) -> None:
    """A custom choice field with 4 levels (reference 0; ECOG 3 is a group of one; one case missing)."""
    model = cox_model(cohort_design(lung, ["ecog"]))
    check(model, r_reference("ecog"), {"ecog=E1": "ecogE1", "ecog=E2": "ecogE2", "ecog=E3": "ecogE3"})
    assert len(model.left_out) == 1
    assert any("single case" in w for w in model.warnings)


def test_the_reference_level_can_be_chosen(lung: CohortResult) -> None:
    model = cox_model(cohort_design(lung, ["ecog"], {"ecog": "E1"}))
    check(model, r_reference("ecog_ref1"), {"ecog=E0": "ecog_ref1E0", "ecog=E2": "ecog_ref1E2",
                                            "ecog=E3": "ecog_ref1E3"})
