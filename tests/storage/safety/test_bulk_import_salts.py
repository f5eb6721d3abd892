"""Point 16 of issue 14 for the bulk import: a case's single entry holds a keyed hash of its row, never a plain one.

The imported row holds name, hospital number and birth date; a plain SHA-256 of it could be confirmed by
guessing them. The entry holds an HMAC-SHA-256 under the case's own audit salt, which is deleted with the
case, so that afterwards the entry proves nothing about who the patient was.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import sqlite3
from pathlib import Path

from sqlalchemy import select

from storage.database import Database, create_database
from storage.interchange import case_template as tpl
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.interchange.imports.importing import import_file
from storage.record.case_documents import delete_case
from storage.record.models import Case
from storage.safety.audit import SALT_PREFIX
from storage.safety.verification import verify_database

HEADER = ["study_id", "name", "hospital_number", "sex", "birth_date", "diagnosis", "disease_status",
          "salvage_start", "best_response", "last_follow_up", "last_follow_up_status"]


def _rows() -> list[list[str]]:
    return [[f"S{i:02d}", f"Erika Muster{i}", f"KH-{4711 + i}", "f", "2008-05-01", "ALL", "relapse", "2019-03-04",
             "CR", "2021-02-03", "remission"] for i in range(1, 4)]


def _import(db: Database, tmp_path: Path) -> Path:
    path = tmp_path / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *_rows()])
    report = import_file(db, path)
    assert report.written, [str(p) for p in report.problems]
    return path


def _bulk_entries(path: Path) -> dict[int, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT record_id, new_value FROM audit_log WHERE action = 'create' "
                                 "AND table_name = 'cases'").fetchall())


def _salts(path: Path) -> dict[int, str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT key, value FROM study_info WHERE key LIKE ?", (SALT_PREFIX + "%",)).fetchall()
    return {int(key.removeprefix(SALT_PREFIX)): value for key, value in rows}


def test_each_imported_case_has_its_own_salt_and_a_keyed_hash_of_its_row(empty_db: Database,
                                                                          tmp_path: Path) -> None:
    _import(empty_db, tmp_path)
    entries, salts = _bulk_entries(empty_db.path), _salts(empty_db.path)
    assert len(entries) == 3 and set(salts) == set(entries)  # one salt per imported case, under its id
    assert len(set(salts.values())) == 3 and all(len(bytes.fromhex(s)) == 32 for s in salts.values())
    for case_id, value in entries.items():
        assert value.startswith("salted-sha256:")
        digest = value.removeprefix("salted-sha256:").split(" ", 1)[0]
        row = next(r for r in _rows() if r[0] == f"S{case_id:02d}")
        content = json.dumps([HEADER, [tpl.cell_text(v) for v in row]], ensure_ascii=False, default=str)
        plain = hashlib.sha256(content.encode("utf-8")).hexdigest()
        assert digest != plain  # the unsalted hash a guess of name and hospital number would confirm
        # while the case is in the study, its salt proves what the row was
        assert digest == hmac.new(bytes.fromhex(salts[case_id]), content.encode("utf-8"), hashlib.sha256).hexdigest()
    assert "Muster" not in value and "KH-47" not in value


def test_an_imported_database_verifies_and_a_deleted_case_leaves_no_salt(empty_db: Database, tmp_path: Path) -> None:
    _import(empty_db, tmp_path)
    report = verify_database(empty_db.path)
    assert report.problems == [], report.problems
    with empty_db.session() as session:
        doomed = session.scalars(select(Case).where(Case.study_id == "S02")).one().id
        delete_case(session, doomed)
    salts = _salts(empty_db.path)
    assert doomed not in salts and len(salts) == 2  # the other cases keep theirs
    assert verify_database(empty_db.path).problems == []


def test_the_long_format_import_keys_its_entries_too(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session() as session:
        export_database(session, tmp_path / "long.xlsx", ExportOptions(fmt="xlsx", long=True))
    target = create_database(tmp_path / "new.db")
    report = import_file(target, tmp_path / "long.xlsx")
    assert report.written and len(report.created) == 8
    entries, salts = _bulk_entries(target.path), _salts(target.path)
    assert set(salts) == set(entries) and len(entries) == 8
    assert all(v.startswith("salted-sha256:") for v in entries.values())
    assert verify_database(target.path).problems == []
    target.close()
