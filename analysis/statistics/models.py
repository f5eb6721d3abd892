"""The regression models and competing-risks tests of one analysis, from a cohort result.

The Analysis tab, the report and ``analyze`` all ask this one function, so that they show the same
models: a Cox model of the endpoint on the grouping field and the chosen covariates; Gray's test per
cause (relapse, non-relapse mortality) between the groups; a Fine–Gray model per cause on the same
covariates. Nothing is computed that was not asked for (no grouping and no covariates: no model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.statistics.cohort import CohortError, CohortResult, fields_for
from analysis.statistics.cox import CoxModel, cox_model
from analysis.statistics.design import build_design, cohort_design
from analysis.statistics.fine_gray import FineGrayModel, fine_gray
from analysis.statistics.gray import GrayTest, gray_test
from analysis.statistics.relapse_causes import CAUSE_NAMES, relapse_causes


@dataclass(frozen=True)
class ModelResults:
    covariates: tuple[str, ...]
    reference: tuple[tuple[str, str], ...]
    cox: CoxModel | None = None
    gray: tuple[GrayTest, ...] = ()
    fine_gray: tuple[FineGrayModel, ...] = ()
    gray_reason: str | None = None  # why there is no Gray's test, in words

    @property
    def asked(self) -> bool:
        return bool(self.covariates)


def model_terms(result: CohortResult, covariates: Sequence[str] = ()) -> tuple[str, ...]:
    """The grouping field first (its HR is the one a paper reports beside the log-rank p), then the
    covariates, each once."""
    first = (result.group_by,) if result.group_by else ()
    return tuple(dict.fromkeys((*first, *covariates)))


def parse_reference(texts: Sequence[str], result: CohortResult, covariates: Sequence[str]) -> dict[str, str]:
    """``--reference LEVEL`` (the grouping field's, else the first covariate's) or ``FIELD=LEVEL``."""
    out: dict[str, str] = {}
    terms = model_terms(result, covariates)
    for text in texts:
        name, sep, level = text.partition("=")
        if sep:
            out[name.strip()] = level.strip()
        elif terms:
            out[terms[0]] = text.strip()
        else:
            raise CohortError("--reference needs a model: give --group-by FIELD or --covariates FIELD.")
    return out


def _gray(result: CohortResult) -> tuple[tuple[GrayTest, ...], str | None]:
    fields = fields_for(result.custom_kinds)
    grouping = fields.get(result.group_by) if result.group_by else None
    if grouping is None:
        return (), None
    cases = [c for c in result.cases if grouping.value(c) is not None]
    data = relapse_causes(cases, result.unit)
    by_id = {c.study_id: grouping.value(c) for c in cases}
    labels = [str(by_id[i]) for i in data.study_ids]
    if len(set(labels)) < 2:
        return (), f"Only one group of {grouping.label}: no Gray's test."
    return tuple(gray_test(data.time, data.cause, labels, cause) for cause in CAUSE_NAMES), None


def _fine_gray(result: CohortResult, terms: Sequence[str], reference: Mapping[str, str]) -> tuple[FineGrayModel, ...]:
    data = relapse_causes(result.cases, result.unit)
    keep = set(data.study_ids)
    cases = [c for c in result.cases if c.study_id in keep]
    design = build_design(cases, data.time, (data.cause > 0).astype(np.float64), terms, result.custom_kinds,
                          reference, cause=data.cause)
    return tuple(fine_gray(design, cause, result.conf_level) for cause in CAUSE_NAMES)


def analyse_models(result: CohortResult, covariates: Sequence[str] = (), reference: Sequence[str] = ()
                   ) -> ModelResults:
    """Cox, Gray and Fine–Gray for the result's grouping and ``covariates`` (field names)."""
    terms = model_terms(result, covariates)
    ref = parse_reference(reference, result, covariates)
    if not terms:
        return ModelResults((), ())
    if result.group_by and len(result.groups) < 2 and not covariates:
        return ModelResults(terms, tuple(ref.items()), gray_reason="Only one group: no model and no Gray's test.")
    cox = cox_model(cohort_design(result, terms, ref), result.conf_level)
    gray, reason = _gray(result)
    return ModelResults(terms, tuple(ref.items()), cox, gray, _fine_gray(result, terms, ref), reason)
