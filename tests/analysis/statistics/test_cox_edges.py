"""Cox models that cannot be trusted say so in words: an event-free group, a group of one, few events."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.json_output import result_json
from analysis.statistics.cohort import analyze_cohort
from analysis.statistics.cox import cox_model
from analysis.statistics.design import Design, Term
from analysis.statistics.endpoints import OVERALL_SURVIVAL
from analysis.statistics.model_text import cox_lines
from analysis.statistics.models import analyse_models
from storage.database import Database
from storage.views.summaries import load_summaries


def two_groups(time: list[float], event: list[int], in_b: list[int]) -> Design:
    term = Term("arm", "Arm", "category", (0,), "A", ("B",), ("B",), "A")
    return Design(np.array(time, dtype=float), np.array(event, dtype=float), np.array(in_b, dtype=float)[:, None],
                  ("arm=B",), ("Arm: B vs A",), (term,), tuple(f"C{i}" for i in range(len(time))))


def test_an_event_free_group_has_a_hazard_ratio_of_zero_in_words_never_1e20() -> None:
    """R's coxph gives exp(coef) ~ 1e-9 with a warning that beta may be infinite; we say why instead."""
    model = cox_model(two_groups([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]))
    assert not model.estimable and model.reason is not None and "Arm = B has no events" in model.reason
    (c,) = model.coefficients
    assert (c.status, c.hazard_ratio, c.ci_lower, c.ci_upper, c.p) == ("zero", None, None, None, None)
    text = "\n".join(cox_lines(model))
    assert "HR 0: no events in this group" in text and "e+" not in text


def test_an_event_free_reference_group_makes_the_hazard_ratio_infinite_in_words() -> None:
    model = cox_model(two_groups([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 1, 1, 1, 1]))
    assert model.coefficients[0].status == "infinite"
    assert "HR infinite" in "\n".join(cox_lines(model))


def test_a_group_of_one_is_fitted_with_a_warning() -> None:
    """Arm B is one patient who died at 5 while 7 of arm A were still at risk (R coxph: coef 1.049605, SE 1.157608)."""
    model = cox_model(two_groups([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1],
                                 [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]))
    assert model.estimable
    c = model.coefficients[0]
    assert (c.n, c.events) == (1, 1)
    assert (c.coef, c.se) == (pytest.approx(1.049604525, abs=1e-6), pytest.approx(1.15760753, rel=1e-6))
    assert any("single case" in w for w in model.warnings)
    assert any("fewer than about 10" in w for w in model.warnings)


def test_no_events_at_all_is_not_estimable() -> None:
    model = cox_model(two_groups([1, 2, 3, 4], [0, 0, 0, 0], [0, 0, 1, 1]))
    assert not model.estimable and model.reason == "No events: a Cox model needs at least one."


def test_the_json_cox_values_are_the_module_values(demo_db: Database) -> None:
    with demo_db.session() as s:
        cases = load_summaries(s)
    result = analyze_cohort(cases, OVERALL_SURVIVAL, group_by="prior_hsct")
    models = analyse_models(result)
    out = json.loads(json.dumps(result_json(result, models)))
    assert models.cox is not None
    (c,) = models.cox.coefficients
    (j,) = out["cox"]["coefficients"]
    assert (j["coef"], j["hazard_ratio"], j["ci"], j["se"], j["z"], j["p"]) == (
        c.coef, c.hazard_ratio, [c.ci_lower, c.ci_upper], c.se, c.z, c.p)
    assert out["cox"]["score"]["chisq"] == models.cox.score.chisq  # type: ignore[union-attr]
    assert [t["chisq"] for t in out["gray"]["tests"]] == [t.chisq for t in models.gray]
    assert out["fine_gray"][0]["coefficients"][0]["coef"] == models.fine_gray[0].coefficients[0].coef


def test_choosing_the_reference_inverts_the_hazard_ratio(demo_db: Database) -> None:
    with demo_db.session() as s:
        cases = load_summaries(s)
    result = analyze_cohort(cases, OVERALL_SURVIVAL, group_by="prior_hsct")
    yes = analyse_models(result).cox
    no = analyse_models(result, reference=["yes"]).cox
    assert yes is not None and no is not None
    assert no.coefficients[0].name == "prior_hsct=no"
    assert no.coefficients[0].hazard_ratio == pytest.approx(1 / (yes.coefficients[0].hazard_ratio or 1), rel=1e-9)
