"""Exports: the flat template round-trips, formulas are neutralised, long/SPSS/Stata carry labels."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyreadstat
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from storage.database import Database, create_database
from storage.interchange.export.exporting import ExportError, ExportOptions, export_database
from storage.interchange.imports.importing import import_file
from storage.record.models import Case
from storage.safety.freeze import freeze_dataset

FORMULAS = ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "-2+3", "@cmd", "'=already quoted"]


def _export(db: Database, out: Path, **options: object) -> list[Path]:
    with db.session() as session:
        return export_database(session, out, ExportOptions(**options)).paths  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_demo_round_trips_through_the_flat_template(demo_db: Database, tmp_path: Path, fmt: str) -> None:
    first = tmp_path / f"first.{fmt}"
    _export(demo_db, first, fmt=fmt)
    copy = create_database(tmp_path / "copy.db")
    report = import_file(copy, first)
    assert report.written, report.problems
    second = tmp_path / f"second.{fmt}"
    _export(copy, second, fmt=fmt)
    copy.close()
    if fmt == "csv":
        assert first.read_text(encoding="utf-8-sig") == second.read_text(encoding="utf-8-sig")
    else:
        sheets = [[list(r) for r in load_workbook(p)["cases"].iter_rows(values_only=True)] for p in (first, second)]
        assert sheets[0] == sheets[1] and len(sheets[0]) == 9


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_text_is_neutralised_and_restored_on_import(demo_db: Database, tmp_path: Path,
                                                                 fmt: str) -> None:
    with demo_db.session() as session:
        cases = list(session.scalars(select(Case).order_by(Case.study_id)))
        for case, text in zip(cases, FORMULAS, strict=False):
            case.notes = text
    out = tmp_path / f"f.{fmt}"
    _export(demo_db, out, fmt=fmt)
    if fmt == "csv":
        notes = [row["notes"] for row in csv.DictReader(out.open(encoding="utf-8-sig"))][: len(FORMULAS)]
    else:
        book = load_workbook(out)
        sheet = book["cases"]
        header = [c.value for c in sheet[1]]
        column = header.index("notes") + 1
        cells = [sheet.cell(row=r, column=column) for r in range(2, 2 + len(FORMULAS))]
        assert all(c.data_type == "s" for c in cells)
        notes = [str(c.value) for c in cells]
    assert notes == ["'" + text for text in FORMULAS]
    copy = create_database(tmp_path / "copy.db")
    assert import_file(copy, out).written
    with copy.session() as session:
        restored = [c.notes for c in session.scalars(select(Case).order_by(Case.study_id))][: len(FORMULAS)]
    copy.close()
    assert restored == FORMULAS


def test_long_format_workbook_has_a_sheet_per_record_with_labels(demo_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "long.xlsx"
    _export(demo_db, out, fmt="xlsx", long=True)
    book = load_workbook(out)
    assert {"cases", "identities", "salvage_courses", "drug_administrations", "response_assessments",
            "transplants", "complications", "relapses", "deaths", "custom_values", "about"} <= set(book.sheetnames)
    rows = list(book["transplants"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:4] == ["study_id", "transplant_date", "donor_type", "donor_type_label"]
    assert ("P01", "MMFD", "mismatched family donor (haploidentical)") in {(r[0], r[2], r[3]) for r in rows[1:]}
    drugs = list(book["drug_administrations"].iter_rows(values_only=True))
    assert "total_dose" in drugs[0] and len(drugs) > 8


def test_long_format_csv_is_a_folder_of_tables(demo_db: Database, tmp_path: Path) -> None:
    paths = _export(demo_db, tmp_path / "long", fmt="csv", long=True)
    names = {p.name for p in paths}
    assert {"cases.csv", "complications.csv", "about.txt"} <= names
    deaths = list(csv.DictReader((tmp_path / "long" / "deaths.csv").open(encoding="utf-8-sig")))
    assert {d["cause_label"] for d in deaths} <= {"disease-related", "therapy-related", "other"}
    with pytest.raises(ExportError, match="not an empty folder"):
        _export(demo_db, tmp_path / "long", fmt="csv", long=True)


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_files_carry_variable_and_value_labels(demo_db: Database, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"cohort.{fmt}"
    _export(demo_db, out, fmt=fmt)
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = reader(str(out))
    assert len(frame) == 8
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["salvage_start"] == "day 1 of the first salvage course (time zero)"
    donor = meta.variable_value_labels["donor_type"]
    assert donor[1.0] == "matched sibling donor" and donor[4.0] == "mismatched family donor (haploidentical)"
    assert meta.variable_value_labels["sex"] == {1.0: "female", 2.0: "male"}
    first = frame.sort_values("study_id").iloc[0]
    assert first["study_id"] == "P01" and first["donor_type"] == 4.0
    assert first["salvage_start"] == dt.date(2016, 3, 7)
    assert meta.original_variable_types["salvage_start"] == ("DATE11" if fmt == "sav" else "%td")


def test_exports_carry_the_data_freeze(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session() as session:
        freeze = freeze_dataset(session, dt.date(2021, 12, 31))
    paths = _export(demo_db, tmp_path / "frozen.csv")
    about = paths[1].read_text(encoding="utf-8")
    assert f"Data freeze {freeze.label}" in about and "unchanged since" in about
    assert freeze.content_hash[:16] in about
