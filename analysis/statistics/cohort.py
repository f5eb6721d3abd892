"""From case summaries to the survival numbers of a paper: one function, no Qt, no database.

``analyze_cohort(summaries, rule, ...)`` selects the population (``--where FIELD=VALUE``),
derives the endpoint of every case (with its one-line explanation), lists the cases that cannot
give a value and why, and computes per group: n, events, censored, the median with its CI, the
landmark estimates, the median follow-up (reverse Kaplan–Meier) and a few-events warning; with
a grouping, the log-rank test. The CLI and the Analysis tab are two faces of this function.

Fields (``--group-by`` / ``--where``) are listed in :data:`FIELDS`; a custom field is used by
its name. Values are the stored codes (``sex=f``, ``best_response=CR``, ``diagnosis=AML``) and
``yes``/``no`` for yes/no facts; a comma in a ``--where`` value means "any of".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from analysis.statistics.endpoint_arrays import endpoint_arrays
from analysis.statistics.endpoints import TIME_UNITS, EndpointRule, EndpointValue, derive, time_in
from analysis.statistics.kaplan_meier import (
    MEDIAN_RULE,
    ConfType,
    KaplanMeier,
    LandmarkEstimate,
    MedianEstimate,
    ci_method_label,
    kaplan_meier,
    median_follow_up,
    median_survival,
    survival_at,
)
from analysis.statistics.logrank import LogRank, logrank_test
from analysis.statistics.proportions import few_events_warning
from storage.record import codes  # plain data: the labels of the stored codes

CONF_TYPES: tuple[str, ...] = ("log", "log-log", "plain")
MISSING = "not recorded"


class CohortError(ValueError):
    """A request that cannot be analysed (unknown field, empty population); message for the user."""


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


@dataclass(frozen=True)
class Field:
    """A variable of the case record usable to group or filter, or a number for Table 1."""

    name: str
    label: str
    kind: str  # "category", "number", "text" (free text: groups only if asked) or "date" (never grouped)
    get: Callable[[Any], object]
    codes: Mapping[str, str] = field(default_factory=dict)  # code -> label a clinician reads

    def value(self, case: Any) -> str | None:
        """The case's value as text (None if not recorded); numbers keep their plain text form."""
        raw = self.get(case)
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        if isinstance(raw, float):
            return f"{raw:g}"
        return str(raw)

    def number(self, case: Any) -> float | None:
        raw = self.get(case)
        if raw is None or raw == "" or isinstance(raw, bool):
            return None
        try:
            return float(str(raw))
        except ValueError:
            return None

    def display(self, value: str) -> str:
        return self.codes.get(value, value)

    def short_display(self, value: str) -> str:
        """The value as a clinician reads it in a legend or a sentence: "female", "yes", but "AML", "CRi"
        (a long label gives way to its standard abbreviation)."""
        label = self.codes.get(value, value)
        return value if len(label) > 20 else label

    def check_values(self, values: Sequence[str]) -> None:
        """Refuse a filter value that is not one of a coded field's values (e.g. ``sex=x``)."""
        if self.kind != "category" or not self.codes:
            return
        known = {c.casefold() for c in self.codes}
        for v in values:
            if v.casefold() not in known:
                raise CohortError(f"'{v}' is not a value of {self.name} ({self.label}); values: "
                                  f"{', '.join(self.codes)}.")


def _codes() -> dict[str, dict[str, str]]:
    yes_no = {"yes": "yes", "no": "no"}
    return {
        "sex": dict(codes.SEX), "diagnosis": dict(codes.DIAGNOSIS), "disease_status": dict(codes.DISEASE_STATUS),
        "best_response": dict(codes.RESPONSE), "donor": dict(codes.DONOR), "death_cause": dict(codes.DEATH_CAUSE),
        "yes_no": yes_no,
    }


_STATUS_ORDER = {label: label for label in ("primary refractory", *(f"{o} relapse" for o in codes.ORDINALS))}


