"""Import of the flat case template: all or nothing, every problem named by row and column."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from storage.database import Database
from storage.interchange.export.export_writers import write_template
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case, CustomField
from storage.record.tables import audit_log
from storage.safety.audit import case_history
from storage.safety.backup import list_backups

HEADER = ["study_id", "sex", "birth_date", "diagnosis", "subtype", "disease_status", "salvage_start",
          "best_response", "hsct_after_date", "donor_type", "relapse_date", "death_date", "death_cause",
          "last_follow_up", "last_follow_up_status"]


def good_row(i: int) -> dict[str, Any]:
    return {"study_id": f"S{i:02d}", "sex": "f" if i % 2 else "m", "birth_date": "2008-05-01", "diagnosis": "ALL",
            "subtype": "cALL", "disease_status": "relapse", "salvage_start": "2019-03-04", "best_response": "CR",
            "hsct_after_date": "2019-05-01", "donor_type": "MUD", "relapse_date": "", "death_date": "",
            "death_cause": "", "last_follow_up": "2021-02-03", "last_follow_up_status": "remission"}


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    header = header or list(rows[0]) if rows else header or HEADER
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def case_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(Case.id))) or 0


def test_ten_rows_with_a_bad_date_in_row_7_import_nothing_and_name_row_7(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(i) for i in range(1, 11)]
    rows[6]["salvage_start"] = "2019-02-30"
    report = import_file(empty_db, write_csv(tmp_path / "ten.csv", rows))
    assert not report.written and case_count(empty_db) == 0
    assert [(p.row, p.column, p.value) for p in report.problems] == [(7, "salvage_start", "2019-02-30")]
    assert "row 7, column salvage_start" in str(report.problems[0])


def test_every_problem_of_every_row_is_reported(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(i) for i in range(1, 5)]
    rows[0]["sex"] = "x"
    rows[1]["death_date"], rows[1]["death_cause"] = "2019-01-01", "disease"  # before salvage
    rows[1]["last_follow_up"], rows[1]["last_follow_up_status"] = "2019-01-01", ""
    rows[3]["donor_type"] = "cousin"
    report = import_file(empty_db, write_csv(tmp_path / "bad.csv", rows))
    found = {(p.row, p.column) for p in report.problems}
    assert {(1, "sex"), (2, "death_date"), (4, "donor_type")} <= found
    assert any("before day 1 of salvage" in p.rule for p in report.problems if p.row == 2)
    assert case_count(empty_db) == 0


def test_a_valid_file_lands_in_one_transaction_with_a_backup_and_one_audit_entry_per_case(
        empty_db: Database, tmp_path: Path) -> None:
    report = import_file(empty_db, write_csv(tmp_path / "ok.csv", [good_row(i) for i in range(1, 4)]))
    assert report.written and report.created == ["S01", "S02", "S03"]
    assert [b.reason for b in list_backups(empty_db.path)] == ["before-import"]
    with empty_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "S02")).one()
        assert case.time_zero == dt.date(2019, 3, 4)
        assert case.transplants[0].donor_type == "MUD"
        assert case.identity is not None and case.identity.birth_date == dt.date(2008, 5, 1)
        history = case_history(session, "S02")
    assert len(history) == 1 and history[0].new_value and history[0].new_value.startswith("salted-sha256:")
    assert history[0].reason == "import of ok.csv"


def test_dry_run_reports_and_writes_nothing(empty_db: Database, tmp_path: Path) -> None:
    report = import_file(empty_db, write_csv(tmp_path / "ok.csv", [good_row(1)]), ImportOptions(dry_run=True))
    assert report.ok and not report.written and report.created == ["S01"]
    assert case_count(empty_db) == 0 and list_backups(empty_db.path) == []


def test_an_unknown_column_is_refused_by_name(empty_db: Database, tmp_path: Path) -> None:
    row = good_row(1) | {"favourite colour": "blue"}
    report = import_file(empty_db, write_csv(tmp_path / "x.csv", [row]))
    assert [(p.column, "unknown column" in p.rule) for p in report.problems] == [("favourite colour", True)]
    assert case_count(empty_db) == 0


def test_unknown_columns_become_custom_fields_of_an_inferred_type(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(i) | {"ldh": str(200 + i), "cns": "yes" if i % 2 else "no", "echo": f"2019-0{i}-01",
                           "risk": "high" if i < 3 else "low", "comment": f"text {i}"} for i in range(1, 7)]
    report = import_file(empty_db, write_csv(tmp_path / "x.csv", rows), ImportOptions(add_fields=True))
    assert report.ok, report.problems
    assert {(f.name, f.kind) for f in report.new_fields} == {
        ("ldh", "number"), ("cns", "yesno"), ("echo", "date"), ("risk", "choice"), ("comment", "text")}
    with empty_db.session() as session:
        fields = {f.name: f for f in session.scalars(select(CustomField))}
        assert fields["risk"].choice_list == ["high", "low"]
        case = session.scalars(select(Case).where(Case.study_id == "S04")).one()
        assert {v.field.name: v.value for v in case.custom_values}["echo"] == "2019-04-01"


def test_duplicate_study_ids_in_the_file_are_each_reported(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(1), good_row(2), good_row(1)]
    report = import_file(empty_db, write_csv(tmp_path / "dup.csv", rows))
    assert [(p.row, p.column, p.rule) for p in report.problems] == [(3, "study_id", "study ID S01 is also in row 1")]


def test_an_existing_study_id_is_an_error_unless_updating_which_is_audited(empty_db: Database, tmp_path: Path) -> None:
    import_file(empty_db, write_csv(tmp_path / "first.csv", [good_row(1)]))
    changed = good_row(1) | {"subtype": "pre-B-ALL"}
    path = write_csv(tmp_path / "second.csv", [changed])
    report = import_file(empty_db, path)
    assert [p.column for p in report.problems] == ["study_id"] and "already exists" in report.problems[0].rule
    report = import_file(empty_db, path, ImportOptions(update_existing=True))
    assert report.written and report.updated == ["S01"]
    with empty_db.session() as session:
        updates = [e for e in case_history(session, "S01") if e.action == "update"]
    assert [(e.field, e.old_value, e.new_value) for e in updates] == [("subtype", "cALL", "pre-B-ALL")]


def test_ambiguous_dates_need_a_stated_format(empty_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "de.csv", [good_row(1) | {"salvage_start": "04.03.2019"}])
    report = import_file(empty_db, path)
    assert [p.column for p in report.problems] == ["salvage_start"] and "--date-format" in str(report.problems[0])
    assert "choose the date format above" in report.problems[0].text(dialog=True)  # the dialog's own words
    assert "--" not in report.problems[0].text(dialog=True)
    report = import_file(empty_db, path, ImportOptions(date_format="%d.%m.%Y"))
    assert report.written
    with empty_db.session() as session:
        assert session.scalars(select(Case)).one().time_zero == dt.date(2019, 3, 4)


def _xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_real_excel_dates_imports(empty_db: Database, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "ok.xlsx", [["study_id", "salvage_start", "last_follow_up", "relapse_number",
                                         "disease_status"],
                                        ["X1", dt.datetime(2019, 3, 4), dt.date(2020, 1, 2), 2.0, "relapse"]])
    report = import_file(empty_db, path)
    assert report.written, report.problems
    with empty_db.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.time_zero, case.last_follow_up, case.relapse_number) == (dt.date(2019, 3, 4),
                                                                             dt.date(2020, 1, 2), 2)


def test_xlsx_with_a_formula_cell_is_refused(empty_db: Database, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "f.xlsx", [["study_id", "relapse_number"], ["X1", "=1+1"], ["X2", 1]])
    report = import_file(empty_db, path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(1, "relapse_number", "=1+1")]
    assert "formula" in report.problems[0].rule and case_count(empty_db) == 0


@pytest.mark.parametrize("content, expected", [
    (b"", "is empty"),
    (",".join(HEADER).encode() + b"\r\n", "header but no case rows"),
    (b"study_id,sex,notes\nS1,f,M\x81ller\n", "neither UTF-8 nor Windows-1252"),
    (b"\x00\x01junk\x00" * 10, "NUL bytes"),
], ids=["empty", "header-only", "not-1252", "binary"])
def test_unreadable_files_are_refused_with_a_reason(empty_db: Database, tmp_path: Path, content: bytes,
                                                     expected: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    report = import_file(empty_db, path)
    assert not report.written and any(expected in p.rule for p in report.problems), report.problems
    assert case_count(empty_db) == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_five_megabytes_of_junk_are_refused_quickly(empty_db: Database, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(os.urandom(5_000_000))
    report = import_file(empty_db, path)
    assert report.problems and not report.written and case_count(empty_db) == 0


def test_five_megabytes_of_junk_text_are_refused(empty_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_text("".join(chr(0x20 + (i * 7919) % 90) for i in range(5_000_000)), encoding="utf-8")
    report = import_file(empty_db, path)
    assert report.problems and not report.written and case_count(empty_db) == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_empty_template_lists_allowed_values_and_its_filled_copy_imports(empty_db: Database, tmp_path: Path,
                                                                          suffix: str) -> None:
    path = write_template(tmp_path / f"template{suffix}")
    report = import_file(empty_db, path)
    assert [p.rule for p in report.problems] == ["the file has a header but no case rows"]
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        assert "# donor_type: code; MSD (matched sibling donor)" in text
        header = text.splitlines()[-1].split(",")
        with path.open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerow(["T1" if h == "study_id" else "MMFD" if h == "donor_type" else "" for h in header])
        assert import_file(empty_db, path).written
    with empty_db.session() as session:
        assert session.scalar(select(func.count()).select_from(audit_log).where(audit_log.c.action != "event")) == (
            1 if suffix == ".csv" else 0)  # not counting the database's creation (a system event)
