"""Aalen–Johansen cumulative incidence on hand-computed examples with ties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.statistics.survival import cumulative_incidence, kaplan_meier

Z95 = 1.959963984540054

# cause: 0 censored, 1 relapse, 2 death without relapse.  Ties at t = 1 (two
# causes), t = 2 and t = 4 (event tied with a censoring).
TIME = [1, 1, 2, 2, 3, 4, 4, 5]
CAUSE = [1, 2, 1, 0, 2, 1, 0, 1]


def test_hand_computed_relapse_and_other() -> None:
    # t=1: n=8, 1 relapse + 1 death  -> F1 = 1/8, F2 = 1/8, S = 6/8
    # t=2: n=6, 1 relapse (+1 cens)  -> F1 += (6/8)(1/6) = 1/8 -> 1/4, S = 5/8
    # t=3: n=4, 1 death              -> F2 += (5/8)(1/4) = 5/32 -> 9/32, S = 15/32
    # t=4: n=3, 1 relapse (+1 cens)  -> F1 += (15/32)(1/3) = 5/32 -> 13/32, S = 10/32
    # t=5: n=1, 1 relapse            -> F1 += 10/32 -> 23/32, S = 0
    relapse = cumulative_incidence(TIME, CAUSE, cause_of_interest=1)
    other = cumulative_incidence(TIME, CAUSE, cause_of_interest=2)
    np.testing.assert_allclose(relapse.time, [1, 2, 3, 4, 5])
    np.testing.assert_allclose(relapse.estimate, [4 / 32, 8 / 32, 8 / 32, 13 / 32, 23 / 32])
    np.testing.assert_allclose(other.estimate, [4 / 32, 4 / 32, 9 / 32, 9 / 32, 9 / 32])
    np.testing.assert_allclose(relapse.overall_survival, [24 / 32, 20 / 32, 15 / 32, 10 / 32, 0])
    assert relapse.n_at_risk.tolist() == [8, 6, 4, 3, 1]
    assert relapse.n_events_cause.tolist() == [1, 1, 0, 1, 1]
    assert relapse.n_events_other.tolist() == [1, 0, 1, 0, 0]
    assert relapse.n_censored.tolist() == [0, 1, 0, 1, 0]
    assert relapse.at(0.5) == 0.0 and relapse.at(3.5) == pytest.approx(0.25)


def test_cifs_plus_km_sum_to_one_at_every_time() -> None:
    relapse = cumulative_incidence(TIME, CAUSE, 1)
    other = cumulative_incidence(TIME, CAUSE, 2)
    km = kaplan_meier(TIME, [int(c > 0) for c in CAUSE])
    np.testing.assert_allclose(km.time, relapse.time)
    np.testing.assert_allclose(relapse.estimate + other.estimate + km.survival, 1.0, atol=1e-12)


def test_ties_are_deterministic_under_reordering() -> None:
    order = [7, 3, 5, 0, 6, 1, 4, 2]
    a = cumulative_incidence(TIME, CAUSE, 1)
    b = cumulative_incidence([TIME[i] for i in order], [CAUSE[i] for i in order], 1)
    np.testing.assert_array_equal(a.estimate, b.estimate)
    np.testing.assert_array_equal(a.std_err, b.std_err)


def test_single_cause_equals_one_minus_km() -> None:
    t = [2, 3, 3, 5, 7, 8, 8, 9]
    e = [1, 0, 1, 1, 0, 1, 1, 0]
    cif = cumulative_incidence(t, e, 1)
    km = kaplan_meier(t, e)
    np.testing.assert_allclose(cif.estimate, 1.0 - km.survival, atol=1e-12)


def test_variance_without_censoring_is_binomial() -> None:
    # With no censoring the CIF is an empirical proportion: Var = F(1 - F) / n.
    t = [1, 1, 2, 3, 3, 4, 5, 5, 6, 7]
    c = [1, 2, 1, 1, 2, 2, 1, 1, 2, 1]
    cif = cumulative_incidence(t, c, 1, conf_type="plain")
    f = np.array([1, 2, 3, 3, 5, 5, 6]) / 10
    np.testing.assert_allclose(cif.estimate, f, atol=1e-12)
    np.testing.assert_allclose(cif.std_err**2, f * (1 - f) / 10, atol=1e-12)
    np.testing.assert_allclose(cif.ci_lower, np.clip(f - Z95 * np.sqrt(f * (1 - f) / 10), 0, 1))


def test_loglog_ci_first_step() -> None:
    cif = cumulative_incidence(TIME, CAUSE, 1)
    f = 1 / 8
    se = math.sqrt(f * (1 - f) / 8)  # first step: binomial, 7/512
    assert cif.std_err[0] == pytest.approx(se)
    scale = Z95 * se / (f * math.log(f))
    assert cif.ci_lower[0] == pytest.approx(f ** math.exp(-scale))
    assert cif.ci_upper[0] == pytest.approx(f ** math.exp(scale))
    assert 0 < cif.ci_lower[0] < f < cif.ci_upper[0] < 1
    assert "delta method" in cif.ci_method and cif.estimator == "Aalen–Johansen"


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        cumulative_incidence([1, 2], [1, -1], 1)
    with pytest.raises(ValueError):
        cumulative_incidence([1, 2], [1, 1], 0)
