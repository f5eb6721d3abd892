"""Percentages that never read as clipped: a value below 1 never prints as 100%, above 0 never as 0%."""

from __future__ import annotations

import pytest

from analysis.statistics.numbers import percent
from analysis.statistics.proportions import clopper_pearson
from analysis.statistics.tables import percent as whole_percent


@pytest.mark.parametrize(("x", "text"), [
    (0.9998, "99.98%"), (0.99999, "99.999%"), (0.00002, "0.002%"), (0.0004, "0.04%"),
    (1.0, "100.0%"), (0.0, "0.0%"), (0.625, "62.5%"), (0.9174, "91.7%"), (0.9996, "99.96%"),
])
def test_percent_keeps_enough_decimals_to_stay_inside_0_and_100(x: float, text: str) -> None:
    assert percent(x) == text


def test_whole_percent_stays_half_up_and_never_rounds_to_100_or_0() -> None:
    assert (whole_percent(5, 8), whole_percent(1, 8), whole_percent(8, 8), whole_percent(0, 8)) == (
        "63%", "13%", "100%", "0%")
    assert (whole_percent(999, 1000), whole_percent(1, 1000)) == ("99.9%", "0.1%")


def test_exact_ci_of_a_near_certain_rate_stays_below_100() -> None:
    text = clopper_pearson(4999, 5000).as_text()
    assert "100.0%" not in text and text == ("4999/5000 (99.98%; 95% CI 99.9–99.999%)")
