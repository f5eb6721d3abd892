"""--update-existing writes each row into the records it names, once: repeating an import changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from storage.database import Database
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case, Transplant
from storage.record.tables import audit_log

UPDATE = ImportOptions(update_existing=True)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _content(db: Database) -> list[str]:
    with sqlite3.connect(db.path) as conn:
        return list(conn.iterdump())


def _audit_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(audit_log)) or 0


def _transplants(db: Database, study_id: str) -> list[tuple[int, str | None, str | None]]:
    with db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == study_id)).one()
        rows = session.scalars(select(Transplant).where(Transplant.case_id == case.id).order_by(Transplant.id))
        return [(t.transplant_number, t.transplant_date and t.transplant_date.isoformat(), t.donor_type)
                for t in rows]


def test_the_same_update_imported_three_times_changes_the_database_once(demo_db: Database, tmp_path: Path) -> None:
    before = _transplants(demo_db, "P02")
    assert len(before) == 2  # P02 has two transplants after salvage
    path = _write(tmp_path / "tx.csv", "study_id,hsct_after_date,donor_type\nP02,2015-09-01,MSD\n")
    assert import_file(demo_db, path, UPDATE).written
    after_first = _transplants(demo_db, "P02")
    assert after_first == [(1, "2015-09-01", "MSD"), before[1]]  # both values went into the first transplant
    content, audits = _content(demo_db), _audit_count(demo_db)
    for _ in range(2):
        report = import_file(demo_db, path, UPDATE)
        assert report.ok and report.written
        assert _content(demo_db) == content and _audit_count(demo_db) == audits


def test_a_date_that_would_make_another_transplant_the_first_is_refused(demo_db: Database, tmp_path: Path) -> None:
    before, content = _transplants(demo_db, "P02"), _content(demo_db)
    path = _write(tmp_path / "tx.csv", "study_id,hsct_after_date,donor_type\nP02,2016-06-01,MSD\n")
    for _ in range(3):
        report = import_file(demo_db, path, UPDATE)
        assert not report.written
        assert [(p.row, p.column, p.value) for p in report.problems] == [(1, "hsct_after_date", "2016-06-01")]
        assert "first HSCT after salvage would then be the one on 2016-03-11" in report.problems[0].rule
    assert _transplants(demo_db, "P02") == before and _content(demo_db) == content


def test_a_best_response_contradicting_the_assessments_is_refused_with_row_column_value_and_rule(
        demo_db: Database, tmp_path: Path) -> None:
    content = _content(demo_db)
    report = import_file(demo_db, _write(tmp_path / "br.csv", "study_id,best_response\nP01,NR\n"), UPDATE)
    assert not report.written and [(p.row, p.column, p.value) for p in report.problems] == [(1, "best_response", "NR")]
    assert report.problems[0].rule == (
        "best response NR contradicts the recorded assessments (CR on 2016-04-04); change the assessments in the "
        "form or set a manual best response with a reason")
    report = import_file(demo_db, _write(tmp_path / "empty.csv", "study_id,best_response\nP01,\n"), UPDATE)
    assert [p.column for p in report.problems] == ["best_response"] and "an empty best response" in str(report.problems[0])
    assert _content(demo_db) == content


def test_the_recorded_best_response_and_a_manual_override_import_without_touching_the_assessments(
        demo_db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "br.csv", "study_id,best_response,best_response_override,best_response_override_reason\n"
                                       "P01,CR,NR,central review\n")
    assert import_file(demo_db, path, UPDATE).written
    with demo_db.session() as session:
        case = session.scalars(select(Case).where(Case.study_id == "P01")).one()
        assert case.best_response_override == "NR"
        assert sorted((a.response, str(a.assessed_on)) for a in case.assessments if a.timing == "post") == [
            ("CR", "2016-04-04"), ("CR", "2016-05-26")]


def test_a_full_export_imported_as_an_update_changes_nothing(demo_db: Database, tmp_path: Path) -> None:
    from storage.interchange.export.exporting import ExportOptions, export_database

    out = tmp_path / "all.csv"
    with demo_db.session() as session:
        export_database(session, out, ExportOptions())
    content = _content(demo_db)
    report = import_file(demo_db, out, UPDATE)
    assert report.written and len(report.updated) == 8
    assert _content(demo_db) == content


def test_a_best_response_date_that_would_make_another_assessment_the_best_is_refused(
        demo_db: Database, tmp_path: Path) -> None:
    content = _content(demo_db)
    path = _write(tmp_path / "d.csv", "study_id,best_response,best_response_date\nP01,CR,2016-06-01\n")
    report = import_file(demo_db, path, UPDATE)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(1, "best_response_date", "2016-06-01")]
    assert "assessment on 2016-05-26" in report.problems[0].rule and _content(demo_db) == content
    path = _write(tmp_path / "ok.csv", "study_id,best_response,best_response_date\nP01,CR,2016-04-05\n")
    assert import_file(demo_db, path, UPDATE).written
    content, audits = _content(demo_db), _audit_count(demo_db)
    assert import_file(demo_db, path, UPDATE).written
    assert _content(demo_db) == content and _audit_count(demo_db) == audits


def test_a_new_case_gets_its_best_response_and_first_transplant_from_one_row(empty_db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "n.csv", "study_id,salvage_start,best_response,best_response_date,hsct_after_date,"
                                      "donor_type\nN1,2019-03-04,PR,2019-04-01,2019-06-01,MUD\n")
    assert import_file(empty_db, path).written
    assert _transplants(empty_db, "N1") == [(1, "2019-06-01", "MUD")]
    content = _content(empty_db)
    assert import_file(empty_db, path, UPDATE).written and _content(empty_db) == content
