"""Issue 12 review, point 4: a date column that needs a date format is said once in the dialog, with an
example in the column's own form, and each of its cells is listed shortly; the command line keeps its words."""

from __future__ import annotations

import csv
from pathlib import Path

from storage.database import Database
from storage.interchange.imports.column_mapping import suggested_mapping
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.interchange.table_reading import read_table

from .test_import_flat_template import case_count, good_row

BIRTH = ("03.04.2008", "05.06.2009", "01.02.2010")


def _sheet(path: Path) -> Path:
    rows = [good_row(i) | {"birth_date": born} for i, born in enumerate(BIRTH, start=1)]
    rows[2]["hsct_after_date"] = "2019-02-30"  # a date that does not exist: said as before
    header = ["Geburtsdatum" if h == "birth_date" else h for h in rows[0]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows([list(r.values()) for r in rows])
    return path


def test_the_dialog_says_a_date_column_once_and_each_cell_shortly(empty_db: Database, tmp_path: Path) -> None:
    path = _sheet(tmp_path / "geb.csv")
    table = read_table(path)
    report = import_file(empty_db, path, ImportOptions(mapping=suggested_mapping(table.header, rows=table.rows)))
    assert [(p.row, p.column) for p in report.problems] == [(1, "Geburtsdatum"), (2, "Geburtsdatum"),
                                                            (3, "Geburtsdatum"), (3, "hsct_after_date")]
    lines = report.problem_lines(dialog=True)
    assert lines[0] == ("Geburtsdatum: dates like 03.04.2008 - choose the date format above (the data do not "
                        "tell day from month)")
    assert sum("the data do not tell day from month" in line for line in lines) == 1
    assert lines[1:4] == [f"row {n}, column Geburtsdatum, value {born!r}: day or month unclear: choose the date "
                          "format above" for n, born in enumerate(BIRTH, start=1)]
    assert all(len(line) <= 100 for line in lines[1:4])
    assert "hsct_after_date" in lines[4] and "not a valid date" in lines[4] and len(lines) == 5
    assert not any("YYYY-MM-DD" in line or "03/04/2019" in line or "--" in line for line in lines[:4])
    tips = report.problem_cells()[(2, "Geburtsdatum")]
    assert tips == ["day or month unclear: choose the date format above (the data do not tell day from month)"]
    cli = report.problem_lines()
    assert len(cli) == 4 and all("--date-format" in line for line in cli[:3])  # the command line's own words
    assert case_count(empty_db) == 0


def test_with_the_date_format_chosen_the_column_comes_in(empty_db: Database, tmp_path: Path) -> None:
    path = _sheet(tmp_path / "geb.csv")
    table = read_table(path)
    mapping = suggested_mapping(table.header, rows=table.rows)
    report = import_file(empty_db, path, ImportOptions(mapping=mapping, date_format="%d.%m.%Y", dry_run=True))
    assert [(p.row, p.column) for p in report.problems] == [(3, "hsct_after_date")]
