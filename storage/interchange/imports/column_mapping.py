"""Mapping the user's own columns and values to Casebook's fields and codes.

A mapping says, for each header of the file, which field the column fills (a template column, a
numbered record's field, a custom field, or nothing), and for coded fields which code each written
value stands for ("weiblich" -> f). It is suggested from the header (exact match ignoring case,
spaces and punctuation; known English and German synonyms; then similarity), shown, changed by
the user, and saved by name in the study's settings (namespace "import_mapping") or as a JSON file.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from storage.interchange import case_template as tpl
from storage.interchange.imports.mapping_targets import (
    CUSTOM,
    IGNORE,
    LEAVE_EMPTY,
    LEAVE_EMPTY_LABEL,
    canonical,
    code_labels,
    field_name,
    stored_codes,
    target_codes,
    target_problem,
)
from storage.record import codes
from storage.record.study_settings import get_setting, list_settings, put_setting

NAMESPACE = "import_mapping"
SIMILAR = 0.78  # the least difflib ratio a header needs to be suggested by similarity


def squeeze(text: str) -> str:
    """Lower case, umlauts spelled out, no spaces or punctuation: "Geburts-Datum " -> "geburtsdatum"."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss").replace("²", "2")
    return re.sub(r"[\W_]+", "", text)


HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "study_id": ("studien-id", "patient", "patient id", "pat.-nr.", "pat nr", "patientennummer", "fall", "fallnummer",
                 "case", "case id", "id", "nr", "nummer", "pseudonym", "upn"),
    "name": ("patientenname", "name, vorname", "vorname name", "patient name"),
    "hospital_number": ("krankenhausnummer", "fallnummer kis", "mrn", "medical record number", "pid", "kis-nr"),
    "birth_date": ("geburtsdatum", "geb.-datum", "geb. datum", "geb.", "date of birth", "dob", "birthday"),
    "sex": ("geschlecht", "gender", "m/w", "w/m"),
    "diagnosis": ("diagnose", "erkrankung", "disease", "disease category", "diagnosegruppe"),
    "subtype": ("subtyp", "immunphänotyp", "immunophenotype", "subgruppe", "fab"),
    "initial_diagnosis_date": ("erstdiagnose", "datum erstdiagnose", "ed", "diagnosedatum", "date of diagnosis",
                               "initial diagnosis"),
    "cytogenetics": ("zytogenetik", "genetik", "karyotyp", "molekulargenetik", "cytogenetic findings"),
    "high_risk_cytogenetics": ("hochrisiko-zytogenetik", "hochrisikogenetik", "high risk cytogenetics",
                               "hochrisiko", "high risk"),
    "disease_status": ("status bei salvage", "status", "krankheitsstatus", "status at salvage", "remissionsstatus"),
    "relapse_number": ("rezidivnummer", "anzahl rezidive", "rezidiv nr", "number of relapses"),
    "prior_regimens": ("vortherapien anzahl", "anzahl vortherapien", "prior lines", "therapielinien"),
    "prior_therapies": ("vortherapien", "vorbehandlung", "previous therapies"),
    "prior_hsct_count": ("anzahl vor-hszt", "anzahl hszt vorher", "previous ahsct", "vorherige hszt",
                         "number of previous hsct"),
    "prior_hsct_dates": ("datum vor-hszt", "datum hszt vorher", "previous hsct dates", "vor-hszt datum"),
    "salvage_start": ("salvage beginn", "beginn salvage", "therapiebeginn", "tag 1", "day 1", "start salvage",
                      "salvage start date", "beginn mel/ara-c", "zyklus 1 beginn"),
    "height_cm": ("größe", "größe (cm)", "körpergröße", "height", "groesse cm", "height (cm)"),
    "weight_kg": ("gewicht", "gewicht (kg)", "körpergewicht", "weight", "weight (kg)"),
    "bm_blasts_pre": ("blasten km prä", "blasten km vor", "blasten prä", "km-blasten vor", "blasts pre",
                      "bm blasts pre", "blasten km prä (%)"),
    "best_response": ("bestes ansprechen", "ansprechen", "remission", "response", "best response"),
    "best_response_date": ("datum bestes ansprechen", "datum ansprechen", "response date"),
    "hsct_after_date": ("hszt datum", "datum hszt", "hszt", "ahsct", "transplantation", "datum transplantation",
                        "hsct date", "ahsct after"),
    "donor_type": ("spender", "spendertyp", "donor", "donor type"),
    "relapse_date": ("rezidiv datum", "datum rezidiv", "rezidiv", "progress", "relapse", "datum progress"),
    "relapse_site": ("rezidiv ort", "rezidivort", "lokalisation rezidiv", "site of relapse"),
    "death_date": ("todesdatum", "verstorben am", "tod", "sterbedatum", "date of death", "died"),
    "death_cause": ("todesursache", "cause of death", "ursache tod"),
    "death_cause_detail": ("todesursache details", "todesursache text", "cause of death detail"),
    "last_follow_up": ("letzter kontakt", "letzte nachsorge", "last contact", "last follow-up", "follow-up",
                       "datum letzter kontakt", "lfu"),
    "last_follow_up_status": ("status letzter kontakt", "status nachsorge", "status at last follow-up",
                              "status last follow-up"),
    "notes": ("bemerkungen", "bemerkung", "kommentar", "anmerkungen", "comments", "remarks"),
}
_HEADER_INDEX: dict[str, str] = {}
for _target, _words in HEADER_SYNONYMS.items():
    for _word in (_target, *_words):
        _HEADER_INDEX.setdefault(squeeze(_word), _target)

