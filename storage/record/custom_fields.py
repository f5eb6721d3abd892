"""Defining the investigator's own variables (custom fields): list, add, rename, edit choices, delete.

Every function takes the caller's session (one transaction per user action) and raises
CustomFieldError, naming the field and the rule, for a change it refuses; nothing is written then.
A deletion returns what it removed as plain data, so that an undo can put it back as it was.
Values are filled per case through the case form (storage.record.case_documents); storage.record.rules checks them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.record import codes
from storage.record.models import Case, CustomField, CustomValue

NAME_LENGTH = 60  # custom_fields.name is String(60)

# The built-in field names of ``analyze --group-by/--where`` (analysis.statistics.cohort.FIELDS; storage may not
# import analysis, so a test keeps the two in step). A custom field of the same name would be hidden
# behind the built-in one there.
# The flat case template's column names (storage.interchange.case_template), written out here so that the
# record does not import the interchange layer; a test keeps the two equal.
TEMPLATE_COLUMNS = frozenset({
    "age_at_time_zero", "best_response", "best_response_date", "best_response_override",
    "best_response_override_reason", "birth_date", "bm_blasts_pre", "cytogenetics", "death_cause",
    "death_cause_detail", "death_date", "diagnosis", "disease_status", "donor_type", "height_cm",
    "high_risk_cytogenetics", "hospital_number", "hsct_after_date", "initial_diagnosis_date", "last_follow_up",
    "last_follow_up_status", "name", "notes", "prior_hsct_count", "prior_hsct_dates", "prior_regimens",
    "prior_therapies", "relapse_date", "relapse_number", "relapse_site", "salvage_start", "sex", "study_id",
    "subtype", "weight_kg",
})
ANALYSIS_FIELD_NAMES = frozenset({
    "age", "best_response", "death_cause", "diagnosis", "disease_status", "high_risk_cytogenetics",
    "prior_hsct", "relapse_after_salvage", "relapse_number", "responder", "sex", "status", "subtype",
    "transplant_after_salvage", "transplant_donor", "treatment_failure", "vital_status",
})


class CustomFieldError(ValueError):
    """A change of the custom-field definitions that is refused; the message is for the user."""


@dataclass(frozen=True)
class CustomFieldInfo:
    """A custom field as the definitions dialog lists it."""

    name: str
    kind: str
    choices: tuple[str, ...]
    cases_with_value: int

    @property
    def kind_label(self) -> str:
        return codes.CUSTOM_FIELD_KIND.get(self.kind, self.kind)


@dataclass(frozen=True)
class DeletedField:
    """A deleted field with every value it held, by case id: enough to restore it."""

    name: str
    kind: str
    choices: tuple[str, ...]
    values: Mapping[int, str | None] = field(default_factory=dict)


def _find(session: Session, name: str) -> CustomField:
    found = session.scalar(select(CustomField).where(CustomField.name == name))
    if found is None:
        raise CustomFieldError(f"There is no custom field '{name}'.")
    return found


def _count_values(session: Session, field_id: int, value: str | None = None) -> int:
    query = select(func.count(CustomValue.id)).where(
        CustomValue.field_id == field_id, CustomValue.value.is_not(None), CustomValue.value != ""
    )
    if value is not None:
        query = query.where(CustomValue.value == value)
    return int(session.scalar(query) or 0)


def name_rule(name: str) -> str | None:
    """Which rule a new custom field's (stripped) name breaks, in words, or None; the definitions dialog and
    the import's --add-fields both refuse by it (uniqueness is checked against the database separately)."""
    if not name:
        return "A custom field needs a name."
    if len(name) > NAME_LENGTH:
        return f"The name '{name}' is too long: at most {NAME_LENGTH} characters."
    if any(ch in name for ch in "=\n\r\t"):
        return f"The name '{name}' cannot contain '=', a tab or a line break (analyze --where reads FIELD=VALUE)."
    key = name.lower()
    if key.startswith("custom:"):
        return f"The name '{name}' cannot start with 'custom:' (analyze uses that prefix)."
    if key in ANALYSIS_FIELD_NAMES:
        return f"The name '{name}' is a built-in field of the analysis (--group-by {key}); choose another name."
    if key in TEMPLATE_COLUMNS:
        return f"The name '{name}' is a column of the case template (import and export); choose another name."
    return None


def check_name(session: Session, name: str, current: str | None = None) -> str:
    """The name stripped, or CustomFieldError saying which rule it breaks."""
    name = (name or "").strip()
    broken = name_rule(name)
    if broken:
        raise CustomFieldError(broken)
    key = name.lower()
    for other in session.scalars(select(CustomField.name)):
        if other.lower() == key and other != current:
            raise CustomFieldError(f"A custom field '{other}' exists already; names must be unique "
                                   "(upper and lower case count as the same).")
    return name


