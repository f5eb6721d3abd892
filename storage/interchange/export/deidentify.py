"""De-identification for export: codes for study IDs, shifted or relative dates, no identifiers.

Each case gets, once, a random code and a random date offset (1-364 days, never 0, which would
leave the true dates), kept in the
``deid_keys`` table of the database (the key never leaves it), so that repeated exports of the
same case agree and the investigator can map a statistician's question back to the case.
Every date of a case is moved back by the same offset, which keeps every interval (and so
every survival time) exact; or, in "days" mode, replaced by the number of days from time zero.
Ages are computed from the true dates before anything is shifted.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.record.models import Case
from storage.record.tables import deid_keys
from storage.safety.audit import record_event

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I/1, O/0: codes are read aloud and typed
DATE_MODES = {"shift": "every date shifted by a random per-case offset",
              "days": "dates replaced by days from time zero (day 1 of salvage = 0)"}


@dataclass(frozen=True)
class CaseKey:
    code: str
    date_offset_days: int


def _new_code(taken: set[str]) -> str:
    while True:
        code = "C" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
        if code not in taken:
            taken.add(code)
            return code


def case_keys(session: Session, cases: list[Case]) -> dict[int, CaseKey]:
    """The key of every given case, creating (in the session's transaction) those still missing."""
    return keys_and_created(session, cases)[0]


def keys_and_created(session: Session, cases: list[Case]) -> tuple[dict[int, CaseKey], int]:
    """The key of every given case, creating (in the session's transaction) those still missing;
    and how many were created."""
    keys = {cid: CaseKey(code, offset) for cid, code, offset in session.execute(select(deid_keys))}
    taken = {k.code for k in keys.values()}
    missing = []
    for case in cases:
        if case.id not in keys:
            key = CaseKey(_new_code(taken), 1 + secrets.randbelow(364))
            keys[case.id] = key
            missing.append({"case_id": case.id, "code": key.code, "date_offset_days": key.date_offset_days})
    if missing:
        session.execute(deid_keys.insert(), missing)
        record_event(session.connection(), "key", {"created_for_cases": len(missing)})  # never a code or offset
    return keys, len(missing)


class Deidentifier:
    """Turns a case's values into their de-identified form for one export."""

    def __init__(self, session: Session, cases: list[Case], mode: str = "shift"):
        if mode not in DATE_MODES:
            raise ValueError(f"unknown date mode {mode!r}; use one of {', '.join(DATE_MODES)}")
        self.mode = mode
        self.keys, self.created = keys_and_created(session, cases)

    def study_id(self, case: Case) -> str:
        return self.keys[case.id].code

    def date(self, case: Case, value: dt.date | None) -> dt.date | int | None:
        if value is None:
            return None
        if self.mode == "days":
            zero = case.time_zero
            return None if zero is None else (value - zero).days
        return value - dt.timedelta(days=self.keys[case.id].date_offset_days)

    def value(self, case: Case, value: Any) -> Any:
        """Dates (and lists of dates) transformed; everything else as it is."""
        if isinstance(value, dt.date):
            return self.date(case, value)
        if isinstance(value, list):
            return [self.value(case, v) for v in value]
        return value

    def describe(self) -> str:
        return ("de-identified: no names, hospital numbers, birth dates, and no free text or custom fields "
                "unless marked safe (any of which can identify a patient); every cell checked against "
                "its case's name, hospital number and birth date; study IDs coded, rows in code order; "
                f"{DATE_MODES[self.mode]}")
