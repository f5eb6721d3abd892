"""The flat import reads its file a row at a time, twice (what the whole file decides, then each row built and
checked), never holding it whole: the report keeps only the rows a preview shows, problems of the file's cells
are said once, a file saved again between the passes imports nothing, and a file that turns out unreadable
half-way writes nothing. (Its memory at 50,000 to 500,000 rows: tests/benchmarks/bench_import_memory.py.)"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from storage.database import Database
from storage.interchange.imports import importing
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.interchange.table_reading import open_table, read_table
from storage.safety.backup import list_backups
from tests.storage.interchange.test_import_flat_template import case_count, good_row, write_csv


def test_the_report_keeps_only_the_rows_a_preview_shows_and_every_row_is_imported(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "SHOWN_ROWS", 5)
    report = import_file(empty_db, write_csv(tmp_path / "twenty.csv", [good_row(i) for i in range(1, 21)]))
    assert report.written and len(report.created) == 20 and case_count(empty_db) == 20
    assert [row[0] for row in report.rows] == ["S01", "S02", "S03", "S04", "S05"]


def test_reading_the_first_row_of_a_large_file_does_not_read_the_rest(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "large.csv", [good_row(i % 99 + 1) for i in range(60_000)])  # ~10 MB
    tracemalloc.start()
    try:
        source = open_table(path)
        first = next(source.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert first[0] == "S01" and source.header[0] == "study_id"
    assert peak < 8_000_000  # its checks read it 1 MB at a time; its rows take about 50 MB as Python lists


def test_a_row_with_more_cells_than_the_header_is_reported_once(empty_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "extra.csv", [good_row(i) for i in range(1, 4)])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",stray"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(empty_db, path)
    assert not report.written and case_count(empty_db) == 0
    assert [(p.row, p.value, p.rule) for p in report.problems] == [
        (2, "stray", "has more cells than the header has columns")]


def test_a_formula_in_a_workbook_is_reported_once(empty_db: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    rows = [good_row(i) for i in range(1, 4)]
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    sheet["B3"] = '=IF(1,"m","f")'
    book.save(tmp_path / "formula.xlsx")
    report = import_file(empty_db, tmp_path / "formula.xlsx")
    assert not report.written and case_count(empty_db) == 0
    assert [(p.row, p.column) for p in report.problems] == [(2, "sex")]
    assert "holds a formula" in report.problems[0].rule


def test_a_file_saved_again_between_the_passes_imports_nothing(empty_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "moving.csv", [good_row(i) for i in range(1, 11)])
    saved: list[bool] = []

    def save_again(done: int, total: int, what: str) -> None:
        if what == "checking rows" and not saved:  # the first pass is over: the user saves the sheet again
            write_csv(path, [good_row(i) for i in range(1, 13)])
            saved.append(True)

    report = import_file(empty_db, path, ImportOptions(), save_again)
    assert saved and not report.written and case_count(empty_db) == 0
    assert any("moving.csv changed while it was read" in p.rule for p in report.problems)


def test_a_csv_broken_half_way_writes_nothing_and_takes_no_backup(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 2)  # chunks would be written while the rest is checked
    path = write_csv(tmp_path / "broken.csv", [good_row(i) for i in range(1, 11)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write('S99,"f"x,2008-05-01\n')  # a quote closed in the middle of a cell
    report = import_file(empty_db, path)
    assert not report.written and case_count(empty_db) == 0
    assert [p.rule for p in report.problems] == ["broken.csv is not a well-formed CSV table (',' expected after '\"')"]
    assert list_backups(empty_db.path) == []


def _csv_bytes(tail: bytes, filler_rows: int = 7_000) -> bytes:
    head = "study_id,notes\n" + "".join(f"S{i},{'x' * 150}\n" for i in range(filler_rows))  # past 1 MB
    return head.encode("ascii") + tail


def test_windows_1252_past_the_first_megabyte_is_read_as_such(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(_csv_bytes("Z1,M\xfcller\n".encode("cp1252")))
    table = read_table(path)
    assert table.encoding == "Windows-1252" and table.rows[-1] == ["Z1", "Müller"]


def test_a_character_across_the_first_megabyte_boundary_is_utf8(tmp_path: Path) -> None:
    head = b"study_id,notes\nS1,"
    data = head + b"x" * ((1 << 20) - 1 - len(head)) + "ä\n".encode()  # ä's two bytes in two 1 MB chunks
    assert data[(1 << 20) - 1:(1 << 20) + 1] == "ä".encode()
    path = tmp_path / "boundary.csv"
    path.write_bytes(data)
    table = read_table(path)
    assert table.encoding == "UTF-8" and table.rows[-1][1].endswith("xä")


def test_bytes_of_neither_encoding_are_named_with_their_line_past_the_first_megabyte(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(_csv_bytes(b"Z1,M\x81ller\n"))
    report = import_file_problems(path)
    assert report == ["junk.csv is neither UTF-8 nor Windows-1252 text (byte 0x81 on line 7002); save it as "
                      "'CSV UTF-8' (Excel) or UTF-8 text and import again"]


def import_file_problems(path: Path) -> list[Any]:
    from storage.database import create_database

    db = create_database(path.with_suffix(".db"))
    try:
        return [p.rule for p in import_file(db, path, ImportOptions(dry_run=True)).problems]
    finally:
        db.close()


def test_a_check_keeps_the_plan_of_a_file_memory_can_hold_in_its_order(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 2)
    monkeypatch.setattr(importing, "KEPT_CASES", 10)
    path = write_csv(tmp_path / "ten.csv", [good_row(i) for i in range(1, 11)])
    checked = importing.check_file(empty_db, path)
    assert checked.plan is not None and [c.study_id for c in checked.plan.new] == [f"S{i:02d}" for i in range(1, 11)]
    report = import_file(empty_db, path, checked=checked)
    assert report.written and report.checked_again is None and case_count(empty_db) == 10


def test_a_check_of_a_larger_file_is_not_kept_and_its_import_checks_again_a_chunk_at_a_time(
        empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 2)
    monkeypatch.setattr(importing, "KEPT_CASES", 5)
    path = write_csv(tmp_path / "eleven.csv", [good_row(i) for i in range(1, 12)])
    checked = importing.check_file(empty_db, path)
    assert checked.report.ok and checked.plan is None
    report = import_file(empty_db, path, checked=checked)
    assert report.written and case_count(empty_db) == 11
    assert report.checked_again == ("a file of more than 5 new cases is checked again as it is written, a chunk at "
                                    "a time (its check is not kept in memory)")


def test_the_preview_keeps_rows_up_to_a_few_million_characters(empty_db: Database, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "SHOWN_TEXT", 50_000)
    rows = [{**good_row(i), "notes": "n" * 20_000} for i in range(1, 11)]  # 20,000 characters of notes a row
    report = import_file(empty_db, write_csv(tmp_path / "notes.csv", rows))
    assert report.written and case_count(empty_db) == 10
    assert len(report.rows) == 3  # kept until 50,000 characters were reached