VALUE_SYNONYMS: dict[str, dict[str, str]] = {  # code list name -> written value (squeezed) -> code
    "sex": {"w": "f", "weiblich": "f", "female": "f", "frau": "f", "mädchen": "f", "girl": "f",
            "maennlich": "m", "männlich": "m", "male": "m", "mann": "m", "junge": "m", "boy": "m"},
    "response": {"komplette remission": "CR", "komplettremission": "CR", "vollremission": "CR", "cr": "CR",
                 "cri": "CRi", "cr mit inkompletter regeneration": "CRi", "partielle remission": "PR",
                 "teilremission": "PR", "keine remission": "NR", "kein ansprechen": "NR", "therapieversagen": "NR",
                 "treatment failure": "NR", "tf": "NR", "refraktaer": "NR", "nr": "NR"},
    "diagnosis": {"akute lymphatische leukaemie": "ALL", "akute myeloische leukaemie": "AML",
                  "gemischter phaenotyp": "MPAL", "biphenotypic": "MPAL", "biphenotypische leukaemie": "MPAL",
                  "mischleukaemie": "MPAL", "tlbl": "T-LBL", "t-lymphoblastisches lymphom": "T-LBL",
                  "sonstige": "other", "andere": "other"},
    "disease_status": {"primaer refraktaer": "refractory", "refraktaer": "refractory", "rezidiv": "relapse",
                       "primary refractory": "refractory"},
    "donor": {"haploidentisch": "MMFD", "haplo": "MMFD", "mmfd": "MMFD", "fremdspender": "MUD", "mud": "MUD",
              "geschwister": "MSD", "geschwisterspender": "MSD", "msd": "MSD", "mismatch fremdspender": "MMUD",
              "autolog": "auto", "autologous": "auto"},
    "relapse_site": {"knochenmark": "marrow", "km": "marrow", "zns": "CNS", "extramedullaer": "extramedullary",
                     "kombiniert": "combined"},
    "death_cause": {"krankheitsbedingt": "disease", "erkrankung": "disease", "disease related": "disease",
                    "therapiebedingt": "therapy", "therapieassoziiert": "therapy", "therapy related": "therapy",
                    "andere": "other", "sonstige": "other"},
    "follow_up_status": {"in remission": "remission", "remission": "remission", "lebt in remission": "remission",
                         "mit erkrankung": "disease", "lebt mit erkrankung": "disease", "alive in remission":
                         "remission", "alive with disease": "disease"},
    "specimen": {"knochenmark": "BM", "km": "BM", "blut": "PB", "peripheres blut": "PB", "pb": "PB"},
    "complication": {"fieber": "fever", "hepatotoxizitaet": "hepatotoxicity", "gerinnungsstoerung": "coagulopathy",
                     "pilzinfektion": "fungal", "sonstige": "other"},
}
_LISTS: dict[int, str] = {id(codes.SEX): "sex", id(codes.RESPONSE): "response", id(codes.DIAGNOSIS): "diagnosis",
                          id(codes.DISEASE_STATUS): "disease_status", id(codes.DONOR): "donor",
                          id(codes.RELAPSE_SITE): "relapse_site", id(codes.DEATH_CAUSE): "death_cause",
                          id(codes.FOLLOW_UP_STATUS): "follow_up_status", id(codes.SPECIMEN): "specimen",
                          id(codes.COMPLICATION): "complication"}
