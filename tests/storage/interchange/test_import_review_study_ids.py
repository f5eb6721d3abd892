"""Study IDs are one ID in any letter case and whatever invisible characters they carry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case
from storage.record.rules import RecordRejected, study_id_key

from .test_import_flat_template import case_count, good_row, write_csv

ZWSP, NBSP, FULLWIDTH_P = "\u200b", "\u00a0", "\uff30"


def test_the_key_ignores_case_invisible_characters_whitespace_and_compatibility_forms() -> None:
    assert {study_id_key(s) for s in ("P01", "p01", f"P{ZWSP}01", f" P01{NBSP}", f"{FULLWIDTH_P}01", "P\ufeff01",
                                     "P 01")} == {"p01"}
    assert study_id_key("P01") != study_id_key("P011")


@pytest.mark.parametrize("other", ["x1", f"X{ZWSP}1", f"{NBSP}X1", "\uff38\uff11"])
def test_ids_differing_only_in_case_or_invisible_characters_are_duplicates_in_a_file(
        empty_db: Database, tmp_path: Path, other: str) -> None:
    rows = [good_row(1) | {"study_id": "X1"}, good_row(2) | {"study_id": other}]
    report = import_file(empty_db, write_csv(tmp_path / "dup.csv", rows))
    assert [(p.row, p.column) for p in report.problems] == [(2, "study_id")]
    shown = other.strip()
    assert report.problems[0].rule == f"study ID {shown} is also in row 1" + ("" if shown == "X1" else " (as 'X1')")
    assert case_count(empty_db) == 0


def test_an_id_already_stored_in_another_spelling_is_refused_and_updated_with_update_existing(
        demo_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [{"study_id": f"p{ZWSP}01", "subtype": "pre-B-ALL"}])
    report = import_file(demo_db, path)
    assert [(p.row, p.column) for p in report.problems] == [(1, "study_id")]
    assert "already exists in the database (as 'P01')" in report.problems[0].rule
    report = import_file(demo_db, path, ImportOptions(update_existing=True))
    assert report.written and report.updated == ["P01"] and report.created == []
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P01")).one()
        assert case.subtype == "pre-B-ALL"
        assert len(session.scalars(select(Case)).all()) == 8


def test_plain_lowercase_update_matches_the_stored_case(demo_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [{"study_id": "p01", "subtype": "T-ALL"}])
    report = import_file(demo_db, path, ImportOptions(update_existing=True))
    assert report.written and report.updated == ["P01"]


@pytest.mark.parametrize("sid", ["p01", f"P01{ZWSP}", "P\u200d01", "\uff30\uff10\uff11"])
def test_the_rule_on_every_flush_refuses_another_spelling_of_a_stored_id(demo_db: Database, sid: str) -> None:
    with pytest.raises(RecordRejected, match="already exists \\(as 'P01'\\)"), demo_db.session() as s:
        s.add(Case(study_id=sid))


def test_the_rule_refuses_two_spellings_in_one_flush_and_allows_recasing_a_case_itself(demo_db: Database) -> None:
    with pytest.raises(RecordRejected, match="used twice"), demo_db.session() as s:
        s.add_all([Case(study_id="N1"), Case(study_id="n1")])
    with demo_db.session() as s:
        s.scalars(select(Case).where(Case.study_id == "P01")).one().study_id = "p01"
    with demo_db.session() as s:
        assert s.scalars(select(Case.study_id).where(Case.study_id == "p01")).one() == "p01"


def test_a_stored_id_with_an_invisible_character_is_found_too(empty_db: Database) -> None:
    with empty_db.session() as s:
        s.add(Case(study_id=f"Q{ZWSP}7"))
    with pytest.raises(RecordRejected, match="already exists"), empty_db.session() as s:
        s.add(Case(study_id="q7"))
