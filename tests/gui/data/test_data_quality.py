"""The data-quality view lists what is missing in every case and opens the case on a double-click."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from gui.data.data_quality import DataQualityDialog, quality_rows
from gui.shell.main_window import MainWindow
from gui.shell.settings import Settings
from storage.database import Database, open_database
from storage.record.models import Case, Death
from storage.safety.backup import BackupError, copy_database


def test_missing_items_are_listed_per_case(demo_db: Database) -> None:
    with demo_db.session() as s:
        case = Case(study_id="P09")
        case.death = Death(death_date=dt.date(2020, 1, 1))
        s.add(case)
    rows = {(sid, problem) for _, sid, problem in quality_rows(demo_db)}
    assert ("P09", "death without a cause") in rows
    assert ("P09", "no salvage start date (time zero)") in rows
    assert ("P09", "no diagnosis") in rows
    # the two living demo patients were last seen years ago: their follow-up is stale
    assert ("P02", "last follow-up is more than six months old") in rows
    assert ("P06", "last follow-up is more than six months old") in rows
    assert not any(sid == "P03" for sid, _ in rows)


def test_double_click_opens_the_case(qtbot, monkeypatch, demo_db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(demo_db, settings)
    qtbot.addWidget(win)
    win.show()
    dialog = DataQualityDialog(quality_rows(demo_db), win)
    qtbot.addWidget(dialog)
    p06_row = [r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == "P06"][0]  # type: ignore[union-attr]
    dialog.table.cellDoubleClicked.emit(p06_row, 1)
    assert dialog.chosen_case is not None
    win.show_case(dialog.chosen_case)
    assert win.case_list.current_case_id() == dialog.chosen_case


def test_backup_copy_holds_every_case_and_never_overwrites(tmp_path: Path, demo_db: Database) -> None:
    target = copy_database(demo_db.path, tmp_path / "copy.db")
    copy = open_database(target, backup=False)
    try:
        with copy.session() as s:
            assert sorted(s.query(Case.study_id).all()) == [(f"P0{i}",) for i in range(1, 9)]
    finally:
        copy.close()
    with pytest.raises(BackupError, match="already exists"):
        copy_database(demo_db.path, target)
