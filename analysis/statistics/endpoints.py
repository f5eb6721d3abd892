"""Time-to-event endpoints derived from a case's stored dates, never typed in.

Each value carries a one-line explanation a clinician can check against the chart, and a case
that cannot give a value is listed with the reason instead of being dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

# Days per unit. A month is 365.25 / 12 = 30.4375 days, as in the article.
TIME_UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}
_UNIT_NOTES: dict[str, str] = {"weeks": "1 week = 7 days", "months": "1 month = 30.4375 days",
                               "years": "1 year = 365.25 days"}


def unit_note(unit: str) -> str:
    """How the unit is counted in days, e.g. "1 year = 365.25 days"; "" for days."""
    return _UNIT_NOTES.get(unit, "")


def time_in(unit: str) -> str:
    """E.g. "time in months (1 month = 30.4375 days)", "time in days"."""
    note = unit_note(unit)
    return f"time in {unit}" + (f" ({note})" if note else "")


def format_time(value: float, unit: str, digits: int = 1) -> str:
    """A time as text; whole days print without decimals."""
    if unit == "days" and float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.{digits}f}"


class StoredDefinition(Protocol):
    """A stored endpoint definition (the ORM row or storage.record.endpoint_definitions' plain record)."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def death_is_event(self) -> bool: ...
    @property
    def relapse_is_event(self) -> bool: ...
    @property
    def treatment_failure_is_event(self) -> bool: ...
    @property
    def death_causes(self) -> str | Iterable[str] | None: ...


class CaseDates(Protocol):
    """What derivation needs from a case (storage.views.summaries.CaseSummary provides it)."""

    @property
    def study_id(self) -> str: ...
    @property
    def time_zero(self) -> dt.date | None: ...
    @property
    def first_relapse_date(self) -> dt.date | None: ...
    @property
    def death_date(self) -> dt.date | None: ...
    @property
    def death_cause(self) -> str | None: ...
    @property
    def last_follow_up(self) -> dt.date | None: ...
    @property
    def treatment_failure(self) -> bool: ...


@dataclass(frozen=True)
class EndpointRule:
    name: str
    label: str
    death_is_event: bool = True
    relapse_is_event: bool = False
    treatment_failure_is_event: bool = False
    death_causes: frozenset[str] | None = None  # None: death from any cause

    @classmethod
    def from_definition(cls, row: StoredDefinition) -> EndpointRule:
        """The rule of a stored definition; death causes stored as "disease,therapy" or a sequence."""
        raw = row.death_causes
        parts = raw.split(",") if isinstance(raw, str) else list(raw or ())
        causes = frozenset(p.strip() for p in parts if p.strip())
        return cls(
            name=row.name, label=row.label, death_is_event=bool(row.death_is_event),
            relapse_is_event=bool(row.relapse_is_event),
            treatment_failure_is_event=bool(row.treatment_failure_is_event),
            death_causes=causes or None,
        )

    def describe(self) -> str:
        events = []
        if self.relapse_is_event:
            events.append("relapse or progression")
        if self.death_is_event:
            causes = "any cause" if not self.death_causes else " or ".join(sorted(self.death_causes))
            events.append(f"death ({causes})")
        text = f"{self.label}: time zero = day 1 of the first salvage course; event = {' or '.join(events)}"
        if self.treatment_failure_is_event:
            text += "; treatment failure (no complete remission) counts as an event at day 0"
        return text + "; otherwise censored at last follow-up."


OVERALL_SURVIVAL = EndpointRule("os", "Overall survival", death_is_event=True)
EVENT_FREE_SURVIVAL = EndpointRule("efs", "Event-free survival", death_is_event=True, relapse_is_event=True)


@dataclass(frozen=True)
class EndpointValue:
    study_id: str
    days: float | None  # None: the case cannot give this endpoint (see explanation)
    event: bool
    event_kind: str | None  # "death", "relapse", "treatment failure"
    on: dt.date | None
    explanation: str

    @property
    def available(self) -> bool:
        return self.days is not None

    def time(self, unit: str = "months") -> float | None:
        return None if self.days is None else self.days / TIME_UNITS[unit]


def _fmt(days: float, unit: str) -> str:
    value = days / TIME_UNITS[unit]
    return f"{value:.1f} {unit}" if unit != "days" else f"{value:.0f} days"


def derive(case: CaseDates, rule: EndpointRule, unit: str = "months") -> EndpointValue:
    """The endpoint of one case under a rule, with its explanation."""
    sid = case.study_id
    zero = case.time_zero
    if zero is None:
        return EndpointValue(sid, None, False, None, None, f"{sid}: no value: no salvage start date (time zero)")
    if rule.treatment_failure_is_event and case.treatment_failure:
        return EndpointValue(
            sid, 0.0, True, "treatment failure", zero,
            f"{sid}: event (treatment failure, no complete remission) at day 0 ({zero.isoformat()})",
        )
    candidates: list[tuple[dt.date, str]] = []
    if rule.relapse_is_event and case.first_relapse_date is not None:
        candidates.append((case.first_relapse_date, "relapse"))
    death_counts = case.death_date is not None and (
        not rule.death_causes or (case.death_cause or "") in rule.death_causes
    )
    if rule.death_is_event and death_counts and case.death_date is not None:
        candidates.append((case.death_date, "death"))
    if candidates:
        when, kind = min(candidates, key=lambda c: c[0])
        days = float((when - zero).days)
        return EndpointValue(
            sid, days, True, kind, when,
            f"{sid}: event ({kind}) on {when.isoformat()}, {_fmt(days, unit)} after time zero",
        )
    if case.death_date is not None:
        # Death that is not an event of this endpoint (another cause): censored at death.
        days = float((case.death_date - zero).days)
        return EndpointValue(
            sid, days, False, None, case.death_date,
            f"{sid}: censored at death from another cause on {case.death_date.isoformat()}, "
            f"{_fmt(days, unit)} after time zero",
        )
    if case.last_follow_up is None:
        return EndpointValue(sid, None, False, None, None, f"{sid}: no value: no last follow-up date")
    days = float((case.last_follow_up - zero).days)
    return EndpointValue(
        sid, days, False, None, case.last_follow_up,
        f"{sid}: censored at last follow-up on {case.last_follow_up.isoformat()}, {_fmt(days, unit)} after time zero",
    )


def derive_all(cases: Iterable[CaseDates], rule: EndpointRule, unit: str = "months") -> list[EndpointValue]:
    return [derive(c, rule, unit) for c in cases]
