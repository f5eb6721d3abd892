"""A new case of the flat import is built as plain records (light_records.LightCase), no longer as ORM objects:
every stored value, every record id and every audit entry are what the ORM objects of the same rows wrote."""

from __future__ import annotations

import csv
import itertools
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from storage.database import create_database
from storage.generated.demo import write_demo
from storage.interchange.export.exporting import ExportOptions, export_database
from storage.interchange.imports import importing
from storage.interchange.imports.bulk_insert import CaseRows
from storage.interchange.imports.column_mapping import ColumnMapping, save_mapping
from storage.interchange.imports.importing import ImportOptions, import_file
from storage.record.models import Case
from storage.safety.audit import HASHED
from storage.safety.verification import verify_database
from tests.storage.interchange import german_sheet

_CHILDREN = ("identity", "findings", "prior_transplants", "assessments", "transplants", "complications",
             "subsequent_therapies", "relapses", "death")


def _values(obj: Any) -> dict[str, Any]:
    return {a.key: getattr(obj, a.key) for a in inspect(type(obj)).column_attrs
            if a.key not in ("id", "case_id", "course_id")}


def orm_rows(case: Case, salt: str, digest: str) -> CaseRows:
    """An ORM case as plain rows: how the flat import flattened its ORM cases before (bulk_insert.flatten)."""
    rows = CaseRows(case.study_id, salt, digest, _values(case))
    for name in _CHILDREN:
        value: Any = getattr(case, name)
        for record in value if isinstance(value, list) else [value] if value is not None else []:
            rows.children.append((inspect(type(record)).local_table, _values(record)))  # type: ignore[arg-type]
    rows.courses = [(_values(course), [_values(d) for d in course.drugs]) for course in case.courses]
    rows.custom = [(v.field, v.value) for v in case.custom_values]
    for value in case.custom_values:
        value.field = None
    set_committed_value(case, "custom_values", [])
    return rows


def _german(tmp: Path) -> tuple[Path, ImportOptions, str]:
    return german_sheet.write_csv(tmp / "patienten.csv"), ImportOptions(), "Tübingen sheet"


def _demo_with_custom_columns(tmp: Path) -> tuple[Path, ImportOptions, str]:
    demo = write_demo(tmp / "demo.db")
    with demo.session() as session:
        export_database(session, tmp / "exported.csv", ExportOptions(fmt="csv"))
    demo.close()
    with (tmp / "exported.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    extra = {"karnofsky": ["90", "70", "", "80", "100", "60", "90", "70"],
             "ward": ["K2", "K3", "K2", "K2", "K3", "K2", "", "K3"],
             "consent_date": ["2016-01-02", "", "2016-03-04", "2016-05-06", "", "2016-07-08", "2016-09-10", ""]}
    rows = [table[0] + list(extra)] + [r + [v[i] for v in extra.values()] for i, r in enumerate(table[1:])]
    path = tmp / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path, ImportOptions(add_fields=True), ""


def _synthetic(tmp: Path) -> tuple[Path, ImportOptions, str]:
    from storage.generated.synthetic import write_csv

    write_csv(tmp / "synthetic.csv", 300, 7)
    return tmp / "synthetic.csv", ImportOptions(), ""


