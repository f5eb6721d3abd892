"""From the physician's review of a German import: one impossible date (31.02.2010) or a two-digit year no longer
hides the order every other date of the column fixes, and each such cell is refused for what it is."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from storage.interchange.conventions import date_format_of
from storage.interchange.imports.importing import import_file
from tests.storage.interchange.test_import_flat_template import case_count, good_row, write_csv


def test_a_date_of_no_calendar_does_not_hide_the_order_of_the_others() -> None:
    assert date_format_of(["17.11.2012", "31.02.2010", "03.04.2011"]) == "%d.%m.%Y"  # 17 is a day: dd.mm
    assert date_format_of(["17.11.2012", "04.03.19", "unbekannt"]) == "%d.%m.%Y"
    assert date_format_of(["03.04.2011", "31.02.2010"]) is None  # still never guessed: March or April


def test_each_bad_date_cell_is_refused_for_what_it_is(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(i) for i in range(1, 5)]
    for row, born in zip(rows, ["17.11.2012", "31.02.2010", "04.03.19", "03.04.2011"], strict=True):
        row["birth_date"] = born
    report = import_file(empty_db, write_csv(tmp_path / "geburt.csv", rows))
    assert not report.written and case_count(empty_db) == 0
    assert [(p.row, p.column, p.value, p.rule) for p in report.problems] == [
        (2, "birth_date", "31.02.2010", "'31.02.2010' is no day of the calendar in any order of day, month and "
                                        "year (e.g. 31.02.2010)"),
        (3, "birth_date", "04.03.19", "'04.03.19' has a two-digit year: write the year with four digits (e.g. "
                                      "04.03.2019)"),
    ]  # rows 1 and 4 are read day first, as 17.11.2012 fixes it


def test_a_date_not_in_the_stated_format_names_the_format_in_words(empty_db: Database, tmp_path: Path) -> None:
    from storage.interchange.imports.importing import ImportOptions

    rows = [good_row(1), good_row(2)]
    rows[0]["birth_date"], rows[1]["birth_date"] = "17.11.2012", "11/17/2012"
    report = import_file(empty_db, write_csv(tmp_path / "two.csv", rows), ImportOptions(date_format="%d.%m.%Y"))
    assert [(p.row, p.rule) for p in report.problems] == [
        (2, "'11/17/2012' is not a date in the form dd.mm.yyyy or yyyy-mm-dd")]
