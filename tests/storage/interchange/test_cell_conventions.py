"""Cells as people write them: Table 2's dose cells, German numbers, dates whose order the data fix, Excel dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storage.interchange.cell_values import number_from_text, parse_date, read_date
from storage.interchange.conventions import date_format_of
from storage.interchange.imports.dose_cells import Dose, read_dose, read_drug_list


@pytest.mark.parametrize("cell, doses, dose, unit", [
    ("1 × 40 mg/m²", 1, 40.0, "mg/m2"), ("2 × 60 mg/m²", 2, 60.0, "mg/m2"), ("10 x 100 mg/m2", 10, 100.0, "mg/m2"),
    ("4 × 1 g/m²", 4, 1.0, "g/m2"), ("2x33 mg/m2", 2, 33.0, "mg/m2"), ("1,5 g/m²", None, 1.5, "g/m2"),
    ("16 mg/kg", None, 16.0, "mg/kg"),
])
def test_table_2_dose_cells_give_doses_dose_and_unit(cell: str, doses: int | None, dose: float, unit: str) -> None:
    read = read_dose(cell)
    assert (read.doses, read.dose, read.unit) == (doses, dose, unit)


def test_a_dose_cell_s_route_and_remark() -> None:
    assert read_dose("10 x 100 mg/m2 continuous infusion (low: cumulative toxicity)") == \
        Dose(100.0, "mg/m2", 10, "CI", "low: cumulative toxicity")
    assert read_dose("10 × 100 mg/m² Dauerinfusion").route == "CI"


@pytest.mark.parametrize("cell, why", [
    ("2 x sechzig mg/m²", "is not a dose such as"), ("60 mg/m3", "is not a dose such as"),
    ("0 mg", "greater than 0"), ("2 x 60 mg/m2 weekly", "'weekly' after the dose, which is not a route"),
    ("200 x 1 mg", "outside 1 to 100"),
])
def test_an_unreadable_dose_cell_says_why(cell: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        read_dose(cell)


def test_a_list_cell_is_one_drug_per_item_in_english_names() -> None:
    drugs = read_drug_list("Cytarabin 30 mg + Prednisolon 6 mg", route="IT")
    assert [(d.drug, d.dose.dose, d.dose.unit, d.dose.route) for d in drugs] == [
        ("cytarabine", 30.0, "mg", "IT"), ("prednisolone", 6.0, "mg", "IT")]
    assert [(d.drug, d.dose.dose, d.dose.route) for d in read_drug_list("Venetoclax 100 mg p.o. und 200 mg p.o.")] \
        == [("venetoclax", 100.0, "PO"), ("venetoclax", 200.0, "PO")]


@pytest.mark.parametrize("text, number", [("19,5", 19.5), ("19.5", 19.5), ("1.234,5", 1234.5), ("-0,25", -0.25)])
def test_numbers_in_english_or_german_notation(text: str, number: float) -> None:
    assert number_from_text(text) == number


def test_a_date_order_is_used_only_where_the_data_fix_it() -> None:
    assert date_format_of(["07.03.2016", "15.06.2015"]) == "%d.%m.%Y"  # 15 can only be a day
    assert date_format_of(["03/15/2019", "04/01/2019"]) == "%m/%d/%Y"
    assert date_format_of(["07.03.2016", "01.02.2015"]) is None  # March or July: never guessed
    assert date_format_of(["15.06.2015", "2015-06-16"]) == "%d.%m.%Y"  # ISO cells are read anyway
    assert date_format_of(["15.06.15"]) is None  # two-digit years are not fixed by anything


def test_excel_serial_days_and_date_cells() -> None:
    assert read_date(43535, None) == dt.date(2019, 3, 11) and read_date("43535", None) == dt.date(2019, 3, 11)  # as Excel
    assert read_date(dt.datetime(2019, 3, 10), None) == dt.date(2019, 3, 10)
    with pytest.raises(ValueError, match="is a number, not a date"):
        parse_date(2019, None)  # a year, not a serial day


def test_a_percent_formatted_xlsx_cell_is_read_as_percent(empty_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    from storage.interchange.imports.importing import import_file
    from storage.record.models import ResponseAssessment

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["study_id", "bm_blasts_pre"])
    sheet.append(["X1", 0.85])
    sheet["B2"].number_format = "0%"
    sheet.append(["X2", "12,5%"])
    book.save(tmp_path / "p.xlsx")
    assert import_file(empty_db, tmp_path / "p.xlsx").written
    with empty_db.session() as session:
        assert sorted(a.blast_percent for a in session.query(ResponseAssessment)) == [12.5, 85.0]