def clean_choices(name: str, kind: str, choices: Iterable[str] | str) -> tuple[str, ...]:
    """The choices, one per line, stripped, blank lines dropped; refused if the kind does not fit."""
    items = choices.splitlines() if isinstance(choices, str) else list(choices)
    cleaned = tuple(c.strip() for c in items if c and c.strip())
    if kind != "choice":
        if cleaned:
            raise CustomFieldError(f"'{name}' is a {codes.CUSTOM_FIELD_KIND.get(kind, kind)} field: "
                                   "only a choice field has choices.")
        return ()
    if not cleaned:
        raise CustomFieldError(f"The choice field '{name}' needs at least one choice (one per line).")
    seen: set[str] = set()
    for choice in cleaned:
        if choice in seen:
            raise CustomFieldError(f"The choice '{choice}' of '{name}' is listed twice.")
        seen.add(choice)
    return cleaned


def list_fields(session: Session) -> list[CustomFieldInfo]:
    """Every custom field by name, with how many cases hold a value."""
    counts: dict[int, int] = {}
    for field_id, count in session.execute(
        select(CustomValue.field_id, func.count(CustomValue.id))
        .where(CustomValue.value.is_not(None), CustomValue.value != "")
        .group_by(CustomValue.field_id)
    ):
        counts[field_id] = int(count)
    return [
        CustomFieldInfo(f.name, f.kind, tuple(f.choice_list), counts.get(f.id, 0))
        for f in session.scalars(select(CustomField).order_by(CustomField.name))
    ]


def add_field(session: Session, name: str, kind: str, choices: Iterable[str] | str = ()) -> CustomFieldInfo:
    """A new field (no values yet); refused if the name or the kind or choices break a rule."""
    name = check_name(session, name)
    if kind not in codes.CUSTOM_FIELD_KIND:
        raise CustomFieldError(f"'{name}': the kind must be one of {', '.join(codes.CUSTOM_FIELD_KIND)} "
                               f"(got {kind!r}).")
    cleaned = clean_choices(name, kind, choices)
    session.add(CustomField(name=name, kind=kind, choices="\n".join(cleaned) or None))
    session.flush()
    return CustomFieldInfo(name, kind, cleaned, 0)


def rename_field(session: Session, old: str, new: str) -> str:
    """Rename a field; its values stay with the cases. Returns the new name as stored."""
    found = _find(session, old)
    found.name = check_name(session, new, current=old)
    session.flush()
    return found.name


def choice_usage(session: Session, name: str) -> dict[str, int]:
    """How many cases hold each value of a field."""
    found = _find(session, name)
    rows = session.execute(
        select(CustomValue.value, func.count(CustomValue.id))
        .where(CustomValue.field_id == found.id, CustomValue.value.is_not(None))
        .group_by(CustomValue.value)
    )
    return {value: int(count) for value, count in rows if value}


def set_choices(session: Session, name: str, choices: Iterable[str] | str) -> tuple[str, ...]:
    """Replace a choice field's choices; a choice that cases use cannot be removed."""
    found = _find(session, name)
    cleaned = clean_choices(found.name, found.kind, choices)
    usage = choice_usage(session, found.name)
    removed_in_use = [(c, usage[c]) for c in found.choice_list if c not in cleaned and usage.get(c)]
    if removed_in_use:
        parts = "; ".join(f"'{c}' is used by {n} case{'s' if n != 1 else ''}" for c, n in removed_in_use)
        raise CustomFieldError(f"Cannot remove a choice of '{found.name}' that cases use: {parts}. "
                               "Change those cases first.")
    found.choices = "\n".join(cleaned) or None
    session.flush()
    return cleaned


def cases_with_value(session: Session, name: str) -> int:
    """How many cases hold a value of the field: what a deletion would remove."""
    return _count_values(session, _find(session, name).id)


def delete_field(session: Session, name: str) -> DeletedField:
    """Delete a field with every case's value of it; returns them, for an undo."""
    found = _find(session, name)
    values = {v.case_id: v.value for v in session.scalars(select(CustomValue).where(CustomValue.field_id == found.id))}
    deleted = DeletedField(found.name, found.kind, tuple(found.choice_list), values)
    session.delete(found)  # its values go with it, through the ORM, so the audit trail sees each
    session.flush()
    return deleted


def restore_field(session: Session, deleted: DeletedField) -> None:
    """Put a deleted field back with its values (the undo of delete_field)."""
    add_field(session, deleted.name, deleted.kind, deleted.choices)
    restored = _find(session, deleted.name)
    for case_id, value in deleted.values.items():
        case = session.get(Case, case_id)
        if case is not None:  # a case deleted since cannot take its value back
            case.custom_values.append(CustomValue(field=restored, value=value))
    session.flush()
