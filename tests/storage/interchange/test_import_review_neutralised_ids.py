"""A study ID that a spreadsheet would run as a formula survives export and import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.database import Database, create_database
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("sid", ["-P02", "=P03", "+P04", "@P05", "'-P06"])
def test_a_formula_like_study_id_round_trips(demo_db: Database, tmp_path: Path, sid: str, fmt: str) -> None:
    with demo_db.session() as session:
        session.scalars(select(Case).where(Case.study_id == "P02")).one().study_id = sid
    out = tmp_path / f"cases.{fmt}"
    with demo_db.session() as session:
        export_database(session, out, ExportOptions(fmt=fmt))
    if fmt == "csv":
        assert f"'{sid}," in out.read_text(encoding="utf-8-sig")  # neutralised in the file
    fresh = create_database(tmp_path / "fresh.db")
    try:
        report = import_file(fresh, out)
        assert report.written, report.problems
        assert sid in report.created
        with fresh.session() as session:
            assert sid in session.scalars(select(Case.study_id)).all()
    finally:
        fresh.close()
    report = import_file(demo_db, out, ImportOptions(update_existing=True))  # and it finds its own case again
    assert report.written and sid in report.updated and not report.created
