"""Doses you can trust: the study's drug catalogue, dose plausibility warnings and the total-dose sum.

The catalogue is study-level data, not case data: it lives in ``study_settings`` (namespace
"drug_catalogue", name "drugs") and is seeded with the article's drugs when a study has none yet.
Warnings never refuse a save (an unusual dose can be right); they name what looks wrong, next to the
row, until the investigator acknowledges them. Only a hard rule (dose > 0, a known unit) refuses.

No Qt; every function that touches the database takes the caller's session.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from storage.record import codes
from storage.record.models import mosteller_bsa
from storage.record.study_settings import SettingError, delete_setting, get_setting, put_setting

NAMESPACE = "drug_catalogue"
NAME = "drugs"
PER_M2 = frozenset({"mg/m2", "g/m2"})


@dataclass(frozen=True)
class CatalogueDrug:
    """One drug as the study usually gives it: its unit, route and usual dose per administration."""

    name: str
    unit: str
    route: str
    low: float | None = None  # usual dose per administration, in ``unit``
    high: float | None = None


# The drugs of the article (Table 2), with the doses it reports and the usual ranges around them.
ARTICLE_DRUGS: tuple[CatalogueDrug, ...] = (
    CatalogueDrug("melphalan", "mg/m2", "IV", 10, 200),
    CatalogueDrug("cytarabine", "g/m2", "IV", 0.05, 3),
    CatalogueDrug("cytarabine", "mg", "IT", 10, 70),
    CatalogueDrug("prednisolone", "mg", "IT", 2, 15),
    CatalogueDrug("prednisolone", "mg/m2", "PO", 5, 100),
    CatalogueDrug("daratumumab", "mg/kg", "IV", 8, 24),
    CatalogueDrug("venetoclax", "mg", "PO", 10, 800),
    CatalogueDrug("anti-CD19 antibody", "mg/m2", "IV", 1, 50),
    CatalogueDrug("blinatumomab", "mg/m2", "CI", 0.005, 0.03),
    CatalogueDrug("clofarabine", "mg/m2", "IV", 20, 52),
    CatalogueDrug("cyclophosphamide", "mg/m2", "IV", 100, 1500),
    CatalogueDrug("etoposide", "mg/m2", "IV", 50, 200),
)


class CatalogueError(ValueError):
    """A catalogue entry cannot be stored; the message names the field and the rule."""


def _to_entry(raw: dict[str, Any]) -> CatalogueDrug:
    return CatalogueDrug(str(raw["name"]), str(raw["unit"]), str(raw["route"]), raw.get("low"), raw.get("high"))


def load_catalogue(session: Session) -> list[CatalogueDrug]:
    """The study's drug catalogue; the article's drugs when the study has none stored yet. Reads only."""
    stored = get_setting(session, NAMESPACE, NAME)
    return list(ARTICLE_DRUGS) if stored is None else [_to_entry(raw) for raw in stored]


def seed_catalogue(session: Session) -> bool:
    """Store the article's drugs as the study's catalogue if it has none; True if they were stored."""
    if get_setting(session, NAMESPACE, NAME) is not None:
        return False
    put_setting(session, NAMESPACE, NAME, [asdict(d) for d in ARTICLE_DRUGS])
    return True


def check_entry(entry: CatalogueDrug) -> None:
    """Raise CatalogueError naming the field and the rule if an entry is not usable."""
    if not entry.name.strip():
        raise CatalogueError("Drug: a name is required")
    if len(entry.name) > 120:
        raise CatalogueError("Drug: at most 120 characters")
    if entry.unit not in codes.DOSE_UNIT:
        raise CatalogueError(f"Unit: must be one of {', '.join(codes.DOSE_UNIT.values())}")
    if entry.route not in codes.ROUTE:
        raise CatalogueError(f"Route: must be one of {', '.join(codes.ROUTE)}")
    for label, value in (("Usual dose from", entry.low), ("Usual dose to", entry.high)):
        if value is not None and value <= 0:
            raise CatalogueError(f"{label}: must be above 0")
    if entry.low is not None and entry.high is not None and entry.low > entry.high:
        raise CatalogueError("Usual dose: 'from' must not be above 'to'")


def add_to_catalogue(session: Session, entry: CatalogueDrug) -> list[CatalogueDrug]:
    """Add (or replace: same name regardless of case, same route) one drug; returns the new catalogue."""
    check_entry(entry)
    key = (entry.name.strip().lower(), entry.route)
    drugs = [d for d in load_catalogue(session) if (d.name.lower(), d.route) != key]
    drugs.append(CatalogueDrug(entry.name.strip(), entry.unit, entry.route, entry.low, entry.high))
    drugs.sort(key=lambda d: (d.name.lower(), d.route))
    try:
        put_setting(session, NAMESPACE, NAME, [asdict(d) for d in drugs])
    except SettingError as exc:
        raise CatalogueError(str(exc)) from None
    return drugs


def find_drug(catalogue: list[CatalogueDrug], name: str | None, route: str | None = None) -> CatalogueDrug | None:
    """The catalogue entry of this exact name (case and spaces ignored), for this route if it has one."""
    wanted = (name or "").strip().lower()
    named = [d for d in catalogue if d.name.lower() == wanted]
    return next((d for d in named if d.route == route), named[0] if named else None)


def _in_mg_per_m2(dose: float, unit: str) -> float:
    return dose * 1000 if unit == "g/m2" else dose


def match_unit(text: str) -> str | None:
    """The unit code typed: exact match on the code or its label, never a prefix ('mg' is mg, not mg/m²)."""
    typed = text.strip().lower().replace("²", "2").replace(" ", "")
    for code, label in codes.DOSE_UNIT.items():
        if typed in (code.lower(), label.lower().replace("²", "2")):
            return code
    return None


def match_route(text: str) -> str | None:
    """The route code typed: the code (IT) or its label (intrathecal), exactly, case ignored."""
    typed = text.strip().lower()
    for code, label in codes.ROUTE.items():
        if typed in (code.lower(), label.lower()):
            return code
    return None


def unit_label(unit: str | None) -> str:
    return codes.DOSE_UNIT.get(unit or "", unit or "")


def _number(value: float, decimals: int = 2) -> str:
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return text if text else "0"


def total_dose_explained(
    dose: float | None, unit: str | None, doses: int | None, height_cm: float | None, weight_kg: float | None
) -> str:
    """The total dose over the course with its computation, e.g. '20 mg/m² × 1 × 0.77 m² = 15.4 mg'.

    An empty string when nothing is typed yet; a plain reason when a needed measure is missing.
    """
    if dose is None or unit is None:
        return ""
    count = doses or 1
    label = unit_label(unit)
    if unit == "mg":
        return f"{_number(dose)} mg × {count} = {_number(dose * count)} mg"
    if unit == "mg/kg":
        if not weight_kg:
            return "needs the weight (kg) of the course"
        return f"{_number(dose)} mg/kg × {count} × {_number(weight_kg)} kg = {_number(dose * count * weight_kg, 1)} mg"
    bsa = mosteller_bsa(height_cm, weight_kg)
    if bsa is None:
        return "needs height and weight (BSA)"
    total_unit = "g" if unit == "g/m2" else "mg"
    # Computed with the BSA as shown (2 decimals), so that the line can be checked by hand.
    total = dose * count * round(bsa, 2)
    return f"{_number(dose)} {label} × {count} × {bsa:.2f} m² = {_number(total, 1)} {total_unit}"


def dose_warnings(drug: dict[str, Any], height_cm: float | None, weight_kg: float | None,
                  catalogue: list[CatalogueDrug]) -> list[str]:
    """What looks implausible about one drug row, each as a sentence naming the field; [] if nothing."""
    warnings: list[str] = []
    unit, route, dose = drug.get("unit"), drug.get("route"), drug.get("dose")
    if unit in PER_M2 and route == "IT":
        warnings.append(f"Unit: {unit_label(unit)} intrathecally — intrathecal doses are absolute (mg); "
                        "check the unit")
    if unit in PER_M2 and dose is not None and mosteller_bsa(height_cm, weight_kg) is None:
        warnings.append("Unit: a dose per m² needs the course's height and weight; no total dose computed")
    if unit == "mg/kg" and dose is not None and not weight_kg:
        warnings.append("Unit: a dose per kg needs the course's weight; no total dose computed")
    entry = find_drug(catalogue, drug.get("drug"), route)
    if entry is not None and dose is not None and unit is not None:
        both_per_m2 = unit in PER_M2 and entry.unit in PER_M2  # mg/m² and g/m² differ by 1000 only
        if unit != entry.unit and not both_per_m2:
            warnings.append(f"Unit: {entry.name} ({codes.ROUTE[entry.route]}) is usually given in "
                            f"{unit_label(entry.unit)}, not {unit_label(unit)}")
        elif entry.low is not None and entry.high is not None:
            given = _in_mg_per_m2(dose, unit) if both_per_m2 else dose
            low = _in_mg_per_m2(entry.low, entry.unit) if both_per_m2 else entry.low
            high = _in_mg_per_m2(entry.high, entry.unit) if both_per_m2 else entry.high
            if not low <= given <= high:
                warnings.append(f"Dose: {_number(dose)} {unit_label(unit)} is outside the usual "
                                f"{_number(entry.low)}–{_number(entry.high)} {unit_label(entry.unit)} "
                                f"of {entry.name} ({codes.ROUTE[entry.route]})")
    return warnings


ACKNOWLEDGED = "dose_warnings"  # study_settings namespace: acknowledged warnings, one entry per case id


def load_acknowledged(session: Session, case_id: int) -> set[str]:
    """The dose warnings of a case the investigator has acknowledged (keys made by the form)."""
    return set(get_setting(session, ACKNOWLEDGED, f"case {case_id}") or [])


def save_acknowledged(session: Session, case_id: int, keys: set[str]) -> None:
    """Store a case's acknowledged dose warnings (or drop the entry when there are none)."""
    if keys:
        put_setting(session, ACKNOWLEDGED, f"case {case_id}", sorted(keys))
    elif get_setting(session, ACKNOWLEDGED, f"case {case_id}") is not None:
        delete_setting(session, ACKNOWLEDGED, f"case {case_id}")