_ORDINAL_RELAPSE = re.compile(r"^(?:(?P<n>\d+)\.?\s*rezidiv|(?P<word>first|second|third|fourth|fifth|sixth|erst|"
                              r"zweit|dritt|viert|fuenft)[a-z]*\s*(?:relapse|rezidiv))$")
_ORDINAL_WORDS = {"first": 1, "erst": 1, "second": 2, "zweit": 2, "third": 3, "dritt": 3, "fourth": 4, "viert": 4,
                  "fifth": 5, "fuenft": 5, "sixth": 6}


def relapse_number_of(text: str) -> int | None:
    """3 for "3. Rezidiv", "third relapse" or "Drittrezidiv"; None for anything else."""
    plain = " ".join(unicodedata.normalize("NFKC", text).casefold().replace("ü", "ue").split())
    found = _ORDINAL_RELAPSE.match(plain)
    if not found:
        return None
    return int(found["n"]) if found["n"] else _ORDINAL_WORDS[found["word"]]


_DOSE_WORDS = ("dosis", "dose", "dosierung", "")
_ROUTE_COLUMNS = {"intrathekal": "course[1].intrathecal", "intrathecal": "course[1].intrathecal",
                  "ith": "course[1].intrathecal", "weiteremedikamente": "course[1].other_drugs",
                  "additionaldrugs": "course[1].other_drugs", "weitere": "course[1].other_drugs"}


def _drug_column(key: str) -> str | None:
    """course[1].drug[melphalan] for "Melphalan Dosis", "Cytarabin", "Ara-C dose"; the intrathecal column."""
    from storage.interchange.imports.dose_cells import DRUG_NAMES

    if key in _ROUTE_COLUMNS:
        return _ROUTE_COLUMNS[key]
    for written, name in DRUG_NAMES.items():
        stem = squeeze(written)
        if any(key == stem + squeeze(word) or key == squeeze(word) + stem for word in _DOSE_WORDS):
            return f"course[1].drug[{name}]"
    return None


@dataclass(frozen=True)
class Suggestion:
    target: str
    how: str  # "exact", "synonym", "similar" or "none"
    score: float = 1.0


def suggest_target(header: str, taken: set[str] | None = None) -> Suggestion:
    """The field a header most likely names; Suggestion("", "none") if none is close enough."""
    key = squeeze(header)
    taken = taken or set()
    for column in tpl.COLUMNS:
        if not column.derived and squeeze(column.name) == key and column.name not in taken:
            return Suggestion(column.name, "exact")
    if canonical(header) != header.strip() or (target_problem(header.strip()) is None and header.strip()):
        return Suggestion(canonical(header.strip()), "exact")
    if key in _HEADER_INDEX and _HEADER_INDEX[key] not in taken:
        return Suggestion(_HEADER_INDEX[key], "synonym")
    drug = _drug_column(key)
    if drug and drug not in taken:
        return Suggestion(drug, "synonym")
    best, score = "", 0.0
    for word, target in _HEADER_INDEX.items():
        ratio = difflib.SequenceMatcher(None, key, word).ratio()
        if ratio > score and target not in taken:
            best, score = target, ratio
    return Suggestion(best, "similar", round(score, 2)) if score >= SIMILAR else Suggestion("", "none", 0.0)


