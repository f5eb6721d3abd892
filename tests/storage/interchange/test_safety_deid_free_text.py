"""Point 1 of issue 14: free text never leaves in a de-identified export, and no cell holds its case's identifiers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.interchange.export.exporting import ExportError, ExportOptions, export_database, mark_fields_safe
from storage.interchange.export.identifier_scan import CaseIdentifiers, birth_date_spellings
from storage.record.models import (
    Case,
    CustomField,
    CustomValue,
    CytogeneticFinding,
    DrugAdministration,
    Identity,
    SubsequentTherapy,
)
from tests.storage.interchange.test_export_deidentified import exported_text

PLANTED = "ZQXWVPLANT"  # a word no code list holds


def _plant_everywhere(db: Database) -> None:
    """A planted word in every text field a user can type into, including a text custom field."""
    with db.session() as session:
        note = CustomField(name="remark", kind="text")
        for i, case in enumerate(session.scalars(select(Case).order_by(Case.id))):
            tag = f"{PLANTED}{i}"
            case.subtype = f"subtype {tag}"
            case.notes = f"notes {tag}"
            case.prior_therapies = f"prior {tag}"
            case.findings.append(CytogeneticFinding(finding=f"t(9;22) {tag}"))
            if case.courses:
                case.courses[0].drugs.append(DrugAdministration(drug=f"drug {tag}", dose_modification=tag))
            case.subsequent_therapies.append(SubsequentTherapy(therapy=f"therapy {tag}"))
            for assessment in case.assessments:
                assessment.note = tag
            case.custom_values.append(CustomValue(field=note, value=f"remark {tag}"))


FORMATS = [("csv", False), ("xlsx", False), ("sav", False), ("dta", False), ("csv", True), ("xlsx", True)]


@pytest.mark.parametrize("fmt, long", FORMATS)
@pytest.mark.parametrize("mode", ["shift", "days"])
def test_no_planted_free_text_leaves_in_any_format(demo_db: Database, tmp_path: Path, fmt: str, long: bool,
                                                   mode: str) -> None:
    _plant_everywhere(demo_db)
    out = tmp_path / ("long" if long and fmt == "csv" else f"out.{fmt}")
    with demo_db.session() as session:
        result = export_database(session, out, ExportOptions(fmt=fmt, long=long, deidentify=True, date_mode=mode))
    assert PLANTED.lower() not in exported_text(result.paths).lower()
    assert result.cases == 8


def test_a_field_marked_safe_is_exported_and_still_checked(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P01")).one()
        case.subtype = "cALL"
        mark_fields_safe(session, ["subtype"])
    with demo_db.session() as session:
        result = export_database(session, tmp_path / "a.csv", ExportOptions(deidentify=True))
    assert "cALL" in exported_text(result.paths)
    with demo_db.session() as session:  # the patient's surname typed into the safe field: refused, field named
        case = session.scalars(select(Case).where(Case.study_id == "P01")).one()
        assert case.identity is not None and case.identity.name
        surname = re.split(r"[ ,]+", case.identity.name.strip())[-1]
        case.subtype = f"cALL ({surname.upper()})"
    with demo_db.session() as session, pytest.raises(ExportError, match=r"the field subtype holds the patient's"):
        export_database(session, tmp_path / "b.csv", ExportOptions(deidentify=True))
    assert not (tmp_path / "b.csv").exists()


@pytest.mark.parametrize("typed", ["07.03.1961", "7.3.61", "1961-03-07", "07/03/1961", "19610307", "born 7. 3. 1961"])
def test_a_birth_date_in_a_safe_custom_field_refuses_the_export(demo_db: Database, tmp_path: Path,
                                                                 typed: str) -> None:
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P02")).one()
        assert case.identity is not None
        case.identity.birth_date = dt.date(1961, 3, 7)
        field = CustomField(name="remark", kind="text")
        case.custom_values.append(CustomValue(field=field, value=typed))
    for long, fmt in ((False, "xlsx"), (True, "xlsx"), (False, "sav")):
        with demo_db.session() as session, pytest.raises(ExportError, match=r"remark holds the patient's date of birth"):
            export_database(session, tmp_path / f"x{long}.{fmt}",
                            ExportOptions(fmt=fmt, long=long, deidentify=True, safe_fields=frozenset({"remark"})))
        assert not (tmp_path / f"x{long}.{fmt}").exists()


def test_the_hospital_number_is_found_with_or_without_separators_and_zeros() -> None:
    case = Case(study_id="P9", identity=Identity(name="Jürgen Weiß", hospital_number="00-1234-567"))
    ids = CaseIdentifiers.of(case)
    assert ids.found_in("MRN 1234567") == "hospital number"
    assert ids.found_in(1234567.0) == "hospital number"
    assert ids.found_in("see 00-1234-567") is not None
    assert ids.found_in("Herr WEISS, Juergen") is not None
    assert ids.found_in("juergen") is not None and ids.found_in("Jurgen") is not None
    assert ids.found_in("AML M2") is None and ids.found_in(1234.0) is None


def test_birth_date_spellings_cover_german_and_english_forms() -> None:
    spellings = birth_date_spellings(dt.date(1961, 3, 7))
    assert {"07.03.1961", "7.3.1961", "07.03.61", "1961-03-07", "07/03/1961", "03/07/1961", "19610307"} <= spellings
