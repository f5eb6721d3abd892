"""XLSX: the active visible sheet is imported, never a hidden first sheet; hidden rows and merged cells are
problems naming the sheet and the row, not silently imported or dropped."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from storage.interchange.table_reading import read_table
from storage.interchange.xlsx_sheets import read_all_sheets


def _book(path: Path) -> Path:
    book = Workbook()
    old = book.active
    old.title = "Old"
    old.append(["study_id", "sex"])
    old.append(["OLD1", "m"])
    old.sheet_state = "hidden"
    data = book.create_sheet("Data")
    data.append(["study_id", "sex"])
    for i in range(1, 5):
        data.append([f"A{i}", "f"])
    data.row_dimensions[3].hidden = True  # case row 2
    data.merge_cells("B4:B5")  # case rows 3-4
    book.active = 1
    book.save(path)
    return path


def test_the_active_visible_sheet_is_read_not_a_hidden_first_sheet(tmp_path: Path) -> None:
    table = read_table(_book(tmp_path / "book.xlsx"))
    assert table.rows[0][0] == "A1"
    texts = [(p.row, p.column, p.rule) for p in table.problems]
    assert any(row == 2 and "row 3 of the sheet Data is hidden" in rule for row, _c, rule in texts)
    assert any(row == 3 and column == "sex" and "cells B4:B5 of the sheet Data are merged" in rule
               for row, column, rule in texts)


def test_the_long_format_reader_reports_hidden_rows_and_merged_cells(tmp_path: Path) -> None:
    tables = read_all_sheets(_book(tmp_path / "book.xlsx"))
    rules = [p.rule for p in tables["Data"].problems]
    assert any("row 3 of the sheet Data is hidden" in r for r in rules)
    assert any("cells B4:B5 of the sheet Data are merged" in r for r in rules)