def suggest(header: list[str]) -> dict[str, Suggestion]:
    """A suggestion for every header, each field suggested for one column at most (the best one first)."""
    found: dict[str, Suggestion] = {}
    taken: set[str] = set()
    order = {"exact": 0, "synonym": 1, "similar": 2, "none": 3}
    first = sorted((h for h in header if h.strip()), key=lambda h: order[suggest_target(h).how])
    for name in first:
        suggestion = suggest_target(name, taken)
        found[name] = suggestion
        if suggestion.target:
            taken.add(suggestion.target)
    return found


@dataclass
class ColumnMapping:
    """Header -> target key ("" ignored, "custom" a custom field); per target, written value -> code."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_format: str | None = None
    name: str = ""

    def target_of(self, header: str) -> str | None:
        """The mapped target of a header (None: the header is not in the mapping)."""
        if header in self.columns:
            return self.columns[header]
        wanted = header.strip().casefold()
        return next((t for h, t in self.columns.items() if h.strip().casefold() == wanted), None)

    def code_for(self, target: str, text: str) -> str | None:
        """The code a written value stands for in a coded target, "" if the mapping leaves it empty, or None
        if it maps to nothing."""
        allowed = stored_codes(target)
        if allowed is None:
            return text
        plain = text.strip()
        own = self.values.get(target, {})
        for written, code in own.items():
            if written.strip().casefold() == plain.casefold():
                return "" if code == LEAVE_EMPTY else code if code in allowed else None
        for code, label in allowed.items():
            if plain.casefold() in (code.casefold(), label.casefold()):
                return code
        builtin = VALUE_SYNONYMS.get(_LISTS.get(id(allowed), ""), {})
        squeezed = squeeze(plain)
        hit = next((code for word, code in builtin.items() if squeeze(word) == squeezed), None)
        if hit is None and allowed is codes.DISEASE_STATUS and relapse_number_of(plain) is not None:
            hit = "relapse"
        return hit

    def to_json(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "values": {k: dict(v) for k, v in self.values.items() if v},
                "date_format": self.date_format}

    @classmethod
    def from_json(cls, data: Any, name: str = "") -> ColumnMapping:
        """A mapping from its JSON form; ValueError naming what is wrong."""
        if not isinstance(data, Mapping) or not isinstance(data.get("columns"), Mapping):
            raise ValueError("a mapping is a JSON object with \"columns\": {header: field}")
        columns = {str(h): "" if t is None else str(t) for h, t in data["columns"].items()}
        values = data.get("values") or {}
        if not isinstance(values, Mapping) or not all(isinstance(v, Mapping) for v in values.values()):
            raise ValueError("\"values\" must map a field to {written value: code}")
        date_format = data.get("date_format") or None
        return cls(columns, {str(k): {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
                   None if date_format is None else str(date_format), name)

    def problems(self) -> list[str]:
        """What is wrong with the mapping itself: unknown fields, two columns on one field, codes that do not exist."""
        found: list[str] = []
        by_target: dict[str, str] = {}
        for header, target in self.columns.items():
            why = target_problem(target)
            if why:
                found.append(f"column {header}: {why}")
                continue
            if target in (IGNORE, CUSTOM):
                continue
            key = canonical(target)
            if key in by_target:
                found.append(f"columns {by_target[key]} and {header} are both mapped to {key}; map one of them "
                             "to another field or leave it out")
            by_target.setdefault(key, header)
        for target, written in self.values.items():
            allowed = target_codes(target)
            if allowed is None:
                found.append(f"values are given for {field_name(target)}, which has no codes")
                continue
            for text, code in written.items():
                if code not in allowed:
                    found.append(f"{field_name(target)}: {text!r} is mapped to {code!r}, which is none of "
                                 f"{code_labels(target)} (nor {LEAVE_EMPTY!r}: {LEAVE_EMPTY_LABEL})")
        return found


def suggested_mapping(header: list[str], add_unmapped: bool = False,
                      custom_fields: Collection[str] = (), rows: list[list[Any]] | None = None) -> ColumnMapping:
    """Every header mapped as suggest() proposes; a study's custom field to itself; the rest ignored
    (or added as custom fields). With the rows, "verstorben" in the status at last follow-up is suggested
    to be left empty (see suggested_values)."""
    hints = suggest(header)
    known = {name.casefold() for name in custom_fields}
    columns = {}
    for name in header:
        if not name.strip():
            continue
        target = hints[name].target
        if name.strip().casefold() in known and hints[name].how != "exact":
            target = CUSTOM
        columns[name] = target or (CUSTOM if add_unmapped else IGNORE)
    mapping = ColumnMapping(columns)
    mapping.values = suggested_values(header, rows or [], mapping)
    return mapping


# The status at last follow-up is that of a living patient; a death is told by the death date, so these
# words are suggested to be left empty. "lebt" alone is not: it could be either code, the user chooses.
DEATH_WORDS = frozenset(squeeze(w) for w in ("verstorben", "tot", "gestorben", "deceased", "dead", "died", "exitus",
                                             "exitus letalis", "verst.", "+"))
LEFT_EMPTY_SUGGESTED = {"last_follow_up_status": DEATH_WORDS}


def suggested_values(header: list[str], rows: list[list[Any]], mapping: ColumnMapping) -> dict[str, dict[str, str]]:
    """Value choices suggested from the data (each shown in the value mapping, changeable)."""
    values: dict[str, dict[str, str]] = {k: dict(v) for k, v in mapping.values.items()}
    for i, name in enumerate(header):
        target = mapping.target_of(name.strip()) if name.strip() else None
        words = LEFT_EMPTY_SUGGESTED.get(canonical(target)) if target else None
        if not words:
            continue
        for text in examples(rows, i, most=50):
            if squeeze(text) in words and mapping.code_for(target or "", text) is None:
                values.setdefault(target or "", {})[text] = LEAVE_EMPTY
    return values


def custom_field_names(session: Session) -> list[str]:
    from sqlalchemy import select

    from storage.record.models import CustomField

    return list(session.scalars(select(CustomField.name)))


def save_mapping(session: Session, name: str, mapping: ColumnMapping) -> None:
    put_setting(session, NAMESPACE, name, mapping.to_json())


def saved_mappings(session: Session) -> list[str]:
    return list_settings(session, NAMESPACE)


class MappingNotFound(Exception):
    pass


def load_mapping(session: Session | None, name_or_file: str) -> ColumnMapping:
    """A mapping saved in the study by name, or a JSON file (a path ending in .json)."""
    if name_or_file.lower().endswith(".json"):
        path = Path(name_or_file)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise MappingNotFound(f"cannot read the mapping file {path}: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise MappingNotFound(f"the mapping file {path} is not valid JSON ({exc})") from None
        try:
            return ColumnMapping.from_json(data, path.stem)
        except ValueError as exc:
            raise MappingNotFound(f"the mapping file {path}: {exc}") from None
    stored = get_setting(session, NAMESPACE, name_or_file) if session is not None else None
    if stored is None:
        names = saved_mappings(session) if session is not None else []
        known = f"; saved mappings: {', '.join(names)}" if names else "; the study has no saved mapping"
        raise MappingNotFound(f"there is no saved mapping named {name_or_file!r}{known}")
    return ColumnMapping.from_json(stored, name_or_file)


@dataclass(frozen=True)
class UnmappedValue:
    column: str
    target: str
    value: str
    rows: int  # how many rows hold it


def unmapped_values(header: list[str], rows: list[list[Any]], mapping: ColumnMapping) -> list[UnmappedValue]:
    """Every written value of a coded column that maps to no code, with how often it occurs (for the dialog
    to list before anything is written)."""
    found: list[UnmappedValue] = []
    for i, name in enumerate(header):
        target = mapping.target_of(name.strip())
        if not target or target_codes(target) is None:
            continue
        counts: dict[str, int] = {}
        for row in rows:
            value = row[i] if i < len(row) else None
            if not tpl.is_blank(value):
                text = tpl.cell_text(value).strip()
                counts[text] = counts.get(text, 0) + 1
        found += [UnmappedValue(name.strip(), target, text, n) for text, n in counts.items()
                  if mapping.code_for(target, text) is None]  # each distinct value looked up once
    return found


class EmptiedValues:
    """Every written value the value mapping leaves empty, with how many rows hold it (for the report),
    counted a row at a time."""

    def __init__(self, header: list[str], mapping: ColumnMapping):
        self.mapping = mapping
        self.columns: dict[int, tuple[str, str]] = {}  # column -> (its name, its target)
        for i, name in enumerate(header):
            target = mapping.target_of(name.strip()) if name.strip() else None
            if target and LEAVE_EMPTY in mapping.values.get(target, {}).values():
                self.columns[i] = (name.strip(), target)
        self.counts: dict[int, dict[str, int]] = {i: {} for i in self.columns}
        self.codes: dict[tuple[int, str], bool] = {}  # (column, text) -> whether it maps to "leave empty"

    def feed(self, row: list[Any]) -> None:
        for i, (_name, target) in self.columns.items():
            value = row[i] if i < len(row) else None
            if tpl.is_blank(value):
                continue
            text = tpl.cell_text(value).strip()
            emptied = self.codes.get((i, text))
            if emptied is None:
                emptied = self.codes[(i, text)] = self.mapping.code_for(target, text) == ""
            if emptied:
                self.counts[i][text] = self.counts[i].get(text, 0) + 1

    def found(self) -> list[UnmappedValue]:
        return [UnmappedValue(name, target, text, n) for i, (name, target) in self.columns.items()
                for text, n in self.counts[i].items()]


def emptied_note(emptied: list[UnmappedValue]) -> str:
    """ "Left empty as the value mapping says: Status letzter Kontakt 'verstorben' (2 rows)." """
    if not emptied:
        return ""
    by_column: dict[str, list[str]] = {}
    for u in emptied:
        by_column.setdefault(u.column, []).append(f"{u.value!r} ({u.rows} row{'s' if u.rows != 1 else ''})")
    parts = [f"{column} {', '.join(values)}" for column, values in by_column.items()]
    return f"Left empty as the value mapping says: {'; '.join(parts)}."


ALIVE_WORDS = frozenset(squeeze(w) for w in ("lebt", "lebend", "alive", "am leben"))


def unmapped_rule(target: str, text: str = "") -> str:
    """Why a written value of a coded field was refused, naming the field and its codes by their labels."""
    labels = list((stored_codes(target) or {}).values())
    if canonical(target) == "last_follow_up_status" and squeeze(text) in ALIVE_WORDS:  # "lebt": either code
        told = f": it could be {', '.join(labels[:-1])} or {labels[-1]}"
    else:
        told = f" ({code_labels(target)})"
    return f"maps to no code of {field_name(target)}{told}; choose one (or {LEAVE_EMPTY!r}) [[value-mapping]]"


def examples(rows: list[list[Any]], index: int, most: int = 3) -> list[str]:
    """The first few different values of a column, as text."""
    seen: list[str] = []
    for row in rows:
        value = row[index] if index < len(row) else None
        if tpl.is_blank(value):
            continue
        text = tpl.cell_text(value).strip()
        if text not in seen:
            seen.append(text)
            if len(seen) == most:
                break
    return seen
