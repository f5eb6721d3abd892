"""The import dialog's progress in words (Reading the file, Checking rows, Writing cases; thousands
separators; a busy bar with words from the moment Check starts), its summary in proper singular and
plural, and its problems' dates as View ▸ Dates shown as says."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gui.data.import_words import progress_words
from gui.widgets import date_display
from storage.database import Database
from tests.storage.interchange.test_import_flat_template import case_count, good_row, write_csv

pytest.importorskip("pytestqt")


def _dialog(qtbot, db: Database, path: Path):  # type: ignore[no-untyped-def]
    from gui.data.import_dialog import ImportDialog

    dialog = ImportDialog(db, path=path)
    qtbot.addWidget(dialog)
    seen: list[str] = []
    shown = dialog._progress

    def said(done: int, total: int, what: str) -> None:
        shown(done, total, what)
        seen.append(dialog.progress_words.text())

    dialog._progress = said  # type: ignore[method-assign]
    return dialog, seen


def _run(qtbot, dialog, button) -> None:  # type: ignore[no-untyped-def]
    dialog.report = None
    button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60_000)


def test_progress_words_count_with_thousands_separators() -> None:
    assert progress_words(1000, 20000, "checking rows") == "Checking rows: 1,000 of 20,000"
    assert progress_words(5000, 0, "reading rows") == "Reading the file… 5,000 rows"
    assert progress_words(0, 0, "reading rows") == "Reading the file…"
    assert progress_words(1, 0, "reading rows") == "Reading the file… 1 row"
    assert progress_words(2000, 20000, "writing") == "Writing cases: 2,000 of 20,000"


def test_check_and_import_say_what_they_do_and_how_far(qtbot, empty_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cohort.csv", [good_row(i) for i in range(1, 2501)])
    dialog, seen = _dialog(qtbot, empty_db, path)
    dialog.report = None
    dialog.check_button.click()
    # busy, in words, before the worker has read a row (the column mapping's reading gives no total)
    assert not dialog.progress_row.isHidden() and dialog.progress_words.text() == "Reading the file…"
    assert (dialog.progress.minimum(), dialog.progress.maximum()) == (0, 0)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60_000)
    assert dialog.progress_row.isHidden()
    assert "Reading the file… 2,000 rows" in seen  # the column mapping's reading, every 1,000 rows
    assert "Reading the file again… 2,000 rows" in seen  # the check's first pass
    assert "Checking rows: 1,000 of 2,500" in seen and seen[-1] == "Checking rows: 2,500 of 2,500"
    assert not any("%v" in s or "%m" in s for s in seen)
    assert dialog.summary.text() == ("Check: 2,500 new cases and 0 updated cases to import; nothing written yet "
                                     "(Import writes them).")
    assert "dry run" not in dialog.summary.text() and "(s)" not in dialog.summary.text()
    assert "Read as CSV, comma-separated" in dialog.long_note.text() and "2,500 rows, 15 columns." in \
        dialog.long_note.text()
    assert case_count(empty_db) == 0
    seen.clear()
    _run(qtbot, dialog, dialog.import_button)
    assert dialog.report.written and case_count(empty_db) == 2500
    # the kept check is written a chunk (2,000 cases) at a time, the bar moving after each
    assert seen[0] == "Writing cases…" and "Writing cases: 0 of 2,500" in seen
    assert "Writing cases: 2,000 of 2,500" in seen and seen[-1] == "Writing cases: 2,500 of 2,500"
    assert dialog.summary.text() == "Imported 2,500 new cases and 0 updated cases."


def test_one_problem_is_said_in_the_singular_and_its_dates_as_chosen(qtbot, empty_db: Database,
                                                                     tmp_path: Path) -> None:
    rows = [good_row(i) for i in range(1, 4)]
    rows[1]["relapse_date"] = "2019-01-02"
    dialog, _seen = _dialog(qtbot, empty_db, write_csv(tmp_path / "bad.csv", rows))
    date_display.set_style(date_display.DAY_FIRST)
    try:
        _run(qtbot, dialog, dialog.check_button)
        assert dialog.summary.text() == "1 problem in bad.csv; nothing was imported."
        lines = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
        assert lines == ["row 2, column relapse_date, value '02.01.2019': relapse (02.01.2019) is before day 1 of "
                         "salvage (04.03.2019)"]
        column = dialog.model.header.index("relapse_date")
        tip = dialog.model.data(dialog.model.index(1, column), Qt.ItemDataRole.ToolTipRole)
        assert tip == "relapse (02.01.2019) is before day 1 of salvage (04.03.2019)"
        assert dialog.model.data(dialog.model.index(1, column)) == "2019-01-02"  # the cell: as in the file
    finally:
        date_display.set_style(date_display.ISO)
    _run(qtbot, dialog, dialog.check_button)
    assert "relapse (2019-01-02) is before day 1 of salvage (2019-03-04)" in dialog.problems.item(0).text()


def test_the_command_line_keeps_its_words(empty_db: Database, tmp_path: Path) -> None:
    from storage.interchange.imports.importing import check_file

    checked = check_file(empty_db, write_csv(tmp_path / "ok.csv", [good_row(1)]))
    assert checked.report.summary() == "1 new and 0 updated case(s) would be imported (dry run: nothing written)."
    assert checked.report.summary(dialog=True) == ("Check: 1 new case and 0 updated cases to import; nothing "
                                                   "written yet (Import writes them).")
    checked.release()
