"""Endpoint times of a whole cohort at once: analysis.statistics.endpoints.derive's rule on numpy arrays.

``derive`` remains the reference and writes each case's explanation; this module gives the same
days and events for 50,000 cases in a few milliseconds, so that changing the endpoint, the
population or the grouping recomputes quickly. tests/analysis/statistics/test_cohort_arrays.py checks that
both agree case by case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis.statistics.endpoints import EndpointRule

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _ordinals(dates: Sequence[Any]) -> FloatArray:
    return np.array([np.nan if d is None else d.toordinal() for d in dates], dtype=np.float64)


def endpoint_arrays(cases: Sequence[Any], rule: EndpointRule) -> tuple[FloatArray, BoolArray]:
    """(days from time zero, event) per case; days is NaN where the case cannot give a value."""
    zero = _ordinals([c.time_zero for c in cases])
    relapse = _ordinals([c.first_relapse_date for c in cases])
    death = _ordinals([c.death_date for c in cases])
    follow_up = _ordinals([c.last_follow_up for c in cases])
    failure = np.array([bool(c.treatment_failure) for c in cases], dtype=bool)
    if rule.death_causes:
        counts = np.array([(c.death_cause or "") in rule.death_causes for c in cases], dtype=bool)
    else:
        counts = np.ones(len(cases), dtype=bool)

    relapse_event = relapse if rule.relapse_is_event else np.full_like(relapse, np.nan)
    death_event = np.where(counts, death, np.nan) if rule.death_is_event else np.full_like(death, np.nan)
    first_event = np.fmin(relapse_event, death_event)  # NaN only where neither happened
    has_event = ~np.isnan(first_event)
    censor_at = np.where(~np.isnan(death), death, follow_up)  # death of another cause censors there

    end = np.where(has_event, first_event, censor_at)
    days = end - zero
    event = has_event.copy()
    if rule.treatment_failure_is_event:
        tf = failure & ~np.isnan(zero)
        days = np.where(tf, 0.0, days)
        event = event | tf
    days = np.where(np.isnan(zero), np.nan, days)
    event = event & ~np.isnan(days)
    return days.astype(np.float64), event.astype(bool)
