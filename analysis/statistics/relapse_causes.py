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


def relapse_causes(cases: Sequence[Any], unit: str = "months") -> CompetingTimes:
    """Each case's first failure (relapse or death) and its cause, in ``unit`` from time zero."""
    times: list[float] = []
    causes: list[int] = []
    ids: list[str] = []
    excluded: list[str] = []
    for c in cases:
        zero = c.time_zero
        if zero is None:
            excluded.append(c.study_id)
            continue
        if c.first_relapse_date is not None and (c.death_date is None or c.first_relapse_date <= c.death_date):
            when, cause = c.first_relapse_date, RELAPSE
        elif c.death_date is not None:
            when, cause = c.death_date, (RELAPSE if c.death_cause == "disease" else NON_RELAPSE_DEATH)
        elif c.last_follow_up is not None:
            when, cause = c.last_follow_up, CENSORED
        else:
            excluded.append(c.study_id)
            continue
        times.append(max(0, (when - zero).days) / TIME_UNITS[unit])
        causes.append(cause)
        ids.append(c.study_id)
    return CompetingTimes(np.asarray(times, dtype=np.float64), np.asarray(causes, dtype=np.int64),
                          tuple(ids), tuple(excluded), unit)
