"""Find any case: the filter searches every field, also name and hospital number, and says where."""

from __future__ import annotations

import pytest

from gui.case_list import table_model as m
from gui.case_list.list_view import CaseListWidget
from storage.database import Database
from storage.views.case_search import search_fields


@pytest.fixture
def case_list(qtbot, demo_db: Database) -> CaseListWidget:  # type: ignore[no-untyped-def]
    widget = CaseListWidget()
    qtbot.addWidget(widget)
    widget.reload(demo_db)
    return widget


def _shown(widget: CaseListWidget) -> list[str]:
    proxy = widget.proxy
    return [proxy.data(proxy.index(r, m.STUDY_ID)) for r in range(proxy.rowCount())]


def _all_cells(widget: CaseListWidget) -> str:
    proxy = widget.proxy
    return " ".join(str(proxy.data(proxy.index(r, c)) or "") for r in range(proxy.rowCount())
                    for c in range(proxy.columnCount()))


def test_search_by_hospital_number_finds_the_case_without_showing_it(case_list: CaseListWidget,
                                                                    demo_db: Database) -> None:
    with demo_db.session() as s:
        fields = search_fields(s)
    assert any(where == "Hospital number" and "0004" in text for f in fields.values() for where, text in f)
    case_list.filter_edit.setText("0004")
    assert _shown(case_list) == ["P04"]
    assert "0004" not in _all_cells(case_list)  # the list never shows the hospital number
    assert "P04 (Hospital number)" in case_list.count_label.text()
    tip = case_list.proxy.data(case_list.proxy.index(0, m.STUDY_ID), m.Qt.ItemDataRole.ToolTipRole)
    assert tip == "Found in: Hospital number"


def test_search_by_a_cytogenetic_finding(case_list: CaseListWidget) -> None:
    case_list.filter_edit.setText("MLL")
    assert _shown(case_list) == ["P02", "P05", "P06"]  # t(4;11) MLL-AF4 twice, t(9;11) MLL-AF9 once
    assert "P05 (Cytogenetic finding)" in case_list.count_label.text()


def test_search_by_drug_and_by_name(case_list: CaseListWidget) -> None:
    case_list.filter_edit.setText("daratumumab")
    assert _shown(case_list) == ["P07"]
    case_list.filter_edit.setText("venetoclax")
    assert _shown(case_list) == ["P08"]


def test_words_in_columns_and_elsewhere_combine(case_list: CaseListWidget) -> None:
    case_list.filter_edit.setText("MLL female")
    assert _shown(case_list) == ["P06"]
