"""Published R output reproduced through the real import path (flat template CSV) and analyze_cohort.

aml: the 'maintenance' column becomes a custom field (ImportOptions(add_fields=True)) and the grouping.
lung: 228 cases, grouped by sex; see its test.

tests/fixtures/r_survival_aml.csv: time in weeks from survival::aml written as dates 7 days a week
from a common salvage start; status 1 = death (disease), 0 = censored alive.

R> survfit(Surv(time, status) ~ x, data = aml)
                 n events median 0.95LCL 0.95UCL
x=Maintained    11      7     31      18      NA
x=Nonmaintained 12     11     23       8      NA
R> survdiff(Surv(time, status) ~ x, data = aml)
 Chisq= 3.4  on 1 degrees of freedom, p= 0.07   (chisq 3.396, p 0.0653)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.command import load_inputs
from analysis.statistics.cohort import analyze_cohort
from storage.database import Database
from storage.interchange.imports.importing import ImportOptions, import_file

AML_CSV = Path(__file__).resolve().parents[2] / "fixtures" / "r_survival_aml.csv"


def test_aml_through_the_import_matches_r(empty_db: Database) -> None:
    report = import_file(empty_db, AML_CSV, ImportOptions(add_fields=True))
    assert report.written, report.problems
    inputs = load_inputs(empty_db)
    assert inputs.custom_kinds == {"maintenance": "choice"}
    result = analyze_cohort(inputs.summaries, inputs.rules["os"], unit="weeks", group_by="maintenance",
                            custom_kinds=inputs.custom_kinds)
    maintained, non = result.groups
    assert (maintained.label, maintained.n, maintained.events) == ("Maintained", 11, 7)
    assert (maintained.median.median, maintained.median.ci_lower, maintained.median.ci_upper) == (31.0, 18.0, None)
    assert (non.label, non.n, non.events) == ("Nonmaintained", 12, 11)
    assert (non.median.median, non.median.ci_lower, non.median.ci_upper) == (23.0, 8.0, None)
    assert result.logrank is not None
    assert result.logrank.chisq == pytest.approx(3.396, abs=5e-4)
    assert result.logrank.p == pytest.approx(0.0653, abs=5e-5)
    assert result.logrank.df == 1


def test_lung_through_the_import_matches_r(empty_db: Database, tmp_path: Path) -> None:
    """R's survival::lung (as lifelines ships it: status 1 = dead) imported as 228 cases, OS in days by sex.

    R> print(survfit(Surv(time, status) ~ sex, data = lung))
              n events median 0.95LCL 0.95UCL
        sex=1 138    112    270     212     310
        sex=2  90     53    426     348     550
    R> survdiff(...): Chisq = 10.3 on 1 df, p = 0.00131 (10.3267, 0.00131116)
    """
    import csv
    import datetime as dt

    lifelines = pytest.importorskip("lifelines")
    source = Path(lifelines.__file__).parent / "datasets" / "lung.csv"
    if not source.exists():
        pytest.skip("lifelines lung.csv not available")
    start = dt.date(1980, 1, 1)
    with source.open() as fh:
        raw = list(csv.DictReader(fh))
    path = tmp_path / "lung.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["study_id", "sex", "salvage_start", "death_date", "death_cause", "last_follow_up"])
        for i, row in enumerate(raw):
            end = start + dt.timedelta(days=int(float(row["time"])))
            dead = row["status"] == "1"
            writer.writerow([f"L{i + 1:03d}", "m" if row["sex"] == "1" else "f", start.isoformat(),
                             end.isoformat() if dead else "", "disease" if dead else "", end.isoformat()])
    report = import_file(empty_db, path)
    assert report.written, report.problems[:3]
    inputs = load_inputs(empty_db)
    result = analyze_cohort(inputs.summaries, inputs.rules["os"], unit="days", group_by="sex")
    female, male = result.groups
    assert (male.n, male.events, male.median.median, male.median.ci_lower, male.median.ci_upper) == (
        138, 112, 270.0, 212.0, 310.0)
    assert (female.n, female.events, female.median.median, female.median.ci_lower, female.median.ci_upper) == (
        90, 53, 426.0, 348.0, 550.0)
    assert result.logrank is not None
    assert result.logrank.chisq == pytest.approx(10.3267, abs=5e-5)
    assert result.logrank.p == pytest.approx(0.00131116, rel=1e-5)
