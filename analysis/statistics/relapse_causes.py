"""Relapse and non-relapse mortality as competing risks: each case's time and cause, from its record.

The rule the cumulative-incidence figure draws (analysis.rendering.result_figures.relapse_and_nrm) and
the numbers ``analyze --json`` prints under ``"cif"``: the first of relapse (or progression) and death;
a death from the disease counts as relapse (it is the disease's failure), a death of therapy or another
cause as non-relapse mortality; otherwise censored at the last follow-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis.statistics.endpoints import TIME_UNITS

CENSORED, RELAPSE, NON_RELAPSE_DEATH = 0, 1, 2
CAUSE_NAMES: dict[int, str] = {RELAPSE: "relapse", NON_RELAPSE_DEATH: "non_relapse_mortality"}
CAUSE_LABELS: dict[int, str] = {RELAPSE: "Relapse (or death from the disease)",
                                NON_RELAPSE_DEATH: "Non-relapse mortality"}


@dataclass(frozen=True)
class CompetingTimes:
    """Per analysed case: time in ``unit`` and cause (0 censored, 1 relapse, 2 non-relapse death)."""

    time: npt.NDArray[np.float64]
    cause: npt.NDArray[np.int64]
    study_ids: tuple[str, ...]
    excluded: tuple[str, ...]  # study IDs without time zero or any follow-up date
    unit: str


def _ordinals(dates: Sequence[Any]) -> npt.NDArray[np.float64]:
    return np.array([np.nan if d is None else d.toordinal() for d in dates], dtype=np.float64)


def relapse_causes(cases: Sequence[Any], unit: str = "months") -> CompetingTimes:
    """Each case's first failure (relapse or death) and its cause, in ``unit`` from time zero
    (on arrays: 50,000 cases in milliseconds)."""
    zero = _ordinals([c.time_zero for c in cases])
    relapse = _ordinals([c.first_relapse_date for c in cases])
    death = _ordinals([c.death_date for c in cases])
    follow_up = _ordinals([c.last_follow_up for c in cases])
    disease_death = np.array([c.death_cause == "disease" for c in cases], dtype=bool)
    has_relapse = ~np.isnan(relapse) & (np.isnan(death) | (relapse <= death))
    has_death = ~has_relapse & ~np.isnan(death)
    has_follow_up = ~has_relapse & ~has_death & ~np.isnan(follow_up)
    when = np.where(has_relapse, relapse, np.where(has_death, death, follow_up))
    cause = np.where(has_relapse, RELAPSE, np.where(has_death, np.where(disease_death, RELAPSE, NON_RELAPSE_DEATH),
                                                    CENSORED)).astype(np.int64)
    keep = ~np.isnan(zero) & (has_relapse | has_death | has_follow_up)
    with np.errstate(invalid="ignore"):
        days = np.maximum(0.0, when - zero)
    ids = [c.study_id for c in cases]
    return CompetingTimes((days[keep] / TIME_UNITS[unit]).astype(np.float64), cause[keep],
                          tuple(i for i, k in zip(ids, keep, strict=True) if k),
                          tuple(i for i, k in zip(ids, keep, strict=True) if not k), unit)
