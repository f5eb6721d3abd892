"""What the adversarial review of the streaming flat import found, each held by a test: a workbook's stale
<dimension> never hides rows or columns; a file changed between the passes, even one put back, imports nothing and
says so first; a damaged workbook or a file broken between the passes gets a message naming it, never a raw
exception; a dry run keeps no checked cases; a CSV with \\r line ends is not taken for one long line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from storage.database import Database
from storage.interchange.imports import importing
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.interchange.table_reading import read_table
from tests.storage.interchange.test_import_flat_template import case_count, good_row, write_csv

CHANGED = "changed while it was read; nothing was imported: import it again once it is saved"


def _book(path: Path, rows: int) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["study_id", "name", "sex"])
    for i in range(1, rows + 1):
        sheet.append([f"S{i:02d}", f"Name {i}", "f"])
    book.save(path)
    return path


def _set_part(path: Path, part: str, change: object) -> None:
    with zipfile.ZipFile(path) as src:
        items = {info.filename: src.read(info) for info in src.infolist()}
    items[part] = change(items[part]) if callable(change) else change  # type: ignore[assignment]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in items.items():
            out.writestr(name, data)


@pytest.mark.parametrize("claimed", ["A1:C2", "A1:B31"])
def test_a_stale_dimension_hides_no_row_and_no_column(empty_db: Database, tmp_path: Path, claimed: str) -> None:
    path = _book(tmp_path / "stale.xlsx", 30)
    _set_part(path, "xl/worksheets/sheet1.xml",
              lambda xml: xml.replace(b'<dimension ref="A1:C31"', f'<dimension ref="{claimed}"'.encode()))
    table = read_table(path)
    assert table.header == ["study_id", "name", "sex"] and len(table.rows) == 30 and table.rows[-1][2] == "f"
    report = import_file(empty_db, path)
    assert report.written and len(report.created) == 30 and case_count(empty_db) == 30


def _changing(path: Path, new: bytes, put_back: bool) -> object:
    """A progress callback that saves `new` over the file once the first pass is over (and, with put_back,
    the old bytes again once the second pass is over)."""
    old = path.read_bytes()
    done: list[str] = []

    def progress(_done: int, _total: int, what: str) -> None:
        if what == "checking rows" and not done:
            path.write_bytes(new)
            done.append(what)
        elif what == "checked" and put_back:
            path.write_bytes(old)

    return progress


def test_a_csv_changed_during_the_second_pass_and_put_back_imports_nothing(empty_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r30.csv", [good_row(i) for i in range(1, 31)])
    evil = path.read_bytes().replace(b"S03,", b"EVIL03,")
    report = import_file(empty_db, path, ImportOptions(), _changing(path, evil, put_back=True))  # type: ignore[arg-type]
    assert not report.written and case_count(empty_db) == 0
    assert report.problems[0].rule == f"r30.csv {CHANGED}"


def test_a_workbook_swapped_for_a_zip_bomb_between_the_passes_is_never_unpacked(
        empty_db: Database, tmp_path: Path) -> None:
    path = _book(tmp_path / "r30.xlsx", 30)
    bomb = _book(tmp_path / "bomb.xlsx", 3)
    _set_part(bomb, "xl/sharedStrings.xml", b" " * 30_000_000)
    report = import_file(empty_db, path, ImportOptions(), _changing(path, bomb.read_bytes(), put_back=False))  # type: ignore[arg-type]
    assert not report.written and case_count(empty_db) == 0
    assert [p.rule for p in report.problems] == [f"r30.xlsx {CHANGED}"]  # the second pass read the bytes read first


@pytest.mark.parametrize("new", [b"study_id,sex\nS1,\xff\xfe\n", b"# only a comment\n"])
def test_a_csv_broken_between_the_passes_gets_a_message_naming_it(empty_db: Database, tmp_path: Path,
                                                                  new: bytes) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b"# exported from the ward sheet\n" + write_csv(tmp_path / "x.csv", [good_row(1)]).read_bytes())
    report = import_file(empty_db, path, ImportOptions(), _changing(path, new, put_back=False))  # type: ignore[arg-type]
    assert not report.written and case_count(empty_db) == 0
    assert report.problems and report.problems[0].rule == f"notes.csv {CHANGED}"


def test_a_csv_deleted_between_the_passes_gets_a_message_naming_it(empty_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gone.csv", [good_row(1), good_row(2)])

    def delete(_done: int, _total: int, what: str) -> None:
        if what == "checking rows" and path.exists():
            path.unlink()

    report = import_file(empty_db, path, ImportOptions(), delete)
    assert not report.written and case_count(empty_db) == 0
    assert [p.rule for p in report.problems] == [f"gone.csv {CHANGED}"]  # (not the database's fault)


@pytest.mark.parametrize("part, data", [("xl/workbook.xml", b"<workbook"), ("xl/styles.xml", b"<styleSheet")])
def test_a_damaged_workbook_gets_a_message_naming_it(empty_db: Database, tmp_path: Path, part: str,
                                                     data: bytes) -> None:
    path = _book(tmp_path / "damaged.xlsx", 3)
    _set_part(path, part, data)
    report = import_file(empty_db, path)
    assert not report.written and len(report.problems) == 1
    assert report.problems[0].rule.startswith("damaged.xlsx ")
    assert "workbook" in report.problems[0].rule and "Traceback" not in report.problems[0].rule


def test_a_dry_run_keeps_no_checked_cases(empty_db: Database, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 2)
    released: list[int] = []
    forget = importing.release  # type: ignore[attr-defined]

    def counted(items: list[object]) -> None:
        released.append(len(items))
        forget(items)

    monkeypatch.setattr(importing, "release", counted)
    report = import_file(empty_db, write_csv(tmp_path / "ten.csv", [good_row(i) for i in range(1, 11)]),
                         ImportOptions(dry_run=True))
    assert report.ok and not report.written and len(report.created) == 10 and case_count(empty_db) == 0
    assert released == [2, 2, 2, 2, 2]  # each chunk dropped as soon as it was checked


def test_a_csv_with_carriage_return_line_ends_is_not_one_long_line(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"study_id,notes\r" + b"".join(b"S%d,%s\r" % (i, b"x" * 2000) for i in range(9000)))  # 18 MB
    table = read_table(path)
    assert len(table.rows) == 9000 and table.rows[-1][0] == "S8999"


def test_a_file_without_a_study_id_column_still_names_every_bad_cell(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(1), good_row(2), good_row(3)]
    for row in rows:
        del row["study_id"]
    rows[0]["sex"], rows[2]["salvage_start"] = "q", "abc"
    report = import_file(empty_db, write_csv(tmp_path / "nosid.csv", rows))
    assert not report.written and case_count(empty_db) == 0
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (None, "study_id", None), (1, "sex", "q"), (3, "salvage_start", "abc")]


def test_long_notes_are_written_in_smaller_chunks(empty_db: Database, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_TEXT", 50_000)
    sizes: list[int] = []
    write = importing.insert_cases  # type: ignore[attr-defined]

    def counted(connection: object, cases: list[object], reason: str) -> None:
        sizes.append(len(cases))
        write(connection, cases, reason)

    monkeypatch.setattr(importing, "insert_cases", counted)
    rows = [{**good_row(i), "notes": "n" * 20_000} for i in range(1, 11)]
    report = import_file(empty_db, write_csv(tmp_path / "notes.csv", rows))
    assert report.written and case_count(empty_db) == 10
    assert sizes == [3, 3, 3, 1]  # a chunk once its rows held 50,000 characters, not only every 2,000 cases
