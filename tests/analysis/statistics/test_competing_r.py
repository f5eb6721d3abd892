"""Gray's test and the Fine–Gray model against R's cmprsk 2.2 on a data set the tests write.

tests/fixtures/r/competing_data.py writes the 150 cases (no random generator); competing.R reads them
and writes R's numbers into competing.txt; these tests read that file and need no R.
crr stops its Newton–Raphson when the score is below gtol = 1e-6, so its coefficients sit within about
1e-5 of the maximum (ours converge further: our pseudo log-likelihood is a hair higher); standard errors,
z and p agree to 1e-5 relative, Gray's statistics to 1e-9.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from analysis.statistics.design import Design
from analysis.statistics.fine_gray import fine_gray
from analysis.statistics.gray import gray_test

R_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "r"


def reference(model: str) -> dict[str, float]:
    out = {}
    for line in (R_DIR / "competing.txt").read_text().splitlines():
        name, key, value = line.split()
        if name == model:
            out[key] = float(value)
    return out


def data() -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    spec = importlib.util.spec_from_file_location("competing_data", R_DIR / "competing_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.rows()
    with (R_DIR / "competing.csv").open() as fh:
        stored = [(int(r["id"]), float(r["time"]), int(r["cause"]), r["group"], float(r["age"]))
                  for r in csv.DictReader(fh)]
    assert stored == rows  # R read exactly what the test writes
    time = np.array([r[1] for r in rows])
    cause = np.array([r[2] for r in rows])
    return time, cause, [r[3] for r in rows], np.array([r[4] for r in rows])


@pytest.mark.parametrize("cause", [1, 2])
def test_gray_three_groups_equals_cuminc(cause: int) -> None:
    time, c, group, _ = data()
    r = reference("gray")
    test = gray_test(time, c, group, cause)
    assert test.chisq == pytest.approx(r[f"cause{cause}.stat"], rel=1e-9)
    assert test.p == pytest.approx(r[f"cause{cause}.p"], rel=1e-9)
    assert test.df == r[f"cause{cause}.df"] == 2


@pytest.mark.parametrize("cause", [1, 2])
def test_gray_two_groups_equals_cuminc(cause: int) -> None:
    time, c, group, _ = data()
    keep = np.array([g != "C" for g in group])
    test = gray_test(time[keep], c[keep], [g for g in group if g != "C"], cause)
    r = reference("gray_ab")
    assert (test.chisq, test.p) == (pytest.approx(r[f"cause{cause}.stat"], rel=1e-9),
                                    pytest.approx(r[f"cause{cause}.p"], rel=1e-9))


def test_gray_with_no_failure_from_the_cause_has_nothing_to_test() -> None:
    test = gray_test([1, 2, 3, 4], [2, 0, 2, 0], ["a", "a", "b", "b"], 1)
    assert (test.chisq, test.df, test.p) == (0.0, 0, 1.0) and test.reason


def design(columns: list[str]) -> Design:
    time, cause, group, age = data()
    x = {"groupB": np.array([g == "B" for g in group], dtype=float),
         "groupC": np.array([g == "C" for g in group], dtype=float), "age": age}
    return Design(time, (cause > 0).astype(float), np.column_stack([x[c] for c in columns]), tuple(columns),
                  tuple(columns), (), tuple(str(i) for i in range(time.size)), cause=cause)


@pytest.mark.parametrize(("model", "cause", "columns"), [
    ("crr_group_relapse", 1, ["groupB", "groupC"]),
    ("crr_group_nrm", 2, ["groupB", "groupC"]),
    ("crr_group_age", 1, ["groupB", "groupC", "age"]),
])
def test_fine_gray_equals_crr(model: str, cause: int, columns: list[str]) -> None:
    r = reference(model)
    fit = fine_gray(design(columns), cause)
    assert fit.estimable and fit.converged
    for coef in fit.coefficients:
        assert coef.coef == pytest.approx(r[f"{coef.name}.coef"], abs=1e-5)
        assert coef.se == pytest.approx(r[f"{coef.name}.se"], rel=1e-5)
        assert coef.z == pytest.approx(r[f"{coef.name}.z"], rel=1e-4, abs=1e-5)
        assert coef.p == pytest.approx(r[f"{coef.name}.p"], rel=1e-4)
        assert (coef.ci_lower, coef.ci_upper) == (pytest.approx(r[f"{coef.name}.lower"], rel=1e-5),
                                                  pytest.approx(r[f"{coef.name}.upper"], rel=1e-5))
    assert fit.loglik_null == pytest.approx(r["loglik.null"], abs=1e-9)
    assert fit.loglik is not None and fit.loglik >= r["loglik"] - 1e-9  # at least as high as crr's
    assert fit.loglik == pytest.approx(r["loglik"], abs=1e-7)


def test_fine_gray_relapse_group_b_subdistribution_hr_reads_as_r_prints_it() -> None:
    """R> summary(crr(time, cause, group dummies)): groupB exp(coef) 2.240 (1.33 to 3.76), p 0.0023."""
    b = fine_gray(design(["groupB", "groupC"]), 1).coefficients[0]
    assert (round(b.hazard_ratio or 0, 3), round(b.ci_lower or 0, 2), round(b.ci_upper or 0, 2)) == (2.240, 1.33, 3.76)
    assert round(b.p or 0, 4) == 0.0023
