"""Named study-level settings that are not case data: figure styles, import mappings, the drug catalogue.

Kept as JSON in the ``study_info`` key/value table under ``NAMESPACE:NAME`` keys, so that they live in the
study's own database (a copy or backup of the study carries them) without a schema change. The table is
outside the case record: a data freeze does not cover it, so a style may change after a freeze.

Every function takes the caller's session (one transaction per user action).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.record.models import StudyInfo

KEY_LENGTH = 60  # study_info.key is String(60)
NAMESPACES = frozenset({"figure_style", "import_mapping", "drug_catalogue", "dose_warnings", "study"})


class SettingError(Exception):
    """A setting cannot be stored; the message is for the user."""


def _key(namespace: str, name: str) -> str:
    if namespace not in NAMESPACES:
        raise SettingError(f"unknown kind of setting {namespace!r}")
    name = name.strip()
    if not name:
        raise SettingError("a setting needs a name")
    if any(ch in name for ch in "\n\r\t"):
        raise SettingError(f"the name {name!r} cannot contain a tab or a line break")
    key = f"{namespace}:{name}"
    if len(key) > KEY_LENGTH:
        raise SettingError(f"the name {name!r} is too long: at most {KEY_LENGTH - len(namespace) - 1} characters")
    return key


def get_setting(session: Session, namespace: str, name: str) -> Any | None:
    """The stored value (decoded JSON), or None when there is none."""
    row = session.get(StudyInfo, _key(namespace, name))
    return None if row is None else json.loads(row.value)


def put_setting(session: Session, namespace: str, name: str, value: Any) -> None:
    """Store (or replace) a setting; the value must be JSON-able plain data."""
    key = _key(namespace, name)
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SettingError(f"the setting {name!r} cannot be stored ({exc})") from None
    row = session.get(StudyInfo, key)
    if row is None:
        session.add(StudyInfo(key=key, value=text))
    elif row.value != text:
        row.value = text
    session.flush()


def delete_setting(session: Session, namespace: str, name: str) -> bool:
    """Remove a setting; False if there was none."""
    row = session.get(StudyInfo, _key(namespace, name))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def list_settings(session: Session, namespace: str) -> list[str]:
    """The names stored in a namespace, sorted."""
    prefix = _key(namespace, "x")[:-1]
    keys = session.scalars(select(StudyInfo.key).where(StudyInfo.key.startswith(prefix, autoescape=True)))
    return sorted(key.removeprefix(prefix) for key in keys)
