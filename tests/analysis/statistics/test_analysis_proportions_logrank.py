"""Clopper–Pearson, small-sample warnings and k-group log-rank behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.statistics.survival import clopper_pearson, few_events_warning, logrank_test


def test_clopper_pearson_5_of_8() -> None:
    # R: binom.test(5, 8)$conf.int = 0.2448632 0.9147666
    res = clopper_pearson(5, 8)
    assert res.estimate == 0.625
    assert res.ci_lower == pytest.approx(0.2448632, abs=1e-6)
    assert res.ci_upper == pytest.approx(0.9147666, abs=1e-6)
    assert res.as_text() == "5/8 (62.5%; 95% CI 24.5–91.5%)"
    assert res.ci_method == "Clopper–Pearson exact"


def test_clopper_pearson_closed_forms_at_the_edges() -> None:
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n)
    zero = clopper_pearson(0, 10)
    assert zero.ci_lower == 0.0
    assert zero.ci_upper == pytest.approx(1 - 0.025 ** (1 / 10))
    full = clopper_pearson(10, 10)
    assert full.ci_upper == 1.0
    assert full.ci_lower == pytest.approx(0.025 ** (1 / 10))


def test_clopper_pearson_rejects_bad_counts() -> None:
    for k, n in ((-1, 5), (6, 5), (0, 0)):
        with pytest.raises(ValueError):
            clopper_pearson(k, n)


def test_few_events_warning() -> None:
    assert few_events_warning(5) is None
    msg = few_events_warning(3)
    assert msg is not None and "Only 3 events" in msg
    assert "1 event:" in (few_events_warning(1) or "")
    assert "No events" in (few_events_warning(0) or "")
    assert few_events_warning(8, threshold=10) is not None


def test_logrank_two_groups_hand_computed() -> None:
    # A: 1, 3   B: 2, 4+  (all events except 4+)
    # t=1: n=4 (2A,2B), d=1 in A: E_A = 1/2, V = 1*3/3 * (1/2)(1/2) = 1/4
    # t=2: n=3 (1A,2B), d=1 in B: E_A = 1/3, V = (1/3)(2/3) = 2/9
    # t=3: n=2 (1A,1B), d=1 in A: E_A = 1/2, V = 1/4
    # O_A - E_A = 2 - 4/3 = 2/3, V = 13/18 -> chisq = (4/9) / (13/18) = 8/13
    res = logrank_test([1, 3, 2, 4], [1, 1, 1, 0], ["A", "A", "B", "B"])
    assert res.expected[0] == pytest.approx(4 / 3)
    assert res.chisq == pytest.approx(8 / 13)
    assert res.df == 1


def test_logrank_three_groups_invariant_to_labels_and_order() -> None:
    rng = np.random.default_rng(20241124)
    t = np.round(rng.exponential(10, 30), 1)
    e = (rng.random(30) < 0.7).astype(int)
    g = np.array(["a", "b", "c"] * 10)
    base = logrank_test(t, e, g)
    relabel = logrank_test(t, e, np.where(g == "a", "z", g))  # changes reference group
    perm = rng.permutation(30)
    shuffled = logrank_test(t[perm], e[perm], g[perm])
    assert base.df == 2
    assert relabel.chisq == pytest.approx(base.chisq, rel=1e-10)
    assert shuffled.chisq == pytest.approx(base.chisq, rel=1e-10)
    assert sum(base.observed) == pytest.approx(sum(base.expected))


def test_logrank_three_groups_agrees_with_lifelines() -> None:
    # Cross-check against an independent implementation (lifelines).
    stats = pytest.importorskip("lifelines.statistics")
    rng = np.random.default_rng(7)
    t = np.round(rng.exponential(10, 45), 0) + 1
    e = (rng.random(45) < 0.8).astype(int)
    g = np.repeat(["x", "y", "z"], 15)
    ours = logrank_test(t, e, g)
    theirs = stats.multivariate_logrank_test(t, g, e)
    assert ours.chisq == pytest.approx(float(theirs.test_statistic), rel=1e-8)
    assert ours.p == pytest.approx(float(theirs.p_value), rel=1e-6)


def test_logrank_needs_two_groups() -> None:
    with pytest.raises(ValueError):
        logrank_test([1, 2], [1, 1], ["a", "a"])
