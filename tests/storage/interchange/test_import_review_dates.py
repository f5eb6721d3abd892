"""A stated date format must name a year, a month and a day and nothing else; dates before 1900 are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.database import Database
from storage.interchange.imports.importing import ImportOptions, import_file

from .test_import_flat_template import case_count, good_row, write_csv


@pytest.mark.parametrize(("fmt", "words"), [
    ("%d.%m", "has no year (%Y or %y): every date would fall in 1900"),
    ("%Q", "has %Q, which is not a date code"),
    ("%d.%m.%Y %H:%M", "has a time of day (%H)"),
    ("%d.%m.%Y %I%p", "has a time of day (%I)"),
    ("%m/%Y", "has no day (%d)"),
    ("%d/%Y", "has no month (%m)"),
])
def test_a_date_format_without_a_year_day_or_month_or_with_other_codes_is_refused_before_any_row(
        empty_db: Database, tmp_path: Path, fmt: str, words: str) -> None:
    path = write_csv(tmp_path / "de.csv", [good_row(1) | {"salvage_start": "04.03"}])
    report = import_file(empty_db, path, ImportOptions(date_format=fmt))
    assert not report.written and case_count(empty_db) == 0
    assert len(report.problems) == 1 and report.problems[0].row is None
    assert f"the date format {fmt!r} {words}" in str(report.problems[0])


@pytest.mark.parametrize("fmt", ["%d.%m.%Y", "%d.%m.%y", "%d %b %Y", "%Y%j", "%d%%%m%%%Y"])
def test_complete_date_formats_are_accepted(empty_db: Database, tmp_path: Path, fmt: str) -> None:
    import datetime as dt

    text = dt.date(2019, 3, 4).strftime(fmt)
    report = import_file(empty_db, write_csv(tmp_path / "ok.csv", [good_row(1) | {"salvage_start": text}]),
                         ImportOptions(date_format=fmt))
    assert report.written, report.problems


@pytest.mark.parametrize("value", ["1899-12-31", "0019-03-04"])
def test_a_date_before_1900_is_refused_as_implausible(empty_db: Database, tmp_path: Path, value: str) -> None:
    report = import_file(empty_db, write_csv(tmp_path / "old.csv", [good_row(1) | {"birth_date": value}]))
    assert [(p.row, p.column, p.value) for p in report.problems] == [(1, "birth_date", value)]
    assert "is before 1900-01-01, not a plausible date" in report.problems[0].rule
    assert case_count(empty_db) == 0


def test_a_custom_date_before_1900_is_refused_too(empty_db: Database, tmp_path: Path) -> None:
    rows = [good_row(1) | {"echo": "2019-04-01"}, good_row(2) | {"echo": "1850-04-01"}]
    report = import_file(empty_db, write_csv(tmp_path / "c.csv", rows), ImportOptions(add_fields=True))
    assert [(p.row, p.column) for p in report.problems] == [(2, "echo")]