def _import(tmp: Path, source: Path, options: ImportOptions, mapping: str,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    salts = itertools.count(1)
    monkeypatch.setattr(importing, "new_salt", lambda: f"{next(salts):032x}")  # the same salts for both imports
    tmp.mkdir()
    db = create_database(tmp / "study.db")
    try:
        if mapping:
            with db.session() as session:
                save_mapping(session, mapping, ColumnMapping(dict(german_sheet.MAPPING), date_format="%d.%m.%Y"))
            from storage.interchange.imports.column_mapping import load_mapping

            with db.session() as session:
                options = ImportOptions(mapping=load_mapping(session, mapping))
        report = import_file(db, source, options)
        assert report.written, report.summary()
    finally:
        db.close()
    return tmp / "study.db"


_TIMED = {"audit_log": ("at", "prev_hash", "hash")}
_ONLY = {"audit_log": " WHERE action != 'event'"}  # (the database's creation event has its own nonce)


def stored(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the audit entries of the cases, without their time and the hash chain over it)."""
    conn = sqlite3.connect(path)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {}
        for name in names:
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({name})")
                       if c[1] not in _TIMED.get(name, ())]
            out[name] = conn.execute(f"SELECT {', '.join(columns)} FROM {name}{_ONLY.get(name, '')} ORDER BY rowid").fetchall()
        return out
    finally:
        conn.close()


@pytest.mark.parametrize("source", [_german, _demo_with_custom_columns, _synthetic])
def test_a_new_case_stores_what_the_orm_case_of_its_row_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                source: Any) -> None:
    path, options, mapping = source(tmp_path)
    light = stored(_import(tmp_path / "light", path, options, mapping, monkeypatch))
    with monkeypatch.context() as orm:  # the import as it was: each new case an ORM Case, flattened
        orm.setattr(importing, "LightCase", lambda values: Case(**values))
        orm.setattr(importing, "light_rows", orm_rows)
        reference = stored(_import(tmp_path / "orm", path, options, mapping, monkeypatch))
    assert set(light) == set(reference)
    for table in reference:
        assert light[table] == reference[table], table
    assert len(light["cases"]) == {_german: 8, _demo_with_custom_columns: 8, _synthetic: 300}[source]
    creates = [e for e in light["audit_log"] if e[2:4] == ("create", "cases")]  # (id, os_user, action, table_name..)
    assert [e[5] for e in creates] == [c[1] for c in light["cases"]]  # one per case, with its study ID
    assert all(e[-1] == f"import of {path.name}" and e[-2].count(HASHED) == 2 for e in creates), creates[0]
    assert verify_database(tmp_path / "light" / "study.db").problems == []


def test_the_german_sheet_s_doses_and_custom_values_are_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a clinician checks in the imported study: Table 2's doses and the added custom fields' values."""
    path, options, mapping = _german(tmp_path)
    conn = sqlite3.connect(_import(tmp_path / "german", path, options, mapping, monkeypatch))
    try:
        doses = conn.execute(
            "SELECT d.drug, d.doses, d.dose, d.unit, d.route, d.dose_modification FROM drug_administrations d "
            "JOIN salvage_courses s ON s.id = d.course_id JOIN cases c ON c.id = s.case_id "
            "WHERE c.study_id = 'P05' ORDER BY d.id").fetchall()
    finally:
        conn.close()
    assert ("melphalan", 1, 20.0, "mg/m2", None, "low: cumulative toxicity") in doses
    assert ("cytarabine", 10, 100.0, "mg/m2", "CI", "low: cumulative toxicity") in doses
    (tmp_path / "demo").mkdir()
    custom_path, custom_options, _ = _demo_with_custom_columns(tmp_path / "demo")
    conn = sqlite3.connect(_import(tmp_path / "custom", custom_path, custom_options, "", monkeypatch))
    try:
        values = dict(conn.execute(
            "SELECT c.study_id, v.value FROM custom_values v JOIN custom_fields f ON f.id = v.field_id "
            "JOIN cases c ON c.id = v.case_id WHERE f.name = 'karnofsky'").fetchall())
        kinds = dict(conn.execute("SELECT name, kind FROM custom_fields").fetchall())
    finally:
        conn.close()
    assert values == {"P01": "90", "P02": "70", "P04": "80", "P05": "100", "P06": "60", "P07": "90", "P08": "70"}
    assert kinds == {"karnofsky": "number", "ward": "choice", "consent_date": "date"}


def test_the_kept_rows_are_unfrozen_once_the_import_is_written_or_let_go(tmp_path: Path) -> None:
    """Every 2,000 new cases the kept rows leave the garbage collector's passes (gc.freeze); never for good."""
    import gc

    from storage.generated.synthetic import write_csv
    from storage.interchange.imports.importing import check_file

    write_csv(tmp_path / "cases.csv", 2100, 3)
    db = create_database(tmp_path / "study.db")
    try:
        checked = check_file(db, tmp_path / "cases.csv")
        assert checked.plan is not None and checked.plan.frozen and gc.get_freeze_count() > 0
        checked.release()
        assert gc.get_freeze_count() == 0
        report = import_file(db, tmp_path / "cases.csv")
        assert report.written and len(report.created) == 2100 and gc.get_freeze_count() == 0
    finally:
        db.close()
