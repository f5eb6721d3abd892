"""What a column of the user's own sheet can be mapped to: a field of the flat case template, or a field
of a numbered record ("course[1].drug[melphalan]", "assessment[2].response", "transplant[1].donor_type").

Numbered records are counted per case: courses by their course number, post-salvage assessments,
transplants, relapses, complications, subsequent therapies and prior HSCTs in the order the columns
number them. Nothing here reads a file or a session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from storage.interchange import case_template as tpl
from storage.record import codes


@dataclass(frozen=True)
class RecordField:
    kind: str  # parse kind as in case_template.KINDS, or "dose" / "druglist"
    label: str
    codes: Mapping[str, str] | None = None


RECORDS: dict[str, tuple[str, dict[str, RecordField]]] = {  # kind -> (label, attribute -> field)
    "course": ("salvage course", {
        "start_date": RecordField("date", "day 1"),
        "height_cm": RecordField("float", "height (cm)"),
        "weight_kg": RecordField("float", "weight (kg)"),
        "drug": RecordField("dose", "dose of a drug, e.g. '2 × 60 mg/m²'"),
        "intrathecal": RecordField("druglist", "intrathecal drugs, e.g. 'Cytarabin 30 mg + Prednisolon 6 mg'"),
        "other_drugs": RecordField("druglist", "further drugs, e.g. 'Daratumumab 16 mg/kg'"),
    }),
    "assessment": ("post-salvage assessment", {
        "assessed_on": RecordField("date", "date"),
        "response": RecordField("code", "response", codes.RESPONSE),
        "specimen": RecordField("code", "specimen", codes.SPECIMEN),
        "blast_percent": RecordField("percent", "blasts (%)"),
        "mrd_percent": RecordField("percent", "MRD (%)"),
        "mrd_negative": RecordField("yesno", "MRD negative"),
        "mrd_method": RecordField("code", "MRD method", codes.MRD_METHOD),
        "note": RecordField("text", "note"),
    }),
    "pre_assessment": ("assessment before salvage", {
        "assessed_on": RecordField("date", "date"),
        "specimen": RecordField("code", "specimen", codes.SPECIMEN),
        "blast_percent": RecordField("percent", "blasts (%)"),
        "mrd_percent": RecordField("percent", "MRD (%)"),
        "mrd_negative": RecordField("yesno", "MRD negative"),
        "note": RecordField("text", "note"),
    }),
    "transplant": ("HSCT after salvage", {
        "transplant_date": RecordField("date", "date"),
        "donor_type": RecordField("code", "donor", codes.DONOR),
        "transplant_number": RecordField("int", "transplant number"),
    }),
    "relapse": ("relapse after salvage", {
        "relapse_date": RecordField("date", "date"),
        "site": RecordField("code", "site", codes.RELAPSE_SITE),
        "note": RecordField("text", "note"),
    }),
    "complication": ("complication", {
        "term": RecordField("code", "term", codes.COMPLICATION),
        "grade": RecordField("int", "CTCAE grade"),
        "onset": RecordField("date", "onset"),
        "resolved_on": RecordField("date", "resolved on"),
        "intensive_care": RecordField("yesno", "intensive care"),
        "description": RecordField("text", "description"),
    }),
    "therapy": ("subsequent therapy", {
        "therapy": RecordField("text", "therapy"),
        "start_date": RecordField("date", "start"),
        "end_date": RecordField("date", "end"),
    }),
    "prior_hsct": ("HSCT before salvage", {
        "transplant_date": RecordField("date", "date"),
        "donor_type": RecordField("code", "donor", codes.DONOR),
    }),
}
MAX_NUMBER = 20
# The flat template's columns that fill the same records: a mapping uses one way or the other per kind.
FLAT_KIND = {"best_response": "assessment", "best_response_date": "assessment", "hsct_after_date": "transplant",
             "donor_type": "transplant", "relapse_date": "relapse", "relapse_site": "relapse",
             "prior_hsct_count": "prior_hsct", "prior_hsct_dates": "prior_hsct"}
# A numbered target that is a template column under another name: the same field.
SAME_AS = {"course[1].start_date": "salvage_start", "course[1].height_cm": "height_cm",
           "course[1].weight_kg": "weight_kg", "pre_assessment[1].blast_percent": "bm_blasts_pre"}
IGNORE = ""  # the target of a column left out
CUSTOM = "custom"  # the target of a column added as a custom field

_KEY = re.compile(r"^(?P<kind>[a-z_]+)\[(?P<n>\d+)\]\.(?P<attr>[a-z_]+)(?:\[(?P<drug>[^\]]+)\])?$")


@dataclass(frozen=True)
class RecordTarget:
    key: str
    kind: str
    number: int
    attr: str
    field: RecordField
    drug: str | None = None  # of a "drug" target

    @property
    def label(self) -> str:
        what = RECORDS[self.kind][0]
        if self.attr == "drug":
            return f"{what} {self.number}: {self.drug} (doses × dose unit)"
        return f"{what} {self.number}: {self.field.label}"


def record_target(key: str) -> RecordTarget | None:
    """The numbered-record target a key names, or None if it names none (or a field that does not exist)."""
    found = _KEY.match(key.strip())
    if not found or found["kind"] not in RECORDS:
        return None
    attributes = RECORDS[found["kind"]][1]
    attr, number = found["attr"], int(found["n"])
    most = 1 if found["kind"] == "pre_assessment" else MAX_NUMBER
    if attr not in attributes or not 1 <= number <= most or (attr == "drug") != bool(found["drug"]):
        return None
    drug = found["drug"].strip() if found["drug"] else None
    return RecordTarget(key.strip(), found["kind"], number, attr, attributes[attr], drug)


def canonical(key: str) -> str:
    """One spelling per field: "course[1].start_date" is salvage_start."""
    return SAME_AS.get(key.strip(), key.strip())


def target_problem(key: str) -> str | None:
    """Why a key names no field a column can be mapped to, or None."""
    if key in (IGNORE, CUSTOM):
        return None
    column = tpl.BY_NAME.get(key)
    if column is not None:
        return f"{key} is derived and cannot be imported" if column.derived else None
    if record_target(key) is not None:
        return None
    return (f"{key!r} is not a field of the case template nor a numbered record field such as "
            "course[1].drug[melphalan] or assessment[1].response")


def target_label(key: str) -> str:
    if key == IGNORE:
        return "(ignored)"
    if key == CUSTOM:
        return "(add as a custom field)"
    if key in tpl.BY_NAME:
        return tpl.BY_NAME[key].description
    target = record_target(key)
    return target.label if target else key


LEAVE_EMPTY = "empty"  # a value mapping's choice for a written value that stands for no code: the cell is left empty
LEAVE_EMPTY_LABEL = "leave the cell empty (said in the import report)"
_CHOICES: dict[int, dict[str, str]] = {}


def stored_codes(key: str) -> Mapping[str, str] | None:
    """The codes a coded target (sex, response, donor ...) stores, else None."""
    if key in tpl.BY_NAME:
        column = tpl.BY_NAME[key]
        return column.codes if column.kind == "code" else None
    target = record_target(key)
    return target.field.codes if target and target.field.kind == "code" else None


def target_codes(key: str) -> Mapping[str, str] | None:
    """What a written value of a coded target can be mapped to: its codes, then 'leave the cell empty'."""
    stored = stored_codes(key)
    if stored is None:
        return None
    if id(stored) not in _CHOICES:
        _CHOICES[id(stored)] = {**stored, LEAVE_EMPTY: LEAVE_EMPTY_LABEL}
    return _CHOICES[id(stored)]


def field_name(key: str) -> str:
    """A target as the user reads it in a message: "Status at last follow-up", not last_follow_up_status."""
    label = re.sub(r"\s*\([^)]*\)$", "", target_label(key)).strip() or key
    return label[:1].upper() + label[1:]


def code_labels(key: str) -> str:
    """The codes of a coded target by their labels: "alive in remission, alive with disease"."""
    return ", ".join((stored_codes(key) or {}).values())


def target_kind(key: str) -> str:
    if key in tpl.BY_NAME:
        return tpl.BY_NAME[key].kind
    target = record_target(key)
    return target.field.kind if target else "text"


def choosable_targets(numbers: int = 3, drugs: tuple[str, ...] = ("melphalan", "cytarabine")) -> list[str]:
    """The targets a mapping table offers: every template column, then the numbered records' fields."""
    keys = [c.name for c in tpl.COLUMNS if not c.derived]
    for kind, (_label, attributes) in RECORDS.items():
        for n in range(1, (1 if kind in ("course", "pre_assessment") else numbers) + 1):
            for attr in attributes:
                if attr == "drug":
                    keys += [f"{kind}[{n}].drug[{d}]" for d in drugs]
                elif canonical(f"{kind}[{n}].{attr}") == f"{kind}[{n}].{attr}":
                    keys.append(f"{kind}[{n}].{attr}")
    return keys
