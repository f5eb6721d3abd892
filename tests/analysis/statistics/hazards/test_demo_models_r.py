"""The demo cohort end to end (records -> endpoint and competing-risk times -> models) against R.

The test writes each analysed case's OS time and event, competing-risk time and cause, previous HSCT and age
from the demo database; tests/fixtures/r/demo_models.csv is that file (the test checks they are equal), and
tests/fixtures/r/demo_models.R wrote R's coxph, cuminc and crr numbers for it into demo_models.txt.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from analysis.command import load_inputs
from analysis.statistics.cohort import analyze_cohort
from analysis.statistics.endpoint_arrays import endpoint_arrays
from analysis.statistics.endpoints import TIME_UNITS
from analysis.statistics.hazards.models import analyse_models
from analysis.statistics.relapse_causes import relapse_causes
from storage.database import Database

R_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "r"


def reference() -> dict[str, float]:
    out = {}
    for line in (R_DIR / "demo_models.txt").read_text().splitlines():
        key, value = line.split()
        out[key] = float(value)
    return out


def test_demo_models_equal_r(demo_db: Database) -> None:
    inputs = load_inputs(demo_db)
    result = analyze_cohort(inputs.summaries, inputs.rules["os"], group_by="prior_hsct")
    days, event = endpoint_arrays(list(result.analysed), result.rule)
    competing = relapse_causes(result.analysed, "months")
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["id", "os_time", "os_event", "cr_time", "cause", "prior_hsct", "age"])
    for c, d, e, t, k in zip(result.analysed, days, event, competing.time, competing.cause, strict=True):
        writer.writerow([c.study_id, repr(float(d / TIME_UNITS["months"])), int(e), repr(float(t)), int(k),
                         "yes" if c.prior_transplants else "no", repr(c.age_at_time_zero)])
    assert rows.getvalue() == (R_DIR / "demo_models.csv").read_text()

    r = reference()
    models = analyse_models(result, ["age"])
    cox = models.cox
    assert cox is not None and cox.estimable
    assert cox.coefficient("prior_hsct=yes").coef == pytest.approx(r["cox.prior_hsctyes.coef"], abs=1e-7)
    assert cox.coefficient("prior_hsct=yes").se == pytest.approx(r["cox.prior_hsctyes.se"], rel=1e-6)
    assert cox.coefficient("age").coef == pytest.approx(r["cox.age.coef"], abs=1e-7)
    assert cox.score is not None and cox.score.chisq == pytest.approx(r["cox.score"], rel=1e-8)
    assert cox.ph_global is not None and cox.ph_global.chisq == pytest.approx(r["cox.zph.GLOBAL"], rel=1e-6)
    assert [t.chisq for t in models.gray] == [pytest.approx(r["gray.cause1"], rel=1e-9),
                                              pytest.approx(r["gray.cause2"], rel=1e-9)]
    relapse = models.fine_gray[0]
    assert relapse.estimable
    for c in relapse.coefficients:
        key = "prior_hsctyes" if c.name == "prior_hsct=yes" else "age"
        assert c.coef == pytest.approx(r[f"crr.{key}.coef"], abs=1e-5)
        assert c.se == pytest.approx(r[f"crr.{key}.se"], rel=1e-5)
