"""The case header, and the case list's EFS column, name the treatment-failure endpoint in words, not 'efs-tf'."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from sqlalchemy import select

from gui.case_form.form import CaseForm
from gui.case_list import table_model as m
from storage.database import Database
from storage.record.models import Case
from storage.views.summaries import load_summaries


def test_the_header_of_a_case_without_remission_names_the_endpoint_in_words(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    form = CaseForm(demo_db, QUndoStack(), lambda _cid: None)
    qtbot.addWidget(form)
    with demo_db.session() as s:
        p05 = s.scalar(select(Case.id).where(Case.study_id == "P05"))  # best response NR
    assert p05 is not None
    form.load(p05)
    line = form.endpoints_line.text()
    assert "efs-tf" not in line
    assert line == "ALL · third relapse · OS 2.0 mo · EFS NA (no CR; EFS with treatment failure as event counts it " \
                   "at day 0)"


def test_the_case_list_explains_efs_without_the_definition_name(demo_db: Database) -> None:
    model = m.CaseTableModel()
    with demo_db.session() as s:
        model.set_cases(load_summaries(s))
    header_tip = model.headerData(m.EFS, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    row = next(r for r in range(model.rowCount()) if model.data(model.index(r, m.STUDY_ID)) == "P05")
    cell_tip = model.data(model.index(row, m.EFS), Qt.ItemDataRole.ToolTipRole)
    assert "efs-tf" not in header_tip and "'Event-free survival, treatment failure as event at day 0'" in header_tip
    assert "efs-tf" not in cell_tip and "EFS with treatment failure as event counts the treatment failure" in cell_tip