def _builtin_fields() -> dict[str, Field]:
    c = _codes()
    yn = c["yes_no"]
    items = [
        Field("sex", "Sex", "category", lambda s: s.sex, c["sex"]),
        Field("age", "Age at salvage, years", "number", lambda s: s.age_at_time_zero),
        Field("diagnosis", "Diagnosis", "category", lambda s: s.diagnosis, c["diagnosis"]),
        Field("subtype", "Subtype / immunophenotype", "category", lambda s: s.subtype),
        Field("disease_status", "Disease status at salvage", "category", lambda s: s.disease_status,
              c["disease_status"]),
        Field("status", "Status at salvage", "category", lambda s: s.status_label or None, _STATUS_ORDER),
        Field("relapse_number", "Relapse number", "category", lambda s: s.relapse_number),
        Field("high_risk_cytogenetics", "High-risk cytogenetics", "category",
              lambda s: _yes_no(s.high_risk_cytogenetics), yn),
        Field("prior_hsct", "Previous allogeneic HSCT", "category", lambda s: _yes_no(s.prior_transplants > 0), yn),
        Field("best_response", "Best response after salvage", "category", lambda s: s.best_response,
              c["best_response"]),
        Field("responder", "Complete remission after salvage (CR/CRi)", "category",
              lambda s: None if s.best_response is None else _yes_no(s.in_remission), yn),
        Field("treatment_failure", "Treatment failure", "category",
              lambda s: None if s.best_response is None else _yes_no(s.treatment_failure), yn),
        Field("transplant_after_salvage", "Allogeneic HSCT after salvage", "category",
              lambda s: _yes_no(s.first_transplant_date is not None), yn),
        Field("transplant_donor", "Donor of the first HSCT after salvage", "category",
              lambda s: s.first_transplant_donor, c["donor"]),
        Field("relapse_after_salvage", "Relapse after salvage", "category",
              lambda s: _yes_no(s.first_relapse_date is not None), yn),
        Field("vital_status", "Vital status at last follow-up", "category",
              lambda s: "dead" if s.death_date is not None else "alive"),
        Field("death_cause", "Cause of death", "category", lambda s: s.death_cause, c["death_cause"]),
    ]
    return {f.name: f for f in items}


#: Built-in fields by name (custom fields are added per database, see :func:`fields_for`).
FIELDS: dict[str, Field] = _builtin_fields()


_CUSTOM_KINDS = {"number": "number", "date": "date", "text": "text", "choice": "category", "yesno": "category"}


def fields_for(custom_kinds: Mapping[str, str] | None = None) -> dict[str, Field]:
    """Built-in fields plus the database's custom fields ({name: kind}); built-ins win a name clash,
    and a custom field is then still reachable as ``custom:NAME``."""
    out = dict(FIELDS)
    for name, kind in (custom_kinds or {}).items():
        def get(s: Any, key: str = name) -> object:
            return s.custom.get(key)

        f = Field(name, name, _CUSTOM_KINDS.get(kind, "category"), get, {"yes": "yes", "no": "no"} if kind == "yesno" else {})
        out.setdefault(name, f)
        out[f"custom:{name}"] = f
    return out


def field_names_text(fields: Mapping[str, Field]) -> str:
    return ", ".join(n for n in fields if not n.startswith("custom:"))


def resolve_field(name: str, fields: Mapping[str, Field], purpose: str = "group by") -> Field:
    f = fields.get(name)
    if f is None:
        raise CohortError(f"Unknown field '{name}'. Fields: {field_names_text(fields)}.")
    if f.kind not in ("category", "text"):
        raise CohortError(f"Cannot {purpose} '{name}': it is a {f.kind}; use a categorical field.")
    return f


@dataclass(frozen=True)
class Condition:
    """``FIELD=VALUE[,VALUE...]``: keep the cases whose value is any of the values (case-insensitive)."""

    field: str
    values: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Condition:
        name, sep, value = text.partition("=")
        values = tuple(v.strip() for v in value.split(",") if v.strip())
        if not sep or not name.strip() or not values:
            raise CohortError(f"A population filter is FIELD=VALUE (e.g. best_response=CR), not '{text}'.")
        return cls(name.strip(), values)

    def describe(self, f: Field | None = None) -> str:
        """E.g. "Sex = female"; the field's name and the codes when the field is not known."""
        if f is None:
            return f"{self.field} = {' or '.join(self.values)}"
        shown = [next((f.short_display(c) for c in f.codes if c.casefold() == v.casefold()), v) for v in self.values]
        return f"{f.label} = {' or '.join(shown)}"


@dataclass(frozen=True)
class Excluded:
    study_id: str
    reason: str


@dataclass(frozen=True)
class GroupResult:
    label: str
    km: KaplanMeier
    median: MedianEstimate
    landmarks: tuple[LandmarkEstimate, ...]
    follow_up: MedianEstimate
    warning: str | None
    study_ids: tuple[str, ...]

    @property
    def n(self) -> int:
        return self.km.n

    @property
    def events(self) -> int:
        return self.km.total_events

    @property
    def censored(self) -> int:
        return self.km.n - self.km.total_events

    def follow_up_text(self, unit: str) -> str:
        """Median follow-up in words; reverse Kaplan–Meier needs at least one censored case."""
        if self.censored == 0:
            return "not estimable (every case had an event, so no one was followed up to censoring)"
        return self.follow_up.as_text(digits=1, unit=unit)


