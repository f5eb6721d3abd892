"""Issue 12 review through the import dialog: 'leave the cell empty' in the value mapping for verstorben/tot
(suggested) and lebt (left to the user), the date box by examples, a saved mapping announced in the dialog's
words, a date column without a format said once."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.interchange.imports.mapping_targets import LEAVE_EMPTY
from storage.record.models import Case
from tests.storage.interchange import german_sheet

pytest.importorskip("pytestqt")
STATUS = german_sheet.HEADER.index("Status letzter Kontakt")


def _sheet(path: Path) -> Path:
    rows = german_sheet.rows()
    dead = [i for i, r in enumerate(rows) if r[german_sheet.HEADER.index("Todesdatum")]]
    alive = [i for i in range(len(rows)) if i not in dead]
    for n, i in enumerate(dead):
        rows[i][STATUS] = "verstorben" if n % 2 else "tot"
    rows[alive[0]][STATUS] = "lebt"
    with path.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(german_sheet.HEADER)
        writer.writerows(rows)
    return path


def _check(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.report = None
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)


def _value_rows(panel) -> dict[str, str]:  # type: ignore[no-untyped-def]
    table = panel.value_table
    return {table.item(r, 1).text(): table.cellWidget(r, 3).currentData() for r in range(table.rowCount())}


def test_the_reviewers_sheet_through_the_dialog(qtbot, empty_db: Database, tmp_path: Path) -> None:
    from gui.data.import_dialog import ImportDialog

    dialog = ImportDialog(empty_db, path=_sheet(tmp_path / "status.csv"))
    qtbot.addWidget(dialog)
    dialog.resize(1326, 708)
    assert [dialog.date_format.itemText(i) for i in range(1, 5)] == ["31.12.2019", "31/12/2019", "12/31/2019",
                                                                     "2019/12/31"]
    _check(qtbot, dialog)
    panel = dialog.panel
    values = _value_rows(panel)
    assert values["verstorben"] == LEAVE_EMPTY and values["tot"] == LEAVE_EMPTY  # suggested, shown, changeable
    assert values["lebt"] == ""  # ambiguous: the user chooses
    lines = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    lebt = next(line for line in lines if "'lebt'" in line)
    assert lebt.startswith("row 2, column Status letzter Kontakt, value 'lebt': maps to no code of Status at last "
                           "follow-up: it could be alive in remission or alive with disease; choose one (or 'empty') in "
                           "the value mapping above")
    assert "last_follow_up_status" not in lebt and "--" not in lebt
    date_lines = [line for line in lines if "the data do not tell day from month" in line]
    assert len(date_lines) == len({line.split(":")[0] for line in date_lines})  # one per column
    assert not any("YYYY-MM-DD" in line for line in lines)
    dialog.grab().save(str(tmp_path / "import_words_problems.png"))
    box = next(panel.value_table.cellWidget(r, 3) for r in range(panel.value_table.rowCount())
               if panel.value_table.item(r, 1).text() == "lebt")
    assert box.itemText(box.findData(LEAVE_EMPTY)) == "empty: leave the cell empty (said in the import report)"
    box.setCurrentIndex(box.findData("remission"))
    dialog.date_format.setCurrentIndex(dialog.date_format.findData("%d.%m.%Y"))
    for header, target in german_sheet.MAPPING.items():
        target_box = panel.target_box(header)
        assert target_box is not None
        if target_box.currentData() != target:
            target_box.setEditText(target)
            target_box.lineEdit().editingFinished.emit()
    dialog.store_mapping("Station 2", dialog.current_mapping())
    assert "command line" not in dialog.summary.text() and "--mapping" not in dialog.summary.text()
    assert "choose it under Column mapping above" in dialog.summary.text()
    _check(qtbot, dialog)
    assert dialog.report.ok, [str(p) for p in dialog.report.problems]
    dialog.report = None
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.written, timeout=30_000)
    assert "Left empty as the value mapping says: Status letzter Kontakt " in dialog.summary.text()
    with empty_db.session() as session:
        cases = [(c.last_follow_up_status, c.death is not None) for c in session.scalars(select(Case))]
    assert len(cases) == 8 and sum(dead for _status, dead in cases) == 6
    assert [status for status, dead in cases if dead] == [None] * 6  # verstorben / tot: stored empty
    assert [status for status, dead in cases if not dead] == ["remission"] * 2  # lebt (chosen), in Remission
