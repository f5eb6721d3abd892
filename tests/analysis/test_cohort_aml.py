"""R's survival::aml entered through the real import path (flat template CSV, 'maintenance' becomes a
custom field), then analysed by group: every number is R's published output.

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

from analysis.cohort import analyze_cohort
from analysis.command import load_inputs
from storage.database import Database
from storage.importing import ImportOptions, import_file

AML_CSV = Path(__file__).resolve().parents[1] / "fixtures" / "r_survival_aml.csv"


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