@dataclass(frozen=True)
class CohortResult:
    rule: EndpointRule
    unit: str
    conf_type: str
    conf_level: float
    population: tuple[Condition, ...]
    group_by: str | None
    groups: tuple[GroupResult, ...]
    overall: GroupResult
    logrank: LogRank | None
    excluded: tuple[Excluded, ...]
    warnings: tuple[str, ...]
    cases: tuple[Any, ...] = ()  # the population's case summaries (for tables and competing risks)
    analysed: tuple[Any, ...] = ()  # the cases with a value, in the order of the estimates
    group_label: str | None = None  # the grouping field's label, e.g. "Previous allogeneic HSCT"
    group_display: tuple[str, ...] = ()  # each group's value as read, e.g. "yes", "female"
    population_labels: tuple[str, ...] = ()  # each condition in words, e.g. "Sex = female"
    custom_kinds: Mapping[str, str] | None = None  # the database's custom fields ({name: kind})

    def group_title(self, index: int) -> str:
        """A group as a legend reads it, e.g. "Previous allogeneic HSCT = yes"."""
        g = self.groups[index]
        value = self.group_display[index] if index < len(self.group_display) else g.label
        return f"{self.group_label or self.group_by} = {value}"

    @cached_property
    def values(self) -> tuple[EndpointValue, ...]:
        """Each analysed case's endpoint with its one-line explanation (derived when first asked)."""
        return tuple(derive(c, self.rule, self.unit) for c in self.analysed)

    def explanations(self, limit: int | None = None) -> list[str]:
        """The first ``limit`` analysed cases' explanations, then why each excluded case is left out."""
        shown = self.analysed if limit is None else self.analysed[:limit]
        lines = [derive(c, self.rule, self.unit).explanation for c in shown]
        excluded = self.excluded if limit is None else self.excluded[:limit]
        return lines + [f"{x.study_id}: not analysed: {x.reason}" for x in excluded]

    def population_text(self) -> str:
        if not self.population:
            return "all cases"
        return "; ".join(self.population_labels or tuple(c.describe() for c in self.population))

    def conventions(self) -> str:
        """What a reader must know to check the numbers, e.g. against R's survfit."""
        pct = f"{100 * self.conf_level:g}%"
        return (
            f"Kaplan–Meier; {pct} CI for S(t): {ci_method_label(self.conf_type)}; median: {MEDIAN_RULE} "
            f"(CI where the band crosses 0.5; 'not reached' if it stays above 0.5 to the end of follow-up, 'not estimable' if the band ends first); {time_in(self.unit)}; follow-up: reverse Kaplan–Meier; population: {self.population_text()}."
        )


def select_population(
    summaries: Sequence[Any], conditions: Sequence[Condition], fields: Mapping[str, Field]
) -> tuple[list[Any], list[Excluded]]:
    """Cases meeting every condition; the others are listed with the condition they fail."""
    resolved = [(c, resolve_field(c.field, fields, purpose="filter on")) for c in conditions]
    for cond, f in resolved:
        f.check_values(cond.values)
    kept: list[Any] = []
    out: list[Excluded] = []
    for case in summaries:
        reason = None
        for cond, f in resolved:
            value = f.value(case)
            if value is None or value.casefold() not in {v.casefold() for v in cond.values}:
                shown = MISSING if value is None else value
                reason = f"outside the population ({f.label} is {shown}, not {' or '.join(cond.values)})"
                break
        if reason is None:
            kept.append(case)
        else:
            out.append(Excluded(case.study_id, reason))
    return kept, out


def _failure_warning(rule: EndpointRule, cases: Sequence[Any]) -> str | None:
    """An EFS that counts relapse over cases that never reached remission: not the article's EFS."""
    if not rule.relapse_is_event or rule.treatment_failure_is_event:
        return None
    ids = [c.study_id for c in cases if getattr(c, "treatment_failure", False)]
    if not ids:
        return None
    n = len(ids)
    return (
        f"{n} case{'s' if n != 1 else ''} never reached complete remission ({', '.join(ids)}); the article "
        "reports EFS for responders only: restrict the population to responders (responder = yes, i.e. CR or "
        "CRi) or use the endpoint 'efs-tf' that counts treatment failure as an event at day 0."
    )


