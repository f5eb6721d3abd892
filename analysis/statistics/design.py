"""The covariates of a regression model from the analysed cases, as R's model.matrix builds them.

A categorical field becomes indicator columns against its reference level (R's treatment contrasts;
the reference is the first level in sorted order, as R's ``factor``, unless one is chosen); a number
(age, a numeric custom field) enters as it is, per unit. A case with a covariate not recorded is left
out of the model and listed with the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis.statistics.cohort import CohortError, CohortResult, Field, fields_for

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Term:
    """One field of the model: its columns in the design, and for a category its levels."""

    field: str
    label: str
    kind: str  # "category" or "number"
    columns: tuple[int, ...]
    reference: str | None = None  # the reference level (categories)
    levels: tuple[str, ...] = ()  # the non-reference levels, one per column
    level_labels: tuple[str, ...] = ()  # as read, e.g. "female"
    reference_label: str | None = None


@dataclass(frozen=True)
class Design:
    time: FloatArray
    event: FloatArray
    x: FloatArray  # n × p
    column_names: tuple[str, ...]  # e.g. "sex=m", "age"
    column_labels: tuple[str, ...]  # e.g. "Sex: male vs female", "Age at salvage, years (per 1)"
    terms: tuple[Term, ...]
    study_ids: tuple[str, ...]
    cause: npt.NDArray[np.int64] | None = None  # competing-risk cause per case, where asked
    left_out: tuple[tuple[str, str], ...] = ()  # (study ID, reason)

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def events(self) -> int:
        return int((self.event > 0).sum())


def _term_field(name: str, fields: Mapping[str, Field]) -> Field:
    f = fields.get(name)
    if f is None:
        names = ", ".join(n for n in fields if not n.startswith("custom:"))
        raise CohortError(f"Unknown covariate '{name}'. Fields: {names}.")
    if f.kind not in ("category", "number", "text"):
        raise CohortError(f"Cannot use '{name}' as a covariate: it is a {f.kind}.")
    return f


def build_design(
    cases: Sequence[Any],
    time: FloatArray,
    event: FloatArray,
    covariates: Sequence[str],
    custom_kinds: Mapping[str, str] | None = None,
    reference: Mapping[str, str] | None = None,
    cause: npt.NDArray[np.int64] | None = None,
) -> Design:
    """Design matrix for ``covariates`` over ``cases`` (aligned with ``time`` / ``event``)."""
    if not covariates:
        raise CohortError("A model needs at least one covariate (--covariates FIELD or --group-by FIELD).")
    fields = fields_for(custom_kinds)
    chosen = [_term_field(name, fields) for name in dict.fromkeys(covariates)]
    reference = dict(reference or {})
    for name in reference:
        if name not in {f.name for f in chosen}:
            raise CohortError(f"--reference names a level of '{name}', which is not in the model.")
    raw: list[list[str | float | None]] = []
    for f in chosen:
        raw.append([f.number(c) if f.kind == "number" else f.value(c) for c in cases])
    keep = np.array([all(col[i] is not None for col in raw) for i in range(len(cases))], dtype=bool)
    left_out = tuple(
        (c.study_id, "not in the model: " + ", ".join(f.label for f, col in zip(chosen, raw, strict=True)
                                                    if col[i] is None) + " not recorded")
        for i, c in enumerate(cases) if not keep[i]
    )
    columns: list[FloatArray] = []
    names: list[str] = []
    labels: list[str] = []
    terms: list[Term] = []
    for f, col in zip(chosen, raw, strict=True):
        kept = [v for v, k in zip(col, keep, strict=True) if k]
        if f.kind == "number":
            terms.append(Term(f.name, f.label, "number", (len(columns),)))
            columns.append(np.asarray(kept, dtype=np.float64))
            names.append(f.name)
            labels.append(f"{f.label} (per 1)")
            continue
        values = sorted({str(v) for v in kept})
        ref = reference.get(f.name)
        if ref is not None:
            match = [v for v in values if v.casefold() == ref.casefold()]
            if not match:
                raise CohortError(f"'{ref}' is not a level of {f.name} in the analysed cases; levels: "
                                  f"{', '.join(values)}.")
            ref = match[0]
        else:
            ref = values[0] if values else None
        others = tuple(v for v in values if v != ref)
        start = len(columns)
        for level in others:
            columns.append(np.array([1.0 if v == level else 0.0 for v in kept]))
            names.append(f"{f.name}={level}")
            labels.append(f"{f.label}: {f.short_display(level)} vs {f.short_display(ref or '')}")
        terms.append(Term(f.name, f.label, "category", tuple(range(start, len(columns))), ref, others,
                          tuple(f.short_display(v) for v in others), f.short_display(ref or "")))
    x = np.column_stack(columns) if columns else np.zeros((int(keep.sum()), 0))
    ids = tuple(c.study_id for c, k in zip(cases, keep, strict=True) if k)
    return Design(np.asarray(time, dtype=np.float64)[keep], np.asarray(event, dtype=np.float64)[keep], x,
                  tuple(names), tuple(labels), tuple(terms), ids,
                  None if cause is None else np.asarray(cause)[keep], left_out)


def cohort_design(result: CohortResult, covariates: Sequence[str], reference: Mapping[str, str] | None = None
                  ) -> Design:
    """The design over the cohort's analysed cases, with their endpoint times in the result's unit."""
    from analysis.statistics.endpoint_arrays import endpoint_arrays
    from analysis.statistics.endpoints import TIME_UNITS

    days, event = endpoint_arrays(list(result.analysed), result.rule)
    return build_design(result.analysed, days / TIME_UNITS[result.unit], event.astype(np.float64), covariates,
                        result.custom_kinds, reference)
