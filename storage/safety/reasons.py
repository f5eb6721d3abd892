"""Reasons for changes to saved cases: optional by default, required after a data freeze (a study setting).

GCP wants to know why a recorded value changed once the data were frozen for an analysis. Every flush
that changes, deletes or adds to a case that was already saved looks for a reason (session.info, set by
Database.audit_context or the import); when there is none it asks the installed prompt (the window shows a
dialog) once per transaction, and when the study requires one and none is given the change is refused,
nothing saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from storage.record.models import Base, Case, CustomField, EndpointDefinition, StudyInfo
from storage.record.rules import RecordRejected, Violation
from storage.record.study_settings import get_setting, put_setting
from storage.record.tables import freezes
from storage.safety.audit import REASON_KEY

REASON_PROMPT_KEY = "casebook_reason_prompt"  # session.info: Callable[[str, bool], str | None]
_ASKED = "casebook_reason_asked"
POLICY_SETTING = ("study", "change_reasons")
POLICIES = {
    "optional": "a reason is asked for but never required",
    "after_freeze": "a reason is required for every change to a saved case once the data were frozen",
    "always": "a reason is required for every change to a saved case",
}
DEFAULT_POLICY = "after_freeze"
_NOT_CASE_DATA = (StudyInfo, CustomField, EndpointDefinition)


class ReasonRequired(RecordRejected):
    """A change to a saved case without the reason the study requires; nothing was saved."""


def reason_policy(session: Session) -> str:
    value = get_setting(session, *POLICY_SETTING)
    return value if value in POLICIES else DEFAULT_POLICY


def set_reason_policy(session: Session, policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}")
    put_setting(session, *POLICY_SETTING, policy)


def reason_required(session: Session) -> bool:
    policy = reason_policy(session)
    if policy == "always":
        return True
    if policy == "optional":
        return False
    return bool(session.scalar(select(func.count()).select_from(freezes)))


def why_required(session: Session) -> str | None:
    """Why the study requires a reason now, in words ("the data were frozen on 01.12.2026"); None if it does not."""
    policy = reason_policy(session)
    if policy == "optional":
        return None
    if policy == "always":
        return "the study requires a reason for every change to a saved case"
    first = session.execute(select(freezes.c.created_at, freezes.c.label).order_by(freezes.c.id).limit(1)).first()
    if first is None:
        return None
    day = str(first[0])[:10]
    shown = f"{day[8:10]}.{day[5:7]}.{day[0:4]}" if len(day) == 10 else day
    return f"the data were frozen on {shown} ({first[1]})"


def _saved_case_of(obj: Any) -> Case | None:
    if isinstance(obj, _NOT_CASE_DATA) or not isinstance(obj, Base):
        return None
    if isinstance(obj, Case):
        return obj
    loaded = inspect(obj).dict
    owner = loaded.get("case")
    if owner is None and "course" in loaded and loaded["course"] is not None:
        owner = inspect(loaded["course"]).dict.get("case")
    return owner if isinstance(owner, Case) else None


def changed_saved_cases(session: Session) -> list[str]:
    """Study IDs of the saved cases this flush changes (edits, deletions, records added to them)."""
    found: dict[str, None] = {}
    candidates: Iterable[Any] = [*session.dirty, *session.deleted, *session.new]
    for obj in candidates:
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        case = _saved_case_of(obj)
        if case is not None and (inspect(case).persistent or inspect(case).deleted):
            found[case.study_id or "?"] = None
    return list(found)


@event.listens_for(Session, "before_flush")
def _ask_for_reason(session: Session, _context: Any, _instances: Any) -> None:
    given = session.info.get(REASON_KEY)
    if given is not None and str(given).strip():
        return
    with session.no_autoflush:
        cases = changed_saved_cases(session)
        if not cases:
            return
        required = reason_required(session)
    prompt = session.info.get(REASON_PROMPT_KEY)
    if prompt is not None and not session.info.get(_ASKED):
        session.info[_ASKED] = True
        shown = ", ".join(cases[:5]) + (f" and {len(cases) - 5} more" if len(cases) > 5 else "")
        answer = prompt(f"case {shown}", required)
        if answer and answer.strip():
            session.info[REASON_KEY] = answer.strip()
            return
    if required:
        with session.no_autoflush:
            why = why_required(session) or "the study requires a reason"
        raise ReasonRequired([Violation(cases[0], "Reason for change",
                                        f"not saved: {why}, so every change to a saved case needs a reason; "
                                        "type it beside Save case")])