def _group(label: str, t: np.ndarray[Any, Any], e: np.ndarray[Any, Any], ids: Sequence[str], at: Sequence[float],
           conf_type: ConfType, conf_level: float) -> GroupResult:
    km = kaplan_meier(t, e, conf_type=conf_type, conf_level=conf_level)
    return GroupResult(
        label=label, km=km, median=median_survival(km),
        landmarks=tuple(survival_at(km, float(x)) for x in at),
        follow_up=median_follow_up(t, e, conf_type=conf_type, conf_level=conf_level),
        warning=few_events_warning(km.total_events), study_ids=tuple(ids),
    )


def analyze_cohort(
    summaries: Sequence[Any],
    rule: EndpointRule,
    unit: str = "months",
    where: Sequence[Condition] = (),
    group_by: str | None = None,
    at: Sequence[float] = (),
    conf_type: str = "log",
    conf_level: float = 0.95,
    custom_kinds: Mapping[str, str] | None = None,
) -> CohortResult:
    """Survival analysis of one endpoint over a population, overall or by group."""
    if unit not in TIME_UNITS:
        raise CohortError(f"Unknown time unit '{unit}'; use {', '.join(TIME_UNITS)}.")
    if conf_type not in CONF_TYPES:
        raise CohortError(f"Unknown CI type '{conf_type}'; use {', '.join(CONF_TYPES)}.")
    if not 0.0 < conf_level < 1.0:
        raise CohortError(f"The confidence level must be between 0 and 1 (e.g. 0.95), not {conf_level:g}.")
    for x in at:
        if not np.isfinite(x) or x < 0:
            raise CohortError(f"A landmark time must be a non-negative number, not {x}.")
    ct: ConfType = conf_type  # type: ignore[assignment]
    fields = fields_for(custom_kinds)
    grouping = resolve_field(group_by, fields) if group_by else None
    population, excluded = select_population(summaries, where, fields)
    days, event = endpoint_arrays(population, rule)
    with np.errstate(invalid="ignore"):
        keep = days >= 0  # NaN (no value) and a date before time zero are both left out, with the reason
    labels: list[str] = []
    if grouping is not None:
        raw = [grouping.value(c) for c in population]
        missing = np.array([g is None for g in raw], dtype=bool)
        labels = [g for g, k in zip(raw, keep, strict=True) if k and g is not None]
    else:
        missing = np.zeros(len(population), dtype=bool)
    for i in np.flatnonzero(~keep | missing):
        case = population[int(i)]
        if np.isnan(days[i]):
            reason = derive(case, rule, unit).explanation.split(": ", 1)[-1]
        elif not keep[i]:
            reason = "the event or censoring date is before time zero (check the record)"
        else:
            reason = f"{grouping.label if grouping else ''} not recorded (needed for the grouping)"
        excluded.append(Excluded(case.study_id, reason))
    chosen = keep & ~missing
    analysed = [c for c, k in zip(population, chosen, strict=True) if k]
    if not analysed:
        raise CohortError(f"No case in the population ({len(population)} selected) has a value for {rule.name}.")
    t = days[chosen] / TIME_UNITS[unit]
    e = event[chosen].astype(np.int64)
    ids = [c.study_id for c in analysed]
    overall = _group("all", t, e, ids, at, ct, conf_level)
    warnings: list[str] = []
    logrank: LogRank | None = None
    if grouping is None:
        groups: tuple[GroupResult, ...] = (overall,)
    else:
        lab = np.array(labels, dtype=object)
        groups = tuple(
            _group(g, t[lab == g], e[lab == g], [i for i, x in zip(ids, labels, strict=True) if x == g], at, ct,
                   conf_level)
            for g in sorted(set(labels))
        )
        if len(groups) >= 2:
            logrank = logrank_test(t, e, labels)
        else:
            warnings.append(f"Only one group of {grouping.label} ({groups[0].label}): no log-rank test.")
    for res in groups:
        if res.warning:
            prefix = "" if grouping is None else f"{res.label}: "
            warnings.append(prefix + res.warning)
    failure = _failure_warning(rule, analysed)
    if failure:
        warnings.append(failure)
    if excluded:
        warnings.append(f"{len(excluded)} case(s) not analysed; see the list of excluded cases.")
    return CohortResult(
        rule=rule, unit=unit, conf_type=conf_type, conf_level=conf_level, population=tuple(where),
        group_by=grouping.name if grouping else None, groups=groups, overall=overall, logrank=logrank,
        excluded=tuple(excluded), warnings=tuple(warnings), cases=tuple(population),
        analysed=tuple(analysed),
        group_label=grouping.label if grouping else None,
        group_display=tuple(grouping.short_display(g.label) for g in groups) if grouping else (),
        population_labels=tuple(c.describe(fields.get(c.field)) for c in where),
        custom_kinds=dict(custom_kinds or {}),
    )
