"""The last check of a de-identified export: no cell holds the case's own name, hospital number or birth date.

Leaving free text out (storage.interchange.export.exporting) is the rule; this scan is the safety net for what
a user marked safe, a custom field, or a coded column that somebody filled with an identifier. Casebook
knows each case's identifying data, so every exported cell is compared with that case's name (each part
and the whole, in any letter case, with or without accents or umlauts spelt out), hospital number (with or
without separators and leading zeros) and date of birth (ISO, German, English and compact spellings).
A hit refuses the whole export, naming the field and the coded case, never the value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.record.models import Case

# Name particles and very short parts match too much ordinary text to be told apart from a name.
_PARTICLES = frozenset({"von", "van", "der", "den", "del", "della", "des", "and", "und", "dos", "das", "zu"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _plain(text: str) -> str:
    """Lower case, accents dropped: Müller -> muller."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _spellings(text: str) -> set[str]:
    return {_plain(text), _plain(text.casefold().translate(_UMLAUTS))}


def birth_date_spellings(birth: dt.date) -> set[str]:
    """The usual ways a date of birth is typed: 1961-03-07, 07.03.1961, 7.3.61, 07/03/1961, 03/07/1961, 19610307 ..."""
    d, m, y = birth.day, birth.month, birth.year
    yy = f"{y % 100:02d}"
    out = {birth.isoformat(), f"{y}{m:02d}{d:02d}", f"{d:02d}{m:02d}{y}", f"{d:02d}{m:02d}{yy}"}
    for sep in ".-/ ":
        for day, month in ((f"{d:02d}", f"{m:02d}"), (str(d), str(m))):
            out |= {f"{day}{sep}{month}{sep}{y}", f"{day}{sep}{month}{sep}{yy}",
                    f"{month}{sep}{day}{sep}{y}", f"{y}{sep}{month}{sep}{day}"}
    return out


@dataclass(frozen=True)
class CaseIdentifiers:
    """What identifies one case, as patterns over plain (lower-case, accent-free) text."""

    words: tuple[re.Pattern[str], ...]
    digits: tuple[str, ...]  # hospital number without separators and leading zeros
    dates: frozenset[str]

    @classmethod
    def of(cls, case: Case) -> CaseIdentifiers:
        identity = case.identity
        words: set[str] = set()
        digits: set[str] = set()
        dates: set[str] = set()
        if identity is not None and identity.name:
            for spelling in _spellings(identity.name):
                parts = [p for p in re.split(r"[^\w]+", spelling) if p]
                words |= {p for p in parts if len(p) >= 3 and p not in _PARTICLES and not p.isdigit()}
                if len(parts) > 1:
                    words.add(" ".join(parts))
        if identity is not None and identity.hospital_number:
            number = identity.hospital_number.strip()
            for spelling in _spellings(number):
                words.add(spelling)
                compact = re.sub(r"[\W_]+", "", spelling)
                if len(compact) >= 4:
                    words.add(compact)
            only_digits = re.sub(r"\D", "", number).lstrip("0")
            if len(only_digits) >= 5:  # shorter runs are doses, counts and years
                digits.add(only_digits)
        if identity is not None and identity.birth_date:
            dates = birth_date_spellings(identity.birth_date)
        patterns = tuple(re.compile(rf"(?<!\w){re.escape(w)}(?!\w)") for w in sorted(words, key=len, reverse=True))
        return cls(patterns, tuple(sorted(digits)), frozenset(dates))

    def found_in(self, value: Any) -> str | None:
        """Which identifier a cell holds ("name", "hospital number", "date of birth"), or None."""
        if value is None or isinstance(value, bool | dt.date):
            return None  # dates are shifted or relative by the time they are scanned
        if isinstance(value, list):
            return next((hit for v in value if (hit := self.found_in(v))), None)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = _plain(str(value))
        for pattern in self.words:
            if pattern.search(text):
                return "name or hospital number"
        runs = re.findall(r"\d+", text)
        if any(run.lstrip("0") == number for run in runs for number in self.digits):
            return "hospital number"
        squeezed = re.sub(r"\s*([./-])\s*", r"\1", re.sub(r"\s+", " ", text))  # "7. 3. 1961" -> "7.3.1961"
        if any(re.search(rf"(?<![\d]){re.escape(spelling)}(?![\d])", squeezed) for spelling in self.dates):
            return "date of birth"
        return None


class IdentifierFound(Exception):
    """A de-identified export would carry a case's own identifier; the message names the field, not the value."""


def scan_rows(table: str, header: list[str], rows: Iterable[tuple[Case, list[Any]]]) -> None:
    """Raise IdentifierFound at the first cell holding its case's identifier (the study ID column is a code)."""
    cache: dict[int, CaseIdentifiers] = {}
    for case, row in rows:
        ids = cache.get(id(case))
        if ids is None:
            ids = cache[id(case)] = CaseIdentifiers.of(case)
        for column, value in zip(header, row, strict=False):
            what = ids.found_in(value)
            if what is not None:
                where = (column if table == "cases" else f"custom field {row[1]}" if table == "custom_values"
                         else f"{table}.{column}")
                raise IdentifierFound(
                    f"the field {where} holds the patient's {what} (case {row[0]}); the de-identified export "
                    f"was not written. Correct that entry, or leave the field out of de-identified exports.")
