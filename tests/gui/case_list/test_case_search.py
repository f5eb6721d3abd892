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


@pytest.mark.parametrize("style", ["dd.mm.yyyy", "yyyy-mm-dd"])
def test_a_date_typed_in_either_form_finds_the_case_whatever_the_display(  # type: ignore[no-untyped-def]
        qtbot, case_list: CaseListWidget, style: str) -> None:
    from gui.widgets import date_display

    date_display.set_style(style)
    qtbot.waitUntil(lambda: case_list.model.formatted_prefix() == case_list.model.rowCount())  # rows re-shown
    summaries = {s.study_id: s for s in case_list.model.summaries()}
    for attr, where in (("last_follow_up", "Last follow-up"), ("death_date", "Death"),
                        ("time_zero", "Salvage course"), ("birth_date", "Date of birth"),
                        ("first_relapse_date", "Relapse"), ("first_transplant_date", "HSCT after salvage")):
        dated = {sid: getattr(s, attr) for sid, s in summaries.items() if getattr(s, attr) is not None}
        assert dated, attr
        sid, day = sorted(dated.items())[0]
        same_day = sorted(other for other, s in summaries.items()
                          if day in {getattr(s, a) for a in ("last_follow_up", "death_date", "time_zero", "birth_date",
                                                             "first_relapse_date", "first_transplant_date")})
        for typed in (day.isoformat(), day.strftime("%d.%m.%Y"), f"{day.day}.{day.month}.{day.year}"):
            case_list.filter_edit.setText(typed)
            assert _shown(case_list) == same_day, (attr, typed)
            if attr in ("birth_date", "time_zero"):  # not a column: the count says where it matched, never what
                assert f"{sid} ({where})" in case_list.count_label.text()
    case_list.filter_edit.setText("31.02.2019")  # no such day: finds nothing, breaks nothing
    assert _shown(case_list) == []
    assert "10.11.2018 or 2018-11-10" in case_list.filter_edit.toolTip()


def test_a_date_in_a_searched_text_is_found_in_either_form(qtbot) -> None:  # type: ignore[no-untyped-def]
    from gui.case_list.rows import typed_date, with_other_forms

    assert with_other_forms("seen 2018-11-10 in clinic") == "seen 2018-11-10 in clinic 2018-11-10 10.11.2018"
    assert with_other_forms("Kontrolle am 1.2.2019") == "Kontrolle am 1.2.2019 2019-02-01 01.02.2019"
    assert with_other_forms("2019-02-30") == "2019-02-30" and with_other_forms("melphalan") == "melphalan"
    assert typed_date("1.2.2019") == "01.02.2019" and typed_date("mll") == "mll"


def test_every_date_of_the_case_is_searched_not_only_the_rows(qtbot, case_list: CaseListWidget,  # type: ignore[no-untyped-def]
                                                              demo_db: Database) -> None:
    """The tooltip promises every field: the initial diagnosis, a later course, an assessment, a complication."""
    from storage.record.case_documents import load_document
    from storage.views.case_dates import DATES, case_dates, document_case_dates

    p01 = next(s for s in case_list.model.summaries() if s.study_id == "P01")
    with demo_db.session() as s:
        dates = case_dates(s)
        doc = load_document(s, p01.case_id)
    assert sorted(document_case_dates(doc)) == sorted(dates[p01.case_id])  # the edit path says the same
    assert "2006-11-15 15.11.2006" in [text for where, text in dates[p01.case_id]
                                       if where == "Date of initial diagnosis"]  # the form shows 15.11.2006
    for typed in ("15.11.2006", "2006-11-15"):
        case_list.filter_edit.setText(typed)
        assert _shown(case_list) == ["P01"]
        assert "P01 (Date of initial diagnosis)" in case_list.count_label.text()
    wheres = {where for _m, _k, _c, where in DATES}
    found = {where for pairs in dates.values() for where, _t in pairs}
    assert {"Salvage course", "Response assessment", "Complication"} <= found <= wheres
    case_list.update_case(demo_db, p01.case_id)  # one row again, after an edit: still found
    case_list.filter_edit.setText("15.11.2006")
    assert _shown(case_list) == ["P01"]
