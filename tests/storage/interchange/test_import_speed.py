"""The import's shortcuts give what the long way gives: the bulk import's canonical record text (column types
named once per table) is storage.safety.case_content's, and the mapping table's per-column distinct values give
the same notes and the same unmapped values, with the same row counts, as going through every row."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from storage.database import Database
from storage.interchange.conventions import column_notes
from storage.interchange.imports.column_mapping import ColumnMapping, unmapped_values
from storage.interchange.imports.column_values import column_values, unmapped_in
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Base
from storage.safety.case_content import changed_bulk_cases, record_text


def _sample(type_name: str, n: int) -> Any:
    return {"INTEGER": n, "FLOAT": n + 0.25, "BOOLEAN": n % 2, "DATE": dt.date(2020, 1, 1 + n % 28),
            "DATETIME": dt.datetime(2020, 1, 2, 3, 4, 5)}.get(type_name, f"text {n} ä ²")


def test_record_text_with_types_named_once_is_the_text_of_each_value_typed_anew() -> None:
    import json

    from storage.safety import case_content

    for table in Base.metadata.sorted_tables:
        for n in range(3):
            values = {c.name: _sample(str(c.type).split("(")[0], n) for c in table.columns}
            if n == 2:
                values = {k: None for k in values}
            anew = json.dumps([[c.name, case_content._value(str(c.type).split("(")[0], values.get(c.name))]
                               for c in table.columns if c.name not in ("id", "case_id", "course_id")],
                              ensure_ascii=False)
            assert record_text(table, values) == anew, table.name


def test_bulk_imported_cases_verify_with_the_canonical_text(empty_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("study_id,sex,birth_date,diagnosis,salvage_start,best_response,death_date\n"
                    "P01,f,1990-01-02,ALL,2020-03-04,CR,\nP02,m,1985-05-06,AML,2021-07-08,NR,2021-12-01\n",
                    encoding="utf-8")
    report = import_file(empty_db, path, ImportOptions())
    assert report.written, report.problems
    with sqlite3.connect(empty_db.path) as conn:
        facts, problems = changed_bulk_cases(conn)
    assert problems == [] and facts


ROWS: list[list[Any]] = [
    ["P01", "w", "03.04.2019", "19,5", "85%"],
    ["P02", "weiblich", "13.04.2019", "", "90%"],
    ["P03", "x", dt.date(2019, 5, 6), "20", None],
    ["P04", "x", "43831", "7,25", "12"],
    ["P05", "unbekannt", "  ", "1", "85%"],
    ["P06", "m"],  # a short row
]
HEADER = ["Pat.-Nr.", "Geschlecht", "Erstdiagnose", "Gewicht", "Blasten KM prä"]


def test_column_values_give_the_notes_of_every_row() -> None:
    values = column_values(HEADER, ROWS, {4})
    for i in range(len(HEADER)):
        cells = [r[i] if i < len(r) else None for r in ROWS]
        for kind in ("date", "datelist", "float", "int", "dose", "percent", "code", "text"):
            assert values[i].notes_as(kind) == column_notes(cells, kind, i == 4), (HEADER[i], kind)
    assert "date cells" in values[2].notes_as("date")
    assert "decimal commas" in values[3].notes_as("float")
    assert values[1].examples() == ["w", "weiblich", "x"]


def test_unmapped_values_from_the_column_values_are_those_of_every_row() -> None:
    mapping = ColumnMapping({"Pat.-Nr.": "study_id", "Geschlecht": "sex", "Erstdiagnose": "initial_diagnosis_date"})
    by_rows = unmapped_values(HEADER, ROWS, mapping)
    assert [(u.column, u.value, u.rows) for u in by_rows] == [("Geschlecht", "x", 2), ("Geschlecht", "unbekannt", 1)]
    assert unmapped_in(HEADER, column_values(HEADER, ROWS), mapping) == by_rows
