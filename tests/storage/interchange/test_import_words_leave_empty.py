"""Issue 12 review, point 1: "Status letzter Kontakt" with lebt / verstorben / tot. A written value can be
mapped to "leave the cell empty" (stored empty, said in the report), suggested for the words of a death
(the death date tells it); "lebt" alone stays unmapped and is refused in the field's own words."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from storage.database import Database
from storage.interchange.imports.column_mapping import suggested_mapping, unmapped_values
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.interchange.imports.mapping_targets import LEAVE_EMPTY, target_codes
from storage.interchange.table_reading import read_table
from storage.record.models import Case

from .test_import_flat_template import case_count, good_row

STATUS = "Status letzter Kontakt"
DEAD = {"relapse_date": "2019-09-01", "death_date": "2019-11-02", "death_cause": "disease", "last_follow_up": ""}


def _sheet(path: Path) -> Path:
    rows = [good_row(1) | {"last_follow_up_status": "lebt"}, good_row(2) | DEAD | {"last_follow_up_status": "verstorben"},
            good_row(3) | DEAD | {"last_follow_up_status": "tot"}, good_row(4) | DEAD | {"last_follow_up_status": "tot"}]
    header = [STATUS if h == "last_follow_up_status" else h for h in rows[0]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        writer.writerows([list(r.values()) for r in rows])
    return path


def _statuses(db: Database) -> dict[str, str | None]:
    with db.session() as session:
        return {c.study_id: c.last_follow_up_status for c in session.scalars(select(Case))}


def test_death_words_are_suggested_to_be_left_empty_and_lebt_is_left_to_the_user(tmp_path: Path) -> None:
    table = read_table(_sheet(tmp_path / "status.csv"))
    mapping = suggested_mapping(table.header, rows=table.rows)
    assert mapping.columns[STATUS] == "last_follow_up_status"
    assert mapping.values["last_follow_up_status"] == {"verstorben": LEAVE_EMPTY, "tot": LEAVE_EMPTY}
    assert [(u.value, u.rows) for u in unmapped_values(table.header, table.rows, mapping)] == [("lebt", 1)]
    offered = target_codes("last_follow_up_status") or {}
    assert list(offered) == ["remission", "disease", LEAVE_EMPTY]  # what the value mapping's box offers
    assert "leave the cell empty" in offered[LEAVE_EMPTY]


def test_lebt_is_refused_naming_the_field_and_its_codes_by_their_labels(empty_db: Database, tmp_path: Path) -> None:
    path = _sheet(tmp_path / "status.csv")
    table = read_table(path)
    report = import_file(empty_db, path, ImportOptions(mapping=suggested_mapping(table.header, rows=table.rows)))
    assert [(p.row, p.column, p.value) for p in report.problems] == [(1, STATUS, "lebt")]
    dialog = report.problem_lines(dialog=True)[0]
    assert dialog == ("row 1, column Status letzter Kontakt, value 'lebt': maps to no code of Status at last "
                      "follow-up: it could be alive in remission or alive with disease; choose one (or 'empty') in "
                      "the value mapping above")
    assert "last_follow_up_status" not in dialog
    assert "--mapping" in report.problems[0].text()  # the command line keeps its own words
    assert case_count(empty_db) == 0


def test_left_empty_cells_are_stored_empty_and_said_in_the_report(empty_db: Database, tmp_path: Path) -> None:
    path = _sheet(tmp_path / "status.csv")
    table = read_table(path)
    mapping = suggested_mapping(table.header, rows=table.rows)
    mapping.values["last_follow_up_status"]["lebt"] = "remission"  # the user's choice in the value mapping
    report = import_file(empty_db, path, ImportOptions(mapping=mapping))
    assert report.ok and report.written, report.problem_lines()
    assert _statuses(empty_db) == {"S01": "remission", "S02": None, "S03": None, "S04": None}
    assert "Left empty as the value mapping says: Status letzter Kontakt 'verstorben' (1 row), " \
           "'tot' (2 rows)." in report.summary()


def test_a_saved_mapping_keeps_the_choice_to_leave_empty(empty_db: Database) -> None:
    from storage.interchange.imports.column_mapping import ColumnMapping, load_mapping, save_mapping

    mapping = ColumnMapping({STATUS: "last_follow_up_status"}, {"last_follow_up_status": {"tot": LEAVE_EMPTY}})
    assert mapping.problems() == []
    with empty_db.session() as session:
        save_mapping(session, "Klinik", mapping)
        session.commit()
    with empty_db.session() as session:
        again = load_mapping(session, "Klinik")
    assert again.code_for("last_follow_up_status", "Tot") == ""
    wrong = ColumnMapping({STATUS: "last_follow_up_status"}, {"last_follow_up_status": {"tot": "dead"}})
    assert wrong.problems() == ["Status at last follow-up: 'tot' is mapped to 'dead', which is none of alive in "
                                "remission, alive with disease (nor 'empty': leave the cell empty (said in the import "
                                "report))"]
