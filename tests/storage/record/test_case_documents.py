"""The plain-data face of a case: round trip, replace, delete and restore, transient validation."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.record.case_documents import (
    case_from_document,
    delete_case,
    document_dates,
    empty_document,
    load_custom_fields,
    load_document,
    parse_date_text,
    save_document,
    study_id_exists,
)
from storage.record.models import Case, CustomField, DrugAdministration
from storage.record.rules import RecordRejected, check_case


def _case_id(db: Database, study_id: str) -> int:
    with db.session() as s:
        cid = s.scalar(select(Case.id).where(Case.study_id == study_id))
    assert cid is not None
    return cid


def test_document_of_p04_holds_the_published_facts(demo_db: Database) -> None:
    with demo_db.session() as s:
        doc = load_document(s, _case_id(demo_db, "P04"))
    json.dumps(doc)  # JSON-able
    assert (doc["diagnosis"], doc["subtype"]) == ("AML", "AML M2")
    melphalan = doc["courses"][0]["drugs"][0]
    assert (melphalan["drug"], melphalan["doses"], melphalan["dose"], melphalan["unit"]) == ("melphalan", 2, 33.0, "mg/m2")
    assert doc["identity"]["hospital_number"] == "DEMO-0004"
    assert doc["death"]["cause"] == "therapy"
    assert [f["finding"] for f in doc["findings"]] == ["AML/ETO fusion transcript t(8;21)", "c-kit mutation"]


def test_round_trip_replace_keeps_everything(demo_db: Database) -> None:
    cid = _case_id(demo_db, "P02")
    with demo_db.session() as s:
        before = load_document(s, cid)
    with demo_db.session() as s:
        save_document(s, copy.deepcopy(before), cid)
    with demo_db.session() as s:
        assert load_document(s, cid) == before


def test_edit_changes_fields_and_children(demo_db: Database) -> None:
    cid = _case_id(demo_db, "P04")
    with demo_db.session() as s:
        doc = load_document(s, cid)
    doc["subtype"] = "AML M2 with t(8;21)"
    doc["courses"][0]["drugs"].pop()
    doc["relapses"].append({"relapse_date": "2018-06-01", "site": "CNS", "note": None})
    with demo_db.session() as s:
        save_document(s, doc, cid)
    with demo_db.session() as s:
        after = load_document(s, cid)
        drugs = s.scalar(select(func.count()).select_from(DrugAdministration))
    assert after["subtype"] == "AML M2 with t(8;21)"
    assert [d["drug"] for d in after["courses"][0]["drugs"]] == ["melphalan"]
    assert after["relapses"][-1]["site"] == "CNS"
    assert drugs is not None and drugs > 0


def test_impossible_edit_is_refused_and_nothing_changes(demo_db: Database) -> None:
    cid = _case_id(demo_db, "P04")
    with demo_db.session() as s:
        before = load_document(s, cid)
    bad = copy.deepcopy(before)
    bad["subtype"] = "changed"
    bad["death"]["death_date"] = "2017-01-01"  # before day 1 of salvage
    with pytest.raises(RecordRejected) as caught, demo_db.session() as s:
        save_document(s, bad, cid)
    assert any(v.field == "death.death_date" for v in caught.value.violations)
    with demo_db.session() as s:
        assert load_document(s, cid) == before


def test_delete_then_restore_under_the_same_id(demo_db: Database) -> None:
    cid = _case_id(demo_db, "P05")
    with demo_db.session() as s:
        doc = delete_case(s, cid)
    with demo_db.session() as s:
        assert s.get(Case, cid) is None
        assert s.scalar(select(func.count()).select_from(Case)) == 7
    with demo_db.session() as s:
        assert save_document(s, doc) == cid
    with demo_db.session() as s:
        assert load_document(s, cid) == doc


def test_new_case_and_duplicate_study_id(empty_db: Database) -> None:
    with empty_db.session() as s:
        cid = save_document(s, empty_document("P09"))
    with empty_db.session() as s:
        assert study_id_exists(s, "P09")
        assert not study_id_exists(s, "P09", except_case_id=cid)
    with pytest.raises(RecordRejected, match="already exists"), empty_db.session() as s:
        save_document(s, empty_document("P09"))


def test_transient_case_finds_the_rule_without_a_session() -> None:
    doc = empty_document("P10")
    doc["courses"] = [{"course_number": 1, "start_date": "2020-05-01", "drugs": []}]
    doc["death"] = {"death_date": "2020-04-01", "cause": "disease", "cause_detail": None}
    fields = [v.field for v in check_case(case_from_document(doc))]
    assert "death.death_date" in fields


def test_custom_values_are_kept_and_checked(empty_db: Database) -> None:
    with empty_db.session() as s:
        s.add(CustomField(name="FLT3", kind="choice", choices="positive\nnegative"))
    with empty_db.session() as s:
        specs = load_custom_fields(s)
        doc = empty_document("P11")
        doc["custom"] = {"FLT3": "positive"}
        cid = save_document(s, doc)
    with empty_db.session() as s:
        assert load_document(s, cid)["custom"] == {"FLT3": "positive"}
    doc["custom"] = {"FLT3": "maybe"}
    assert [v.field for v in check_case(case_from_document(doc, specs))] == ["custom.FLT3"]


def test_dates_typed_iso_or_german() -> None:
    assert parse_date_text("2019-03-14") == dt.date(2019, 3, 14)
    assert parse_date_text("14.03.2019") == dt.date(2019, 3, 14)
    assert parse_date_text(" 4.3.2019 ") == dt.date(2019, 3, 4)
    assert parse_date_text("") is None
    with pytest.raises(ValueError, match="14.03.2019"):
        parse_date_text("31.02.2019")
    with pytest.raises(ValueError):
        parse_date_text("03/14/2019")


def test_document_dates_feed_the_endpoints(demo_db: Database) -> None:
    from analysis.statistics.endpoints import OVERALL_SURVIVAL, derive

    with demo_db.session() as s:
        doc = load_document(s, _case_id(demo_db, "P04"))
    value = derive(document_dates(doc), OVERALL_SURVIVAL)
    assert value.event and round(value.time() or 0) == 12


def test_summary_from_document_equals_the_bulk_summary(demo_db: Database) -> None:
    from storage.views.summaries import load_summaries, summary_from_document

    with demo_db.session() as s:
        bulk = load_summaries(s)
        single = [summary_from_document(load_document(s, b.case_id)) for b in bulk]
    assert single == bulk
