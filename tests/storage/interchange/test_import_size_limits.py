"""Workbooks and CSV files too big to read are refused before they are unpacked or read into memory."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from storage.interchange import table_files, table_reading, xlsx_sheets
from storage.interchange.table_files import UnreadableFile
from storage.interchange.table_reading import read_table
from storage.interchange.xlsx_sheets import read_all_sheets


def _workbook(path: Path, rows: int = 3) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["study_id", "sex"])
    for i in range(rows):
        sheet.append([f"A{i}", "f"])
    book.save(path)
    return path


def _replace_part(path: Path, part: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as src:
        items = {info.filename: src.read(info) for info in src.infolist()}
    items[part] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in items.items():
            out.writestr(name, content)


def test_a_zip_bomb_part_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "bomb.xlsx")
    _replace_part(path, "xl/sharedStrings.xml", b" " * 30_000_000)
    for read in (read_table, read_all_sheets):
        with pytest.raises(UnreadableFile, match=r"bomb.xlsx: the part xl/sharedStrings.xml is packed more than 100"):
            read(path)


def test_a_workbook_unpacking_past_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path / "big.xlsx")
    monkeypatch.setattr(table_files, "MAX_UNZIPPED", 2_000_000)
    _replace_part(path, "docProps/extra.xml", bytes(range(256)) * 4000)  # ~1 MB, barely compressible
    _replace_part(path, "docProps/extra2.xml", bytes(range(255, -1, -1)) * 4000)
    with pytest.raises(UnreadableFile, match=r"big.xlsx (unpacks to|: the part).*limit of 2 MB"):
        read_table(path)


def test_a_sheet_claiming_too_many_rows_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "rows.xlsx")
    with zipfile.ZipFile(path) as src:
        xml = src.read("xl/worksheets/sheet1.xml").decode()
    _replace_part(path, "xl/worksheets/sheet1.xml", xml.replace('ref="A1:B4"', 'ref="A1:B20000000"').encode())
    for read in (read_table, read_all_sheets):
        with pytest.raises(UnreadableFile, match=r"rows.xlsx \(sheet Sheet\) has 20,000,000 rows or more.*1,000,000"):
            read(path)


def test_rows_past_the_limit_are_refused_while_streaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path / "many.xlsx", rows=20)
    monkeypatch.setattr(table_files, "MAX_ROWS", 10)
    monkeypatch.setattr(table_reading, "MAX_ROWS", 10)
    monkeypatch.setattr(xlsx_sheets, "MAX_ROWS", 10)
    for read in (read_table, read_all_sheets):
        with pytest.raises(UnreadableFile, match=r"limit of 10 rows"):
            read(path)


def test_a_csv_line_over_the_field_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    path.write_bytes(b"study_id,notes\nA1," + b"x" * (table_files.CSV_FIELD_LIMIT + 10) + b"\n")
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile, match=r"line.csv has a line longer than the limit of 16,000,000 bytes"):
            read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000
