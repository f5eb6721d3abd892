"""Named endpoint definitions: the article's three (os, efs, efs-tf) and the investigator's own.

Every result names the rule it used, so a definition is data in the database, not code. The
three definitions seeded by the first migration are what the article reported and cannot be
changed here; the investigator adds new ones instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.record import codes
from storage.record.models import EndpointDefinition

BUILT_IN: frozenset[str] = frozenset({"os", "efs", "efs-tf"})
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class EndpointDefinitionError(ValueError):
    """A definition cannot be stored; the message is for the user."""


@dataclass(frozen=True)
class EndpointDefinitionRecord:
    id: int
    name: str
    label: str
    death_is_event: bool
    relapse_is_event: bool
    treatment_failure_is_event: bool
    death_causes: tuple[str, ...]  # empty: death from any cause

    @property
    def built_in(self) -> bool:
        return self.name in BUILT_IN


def _record(row: EndpointDefinition) -> EndpointDefinitionRecord:
    causes = tuple(c.strip() for c in (row.death_causes or "").split(",") if c.strip())
    return EndpointDefinitionRecord(
        id=row.id, name=row.name, label=row.label, death_is_event=bool(row.death_is_event),
        relapse_is_event=bool(row.relapse_is_event),
        treatment_failure_is_event=bool(row.treatment_failure_is_event), death_causes=causes,
    )


def list_definitions(session: Session) -> list[EndpointDefinitionRecord]:
    """All definitions, the built-in ones first, then the investigator's by name."""
    rows = session.scalars(select(EndpointDefinition)).all()
    records = [_record(r) for r in rows]
    return sorted(records, key=lambda r: (not r.built_in, r.id if r.built_in else 0, r.name))


def get_definition(session: Session, name: str) -> EndpointDefinitionRecord | None:
    row = session.scalars(select(EndpointDefinition).where(EndpointDefinition.name == name)).first()
    return None if row is None else _record(row)


def _check(
    name: str, label: str, death_is_event: bool, relapse_is_event: bool, death_causes: Iterable[str]
) -> tuple[str, str, str | None]:
    name = name.strip().lower()
    label = label.strip()
    if not _NAME.match(name):
        raise EndpointDefinitionError(
            "An endpoint name is 1 to 40 lower-case letters, digits, '-' or '_', starting with a letter."
        )
    if not label:
        raise EndpointDefinitionError("An endpoint needs a label, e.g. 'Relapse-free survival'.")
    if not (death_is_event or relapse_is_event):
        raise EndpointDefinitionError("An endpoint needs at least one event: death or relapse.")
    causes = sorted({c.strip() for c in death_causes if c.strip()})
    unknown = [c for c in causes if c not in codes.DEATH_CAUSE]
    if unknown:
        allowed = ", ".join(codes.DEATH_CAUSE)
        raise EndpointDefinitionError(f"Unknown cause of death {', '.join(unknown)}; use {allowed}.")
    if causes and not death_is_event:
        raise EndpointDefinitionError("Causes of death only apply when death is an event.")
    return name, label, ",".join(causes) or None


def create_definition(
    session: Session,
    name: str,
    label: str,
    death_is_event: bool = True,
    relapse_is_event: bool = False,
    treatment_failure_is_event: bool = False,
    death_causes: Iterable[str] = (),
) -> EndpointDefinitionRecord:
    """Store a new definition; refuses a taken name or a rule with no event."""
    name, label, causes = _check(name, label, death_is_event, relapse_is_event, death_causes)
    if get_definition(session, name) is not None:
        raise EndpointDefinitionError(f"An endpoint named '{name}' already exists.")
    row = EndpointDefinition(
        name=name, label=label, death_is_event=death_is_event, relapse_is_event=relapse_is_event,
        treatment_failure_is_event=treatment_failure_is_event, death_causes=causes,
    )
    session.add(row)
    session.flush()
    return _record(row)


def update_definition(
    session: Session,
    name: str,
    label: str,
    death_is_event: bool,
    relapse_is_event: bool,
    treatment_failure_is_event: bool,
    death_causes: Iterable[str] = (),
) -> EndpointDefinitionRecord:
    """Change one of the investigator's definitions (the article's three are fixed)."""
    if name in BUILT_IN:
        raise EndpointDefinitionError(f"'{name}' is one of the article's definitions and cannot be changed.")
    row = session.scalars(select(EndpointDefinition).where(EndpointDefinition.name == name)).first()
    if row is None:
        raise EndpointDefinitionError(f"There is no endpoint named '{name}'.")
    _, label, causes = _check(name, label, death_is_event, relapse_is_event, death_causes)
    row.label = label
    row.death_is_event = death_is_event
    row.relapse_is_event = relapse_is_event
    row.treatment_failure_is_event = treatment_failure_is_event
    row.death_causes = causes
    session.flush()
    return _record(row)
