"""A de-identified export holds no custom field of any kind, and its rows do not follow the study IDs."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.record.models import Case, CustomField, CustomValue
from storage.record.tables import deid_keys
from tests.storage.interchange.test_export_deidentified import exported_text, identifying_values

MRN = 7_300_000


def _add_identifying_custom_fields(db: Database) -> list[str]:
    """An "mrn" number, "initials" choice, "admitted" date and "consent" yes/no field per case."""
    secrets = []
    with db.session() as session:
        cases = list(session.scalars(select(Case).order_by(Case.id)))
        mrn = CustomField(name="mrn", kind="number")
        initials = CustomField(name="initials", kind="choice", choices="QXZ\nWVJ")
        admitted = CustomField(name="admitted", kind="date")
        consent = CustomField(name="consent", kind="yesno")
        for i, case in enumerate(cases):
            case.custom_values += [CustomValue(field=mrn, value=str(MRN + 17 * i)),
                                   CustomValue(field=initials, value="QXZ" if i % 2 else "WVJ"),
                                   CustomValue(field=admitted, value=f"2001-02-{10 + i:02d}"),
                                   CustomValue(field=consent, value="yes")]
            secrets.append(str(MRN + 17 * i))
    return [*secrets, "QXZ", "WVJ", "mrn", "initials", "admitted"]


@pytest.mark.parametrize("fmt, long", [("csv", False), ("xlsx", False), ("sav", False), ("dta", False),
                                       ("csv", True), ("xlsx", True)])
def test_no_custom_field_of_any_kind_appears(demo_db: Database, tmp_path: Path, fmt: str, long: bool) -> None:
    secrets = identifying_values(demo_db) + _add_identifying_custom_fields(demo_db)
    with demo_db.session() as session:
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        session.execute(deid_keys.insert(), [{"case_id": cid, "code": f"CTEST{i:03d}", "date_offset_days": 101 + 37 * i}
                                             for i, cid in enumerate(case_ids)])
    out = tmp_path / ("long" if long and fmt == "csv" else f"out.{fmt}")
    with demo_db.session() as session:
        result = export_database(session, out, ExportOptions(fmt=fmt, long=long, deidentify=True))
    text = exported_text(result.paths)
    assert [v for v in secrets if re.search(rf"(?<![\w.-]){re.escape(v)}(?![\w-])", text)] == []
    assert any("custom fields" in line for line in result.about)
    assert not (long and fmt == "csv" and (out / "custom_values.csv").exists())


def test_identified_export_keeps_custom_fields(demo_db: Database, tmp_path: Path) -> None:
    _add_identifying_custom_fields(demo_db)
    with demo_db.session() as session:
        export_database(session, tmp_path / "id.csv", ExportOptions())
    rows = list(csv.DictReader((tmp_path / "id.csv").open(encoding="utf-8-sig")))
    assert MRN in {float(r["mrn"]) for r in rows} and {r["initials"] for r in rows} == {"QXZ", "WVJ"}


def test_rows_are_in_code_order_not_study_id_order(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session() as session:  # codes in the reverse of study-ID order
        cases = list(session.scalars(select(Case).order_by(Case.study_id)))
        session.execute(deid_keys.insert(), [{"case_id": c.id, "code": f"CTEST{len(cases) - i:03d}",
                                              "date_offset_days": 5} for i, c in enumerate(cases)])
        export_database(session, tmp_path / "d.csv", ExportOptions(deidentify=True))
    codes = [r["study_id"] for r in csv.DictReader((tmp_path / "d.csv").open(encoding="utf-8-sig"))]
    assert codes == sorted(codes) and codes[0] == "CTEST001"
