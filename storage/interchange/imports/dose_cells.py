"""Dose cells as an article's Table 2 (and a ward's spreadsheet) writes them.

"2 × 60 mg/m²", "10 x 100 mg/m2 continuous infusion (low: cumulative toxicity)", "4 × 1 g/m²",
"1,5 g/m²": number of doses, dose and unit, a route if the cell names one, and the bracketed
remark as the dose modification. A list cell such as an intrathecal column, "Cytarabin 30 mg +
Prednisolon 6 mg", or "Venetoclax 100 mg und 200 mg", is one drug per item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.interchange.cell_values import number_from_text

UNITS = {"mg/m2": "mg/m2", "mg/m²": "mg/m2", "g/m2": "g/m2", "g/m²": "g/m2", "mg/kg": "mg/kg", "mg": "mg",
         "mg/qm": "mg/m2", "g/qm": "g/m2", "mg/kgkg": "mg/kg"}
ROUTES = {  # words a cell may add after the dose
    "continuous infusion": "CI", "dauerinfusion": "CI", "ci": "CI", "di": "CI", "c.i.": "CI",
    "intravenous": "IV", "intravenös": "IV", "i.v.": "IV", "iv": "IV",
    "intrathecal": "IT", "intrathekal": "IT", "i.th.": "IT", "it": "IT",
    "oral": "PO", "p.o.": "PO", "po": "PO", "per os": "PO",
}
DRUG_NAMES = {  # German and brand spellings -> the name Casebook stores
    "cytarabin": "cytarabine", "ara-c": "cytarabine", "arac": "cytarabine", "melphalan": "melphalan",
    "prednisolon": "prednisolone", "methotrexat": "methotrexate", "mtx": "methotrexate",
    "anti-cd19-antikörper": "anti-CD19 antibody", "anti-cd19 antikörper": "anti-CD19 antibody",
    "anti-cd19 antibody": "anti-CD19 antibody", "venetoclax": "venetoclax", "daratumumab": "daratumumab",
    "blinatumomab": "blinatumomab", "fludarabin": "fludarabine", "idarubicin": "idarubicin",
    "clofarabin": "clofarabine", "cyclophosphamid": "cyclophosphamide", "etoposid": "etoposide",
}

_NUMBER = r"\d+(?:[.,]\d+)?"
_UNIT = r"(?:mg/m²|mg/m2|g/m²|g/m2|mg/qm|g/qm|mg/kg|mg)(?![\w/])"
_DOSE = re.compile(rf"^(?:(?P<doses>\d+)\s*[x×*]\s*)?(?P<dose>{_NUMBER})\s*(?P<unit>{_UNIT})(?P<rest>.*)$",
                   re.IGNORECASE)
_ITEM = re.compile(rf"(?:^|\s)(?P<dosing>(?:\d+\s*[x×*]\s*)?{_NUMBER}\s*{_UNIT}.*)$", re.IGNORECASE)
_SPLIT = re.compile(r"\s+\+\s+|\s*;\s*|\s+(?:und|and|plus)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Dose:
    dose: float
    unit: str  # a code of storage.record.codes.DOSE_UNIT
    doses: int | None = None  # None: the cell did not say (one dose)
    route: str | None = None
    modification: str | None = None  # the bracketed remark, e.g. "low: cumulative toxicity"


@dataclass(frozen=True)
class NamedDose:
    drug: str
    dose: Dose


def drug_name(text: str) -> str:
    """The stored name of a drug as a sheet writes it (German names become the English ones)."""
    name = " ".join(text.strip().split())
    return DRUG_NAMES.get(name.lower(), name)


def read_dose(text: str) -> Dose:
    """A dose cell; ValueError (a rule to show) if it is not "[n ×] dose unit [route] [(remark)]"."""
    cell = " ".join(str(text).replace("\u00a0", " ").split())
    found = _DOSE.match(cell)
    if not found:
        raise ValueError("is not a dose such as '2 × 60 mg/m²' or '10 x 100 mg/m2' (number of doses × dose and "
                         "unit: mg/m², g/m², mg/kg or mg)")
    rest = found["rest"].strip()
    modification = None
    bracket = re.search(r"\((.*)\)\s*$", rest)
    if bracket:
        modification = bracket[1].strip() or None
        rest = rest[: bracket.start()].strip()
    route = None
    if rest:
        route = ROUTES.get(rest.lower().strip(" ,"))
        if route is None:
            raise ValueError(f"has {rest!r} after the dose, which is not a route (continuous infusion, i.v., "
                             "intrathecal, oral) or a remark in brackets")
    doses = int(found["doses"]) if found["doses"] else None
    if doses is not None and not 1 <= doses <= 100:
        raise ValueError("has a number of doses outside 1 to 100")
    dose = number_from_text(found["dose"])
    if dose <= 0:
        raise ValueError("has a dose of 0; a dose must be greater than 0")
    return Dose(dose, UNITS[found["unit"].lower()], doses, route, modification)


def read_drug_list(text: str, route: str | None = None) -> list[NamedDose]:
    """The drugs of a list cell, e.g. "Cytarabin 30 mg + Prednisolon 6 mg"; an item without a name
    ("Venetoclax 100 mg und 200 mg") takes the name before it. ``route`` applies where an item names none."""
    drugs: list[NamedDose] = []
    for item in (part.strip() for part in _SPLIT.split(" ".join(str(text).split()))):
        if not item:
            continue
        found = _ITEM.search(item)
        if not found:
            raise ValueError(f"has {item!r}, which is not a drug with its dose, e.g. 'Cytarabin 30 mg'")
        name = item[: found.start()].strip()
        if not name and not drugs:
            raise ValueError(f"has {item!r} without a drug name")
        try:
            dose = read_dose(found["dosing"])
        except ValueError as exc:
            raise ValueError(f"has {item!r}, which {exc}") from None
        if dose.route is None and route is not None:
            dose = Dose(dose.dose, dose.unit, dose.doses, route, dose.modification)
        drugs.append(NamedDose(drug_name(name) if name else drugs[-1].drug, dose))
    if not drugs:
        raise ValueError("lists no drug")
    return drugs
