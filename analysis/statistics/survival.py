"""Public facade of the pure statistics layer (numpy in, frozen dataclasses out)."""

from __future__ import annotations

from analysis.statistics.competing_risks import CumulativeIncidence, cumulative_incidence
from analysis.statistics.kaplan_meier import (
    MEDIAN_RULE,
    TOLERANCE,
    KaplanMeier,
    LandmarkEstimate,
    MedianEstimate,
    ci_method_label,
    kaplan_meier,
    kaplan_meier_by_group,
    median_follow_up,
    median_survival,
    survival_at,
    survival_quantile,
)
from analysis.statistics.logrank import LogRank, logrank_test
from analysis.statistics.proportions import Proportion, clopper_pearson, few_events_warning

__all__ = [
    "MEDIAN_RULE",
    "TOLERANCE",
    "CumulativeIncidence",
    "KaplanMeier",
    "LandmarkEstimate",
    "LogRank",
    "MedianEstimate",
    "Proportion",
    "ci_method_label",
    "clopper_pearson",
    "cumulative_incidence",
    "few_events_warning",
    "kaplan_meier",
    "kaplan_meier_by_group",
    "logrank_test",
    "median_follow_up",
    "median_survival",
    "survival_at",
    "survival_quantile",
]
